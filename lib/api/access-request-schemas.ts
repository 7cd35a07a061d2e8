// Request and answer bodies of access requests (`/v1/…/access-requests`). The OpenAPI document is
// generated from these same schemas.
import * as z from 'zod';
import { freeText } from './free-text.js';
import { ACCESS_REQUEST_STATUSES } from '../store/access-requests.js';
import {
  ALL_PERMISSIONS,
  checkPermissionFits,
  PrincipalSelector,
  ResourceSelector,
} from './provisioning-schemas.js';

/** The longest time-boxed grant: 30 days, in minutes. */
export const MAX_DURATION_MINUTES = 43_200;

export const AccessRequestBody = z
  .strictObject({
    resource: ResourceSelector,
    principal: PrincipalSelector,
    permission: z
      .enum(ALL_PERMISSIONS)
      .describe('as in /grants: `member` for groups; project and repository permissions'),
    durationMinutes: z
      .number()
      .int('whole minutes')
      .min(1, 'at least 1 minute')
      .max(MAX_DURATION_MINUTES, `at most ${MAX_DURATION_MINUTES} minutes (30 days)`)
      .optional()
      .describe('how long the grant lasts once approved; absent: until revoked'),
    reason: freeText.trim().min(1, 'a reason').max(2000),
  })
  .superRefine(checkPermissionFits);
export type AccessRequestBody = z.infer<typeof AccessRequestBody>;

export const AccessRequestDecisionBody = z.strictObject({
  comment: freeText.max(2000).optional(),
});

export const AccessRequestsQuery = z.strictObject({
  status: z.enum(ACCESS_REQUEST_STATUSES).optional(),
});

export const AccessRequestAnswer = z.object({
  id: z.string(),
  workspace: z.string(),
  status: z.enum(ACCESS_REQUEST_STATUSES),
  resource: z.record(z.string(), z.string()),
  principal: z.record(z.string(), z.string()),
  permission: z.string(),
  durationMinutes: z.number().int().optional(),
  reason: z.string(),
  requestedBy: z.string(),
  requesterAccountId: z.string().optional(),
  createdAt: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  comment: z.string().optional(),
  provisioningRequestId: z.string().optional().describe('the grant made on approval: GET /v1/requests/{id}'),
  alreadyHeld: z
    .boolean()
    .optional()
    .describe('the access (or more) existed already: nothing granted or revoked'),
  previousPermission: z.string().nullable().optional(),
  activatedAt: z.string().optional(),
  expiresAt: z.string().optional(),
  failure: z.object({ status: z.number().int(), message: z.string() }).optional(),
  expiredAt: z.string().optional(),
  expiry: z
    .object({ outcome: z.enum(['revoked', 'restored', 'left-alone']), detail: z.string().optional() })
    .optional()
    .describe('how expiry ended the grant; left-alone when someone changed or removed it meanwhile'),
});

export const AccessRequestsAnswer = z.object({
  workspace: z.string(),
  accessRequests: z.array(AccessRequestAnswer),
});
