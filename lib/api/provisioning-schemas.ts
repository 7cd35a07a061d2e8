// Request and answer bodies of grants, revocations and request records. The OpenAPI document is
// generated from these same schemas.
import * as z from 'zod';
import {
  isIdentifier,
  isUuid,
  PROJECT_PERMISSIONS,
  REPOSITORY_PERMISSIONS,
  type IdentifierKind,
} from '../model/index.js';

const name = z.string().min(1).max(200);

/** Adds an issue at `field` when `value` is given and does not fit Bitbucket's rule for `kind`. */
function checkNamed(
  context: z.RefinementCtx,
  field: string,
  value: string | undefined,
  kind: IdentifierKind,
): void {
  if (value !== undefined && !isIdentifier(kind, value)) {
    context.addIssue({ code: 'custom', path: [field], message: `not a valid ${kind}` });
  }
}

export const ResourceSelector = z
  .strictObject({
    type: z.enum(['group', 'project', 'repository']),
    id: name.optional().describe('uuid (project, repository) or slug (group)'),
    slug: name.optional().describe('repository or group slug'),
    key: name.optional().describe('project key'),
  })
  .superRefine((value, context) => {
    const named =
      value.type === 'group'
        ? (value.slug ?? value.id)
        : value.type === 'project'
          ? (value.id ?? value.key)
          : (value.id ?? value.slug);
    // Identifiers reach URLs and keys: held to Bitbucket's rules here, before anything is looked up.
    const slugKind = value.type === 'group' ? 'group slug' : 'repository slug';
    checkNamed(context, 'slug', value.slug, slugKind);
    checkNamed(context, 'key', value.key, 'project key');
    if (value.id !== undefined && !isUuid(value.id)) {
      checkNamed(context, 'id', value.id, value.type === 'project' ? 'project key' : slugKind);
    }
    if (named === undefined) {
      const field = value.type === 'group' ? 'slug' : value.type === 'project' ? 'key' : 'slug';
      context.addIssue({
        code: 'custom',
        path: [field],
        message: `a ${value.type} is named by ${value.type === 'group' ? 'slug' : `id or ${field}`}`,
      });
    }
  });

export const PrincipalSelector = z
  .strictObject({
    type: z.enum(['user', 'group']),
    accountId: name.optional().describe('Atlassian account_id (users)'),
    slug: name.optional().describe('group slug (groups)'),
  })
  .superRefine((value, context) => {
    checkNamed(context, 'accountId', value.accountId, 'account id');
    checkNamed(context, 'slug', value.slug, 'group slug');
    const field = value.type === 'user' ? 'accountId' : 'slug';
    if (value[field] === undefined) {
      context.addIssue({ code: 'custom', path: [field], message: `a ${value.type} is named by ${field}` });
    }
  });

export const ALL_PERMISSIONS = ['member', ...PROJECT_PERMISSIONS] as const;

export const ProvisioningRequestBody = z
  .strictObject({
    resource: ResourceSelector,
    principal: PrincipalSelector,
    permission: z
      .enum(ALL_PERMISSIONS)
      .describe(
        '`member` for groups; read|write|create-repo|admin for projects; read|write|admin for repositories',
      ),
    replace: z.boolean().default(false).describe('allow replacing a higher permission with a lower one'),
    dryRun: z.boolean().default(false).describe('report the calls that would be made; send none'),
  })
  .superRefine(checkPermissionFits);
export type ProvisioningRequestBody = z.infer<typeof ProvisioningRequestBody>;

/** Adds an issue at `permission` when it is not one the resource's type takes. */
export function checkPermissionFits(
  value: { resource: { type: 'group' | 'project' | 'repository' }; permission: string },
  context: z.RefinementCtx,
): void {
  const allowed: readonly string[] =
    value.resource.type === 'group'
      ? ['member']
      : value.resource.type === 'project'
        ? PROJECT_PERMISSIONS
        : REPOSITORY_PERMISSIONS;
  if (!allowed.includes(value.permission)) {
    context.addIssue({
      code: 'custom',
      path: ['permission'],
      message: `a ${value.resource.type} takes ${allowed.join(', ')}`,
    });
  }
}

export const BitbucketCall = z
  .object({
    method: z.string(),
    endpoint: z
      .string()
      .describe(
        'route template: a Bitbucket route, or an Atlassian Admin API route (`/admin/v2/orgs/{orgId}/…`) for group membership in a workspace administered in admin.atlassian.com',
      ),
    path: z.string(),
    url: z
      .string()
      .optional()
      .describe('the absolute URL the last request went to on the wire (absent: nothing sent)'),
    sent: z.boolean(),
    outcome: z.enum(['ok', 'absent', 'failed']).optional(),
    status: z.number().int().optional(),
  })
  .describe('one call the request made (or, for a dry run, would make)');

const TargetResource = z.object({
  type: z.enum(['group', 'project', 'repository']),
  id: z.string(),
  name: z.string(),
  key: z.string().optional(),
  slug: z.string().optional(),
});

export const ProvisioningAnswer = z.object({
  requestId: z.string(),
  workspace: z.string(),
  action: z.enum(['grant', 'revoke']),
  dryRun: z.boolean(),
  basis: z
    .enum(['bitbucket', 'atlassian-admin', 'store'])
    .describe(
      'where the previous state was read: Bitbucket, the Atlassian Admin API (group membership in a workspace administered in admin.atlassian.com), or the stored picture (dry run)',
    ),
  changed: z.boolean(),
  previous: z.string().nullable(),
  current: z.string().nullable(),
  permission: z.string(),
  resource: TargetResource,
  principal: z.object({ type: z.enum(['user', 'group']), id: z.string(), name: z.string() }),
  calls: z.array(BitbucketCall),
});
export type ProvisioningAnswer = z.infer<typeof ProvisioningAnswer>;

export const ProvisioningRequestRecordAnswer = z.object({
  id: z.string(),
  workspace: z.string(),
  action: z.enum(['grant', 'revoke']),
  actor: z.string(),
  receivedAt: z.string(),
  completedAt: z.string().optional(),
  state: z.enum(['in-flight', 'completed', 'failed']),
  idempotencyKey: z.string().optional(),
  request: z.unknown(),
  answer: z.object({ status: z.number().int(), body: z.unknown() }).optional(),
  calls: z.array(BitbucketCall).describe('the calls of the latest attempt'),
  attempts: z
    .array(
      z.object({
        startedAt: z.string(),
        completedAt: z.string(),
        state: z.enum(['completed', 'failed']),
        status: z.number().int(),
        calls: z.array(BitbucketCall),
      }),
    )
    .optional()
    .describe('every finished attempt, oldest first: a retry after a failure never erases the one before'),
});
