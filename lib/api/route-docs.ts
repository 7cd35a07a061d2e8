// What each /v1 route takes and answers, as zod schemas: one entry per API route of infra/routes.ts (the
// type makes a missing route a compile error). The OpenAPI document is generated from this table.
import * as z from 'zod';
import type { Role } from '../authz/index.js';
import type { Route } from './routes.js';
import {
  AccessRequestAnswer,
  AccessRequestBody,
  AccessRequestDecisionBody,
  AccessRequestsAnswer,
  AccessRequestsQuery,
} from './access-request-schemas.js';
import {
  CloseReviewAnswer,
  CloseReviewBody,
  CreateReviewBody,
  ReviewCampaignAnswer,
  ReviewDecisionsAnswer,
  ReviewDecisionsBody,
  ReviewItemsAnswer,
  ReviewItemsQuery,
  ReviewProgressAnswer,
  ReviewReportAnswer,
  ReviewReportQuery,
  ReviewsAnswer,
  ReviewsQuery,
} from './review-schemas.js';
import {
  ProvisioningAnswer,
  ProvisioningRequestBody,
  ProvisioningRequestRecordAnswer,
} from './provisioning-schemas.js';
import {
  ChangesAnswer,
  ChangesQuery,
  ExportAnswer,
  ExportQuery,
  NoQuery,
  ResourceAccessAnswer,
  ResourceAccessQuery,
  SyncActionAnswer,
  SyncActionBody,
  SyncStatusAnswer,
  UserAccessAnswer,
  UserAccessQuery,
  WorkspacesAnswer,
} from './read-schemas.js';

type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string }
  ? `${M} ${P}`
  : never;
/** Route keys of the routes served by the API function. */
export type ApiRouteKey = KeyOf<Extract<Route, { target: 'api' }>>;

/**
 * Who may call a route: a `role` on the workspace its path names (resolved to one identity, slug or uuid);
 * `any-role`: any role on that workspace; `record-workspace`: the handler checks the role the action needs
 * on the workspace of the record it reads; `authenticated`: any caller (the answer holds only the caller's
 * workspaces, or nothing workspace-bound).
 */
export type RouteAccess = { role: Role } | 'any-role' | 'record-workspace' | 'authenticated';

export interface RouteDoc {
  operationId: string;
  access: RouteAccess;
  query: z.ZodObject;
  body?: z.ZodType;
  /** Takes an Idempotency-Key header. */
  idempotent?: boolean;
  status: number;
  answer: z.ZodType;
  /** Error statuses the route can answer (besides 401 and 500). */
  errors: number[];
}

const accessRequestAction = (operationId: string, errors: number[]): RouteDoc => ({
  operationId,
  access: 'record-workspace',
  query: NoQuery,
  body: AccessRequestDecisionBody,
  status: 200,
  answer: AccessRequestAnswer,
  errors,
});

/** The OpenAPI document itself: described loosely (its own structure is OpenAPI 3.1). */
const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.object({}), paths: z.object({}) });

const provisioning = (operationId: string): RouteDoc => ({
  operationId,
  access: { role: 'administrator' },
  query: NoQuery,
  body: ProvisioningRequestBody,
  idempotent: true,
  status: 200,
  answer: ProvisioningAnswer,
  errors: [400, 402, 403, 404, 409, 422, 429, 502],
});

const resourceAccess = (operationId: string): RouteDoc => ({
  operationId,
  access: { role: 'reader' },
  query: ResourceAccessQuery,
  status: 200,
  answer: ResourceAccessAnswer,
  errors: [400, 403, 404],
});

export const ROUTE_DOCS: Record<ApiRouteKey, RouteDoc> = {
  'GET /v1/openapi.json': {
    operationId: 'getOpenApiDocument',
    access: 'authenticated',
    query: NoQuery,
    status: 200,
    answer: OpenApiDocument,
    errors: [],
  },
  'GET /v1/workspaces': {
    operationId: 'listWorkspaces',
    access: 'authenticated',
    query: NoQuery,
    status: 200,
    answer: WorkspacesAnswer,
    errors: [400],
  },
  'GET /v1/workspaces/{workspace}/sync': {
    operationId: 'getSyncStatus',
    access: { role: 'reader' },
    query: NoQuery,
    status: 200,
    answer: SyncStatusAnswer,
    errors: [400, 403, 404],
  },
  'POST /v1/workspaces/{workspace}/sync': {
    operationId: 'changeSync',
    access: { role: 'administrator' },
    query: NoQuery,
    body: SyncActionBody,
    status: 202,
    answer: SyncActionAnswer,
    errors: [400, 403, 404, 409],
  },
  'GET /v1/workspaces/{workspace}/users/{accountId}/access': {
    operationId: 'getUserAccess',
    access: { role: 'reader' },
    query: UserAccessQuery,
    status: 200,
    answer: UserAccessAnswer,
    errors: [400, 403, 404],
  },
  'GET /v1/workspaces/{workspace}/projects/{resourceId}/access': resourceAccess('getProjectAccess'),
  'GET /v1/workspaces/{workspace}/repositories/{resourceId}/access': resourceAccess('getRepositoryAccess'),
  'GET /v1/workspaces/{workspace}/groups/{resourceId}/access': resourceAccess('getGroupAccess'),
  'GET /v1/workspaces/{workspace}/changes': {
    operationId: 'listChanges',
    access: { role: 'reader' },
    query: ChangesQuery,
    status: 200,
    answer: ChangesAnswer,
    errors: [400, 403, 404],
  },
  'GET /v1/workspaces/{workspace}/export': {
    operationId: 'exportAccess',
    access: { role: 'reader' },
    query: ExportQuery,
    status: 200,
    answer: ExportAnswer,
    errors: [400, 403, 404],
  },
  'POST /v1/workspaces/{workspace}/grants': provisioning('grant'),
  'POST /v1/workspaces/{workspace}/revocations': provisioning('revoke'),
  'GET /v1/requests/{requestId}': {
    operationId: 'getProvisioningRequest',
    access: 'record-workspace',
    query: NoQuery,
    status: 200,
    answer: ProvisioningRequestRecordAnswer,
    errors: [404],
  },
  'POST /v1/workspaces/{workspace}/access-requests': {
    operationId: 'createAccessRequest',
    access: { role: 'requester' },
    query: NoQuery,
    body: AccessRequestBody,
    idempotent: true,
    status: 201,
    answer: AccessRequestAnswer,
    errors: [400, 403, 404, 422],
  },
  'GET /v1/workspaces/{workspace}/access-requests': {
    operationId: 'listAccessRequests',
    access: 'any-role',
    query: AccessRequestsQuery,
    status: 200,
    answer: AccessRequestsAnswer,
    errors: [400, 403, 404],
  },
  'GET /v1/access-requests/{id}': {
    operationId: 'getAccessRequest',
    access: 'record-workspace',
    query: NoQuery,
    status: 200,
    answer: AccessRequestAnswer,
    errors: [404],
  },
  'POST /v1/access-requests/{id}/approve': accessRequestAction('approveAccessRequest', [400, 403, 404, 409]),
  'POST /v1/access-requests/{id}/deny': accessRequestAction('denyAccessRequest', [400, 403, 404, 409]),
  'POST /v1/access-requests/{id}/withdraw': accessRequestAction(
    'withdrawAccessRequest',
    [400, 403, 404, 409],
  ),
  'POST /v1/workspaces/{workspace}/reviews': {
    operationId: 'createReview',
    access: { role: 'administrator' },
    query: NoQuery,
    body: CreateReviewBody,
    status: 201,
    answer: ReviewCampaignAnswer,
    errors: [400, 403, 404],
  },
  'GET /v1/workspaces/{workspace}/reviews': {
    operationId: 'listReviews',
    access: 'any-role',
    query: ReviewsQuery,
    status: 200,
    answer: ReviewsAnswer,
    errors: [400, 404],
  },
  'GET /v1/reviews/{id}': {
    operationId: 'getReview',
    access: 'record-workspace',
    query: NoQuery,
    status: 200,
    answer: ReviewProgressAnswer,
    errors: [404],
  },
  'GET /v1/reviews/{id}/items': {
    operationId: 'listReviewItems',
    access: 'record-workspace',
    query: ReviewItemsQuery,
    status: 200,
    answer: ReviewItemsAnswer,
    errors: [400, 404],
  },
  'POST /v1/reviews/{id}/decisions': {
    operationId: 'decideReviewItems',
    access: 'record-workspace',
    query: NoQuery,
    body: ReviewDecisionsBody,
    status: 200,
    answer: ReviewDecisionsAnswer,
    errors: [400, 403, 404, 409],
  },
  'POST /v1/reviews/{id}/close': {
    operationId: 'closeReview',
    access: 'record-workspace',
    query: NoQuery,
    body: CloseReviewBody,
    status: 200,
    answer: CloseReviewAnswer,
    errors: [400, 403, 404, 409],
  },
  'GET /v1/reviews/{id}/report': {
    operationId: 'getReviewReport',
    access: 'record-workspace',
    query: ReviewReportQuery,
    status: 200,
    answer: ReviewReportAnswer,
    errors: [400, 404, 409],
  },
};
