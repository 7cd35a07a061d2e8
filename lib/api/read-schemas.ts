// Answer shapes of the read routes and the query parameters they take. The user access answer is the
// CONTRACTS.md "Effective access answer"; fields may be added, never renamed.
import * as z from 'zod';
import { PROJECT_PERMISSIONS, REPOSITORY_PERMISSIONS, WORKSPACE_ROLES } from '../model/index.js';

export const ErrorAnswer = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }),
});

/** Who administers a workspace's groups and roles, as the sync last found it (issue 18). */
export const Administration = z
  .object({
    mode: z
      .enum(['bitbucket', 'organization'])
      .describe(
        '`organization`: administered in admin.atlassian.com (group membership through the Atlassian Admin API)',
      ),
    evidence: z
      .enum([
        'configured',
        'organization-lists-it',
        'organization-does-not-list-it',
        'group-write-refused',
        'no-last-accessed',
        'no-evidence',
      ])
      .describe(
        "how it is known: BITBUCKET_ADMINISTRATION, the organization's workspace list, a refused 1.0 group write, members without `last_accessed`, or nothing (assumed Bitbucket)",
      ),
    checkedAt: z.string(),
    orgId: z.string().optional(),
    orgGroupsRead: z
      .boolean()
      .describe('its organization groups are synced (an organization credential is configured)'),
    note: z.string().optional().describe('why the Admin API could not be asked, when it could not'),
  })
  .nullable()
  .describe('null until the first sync step of the workspace');

export const WorkspacesAnswer = z.object({
  workspaces: z.array(
    z.object({ slug: z.string(), uuid: z.string(), name: z.string(), administration: Administration }),
  ),
});

export const CapabilityGapSummary = z
  .object({
    kind: z.string().describe('scope kind, e.g. `projects` or `repository-grants`'),
    scopes: z.number().int().describe('scopes of this kind the credential may not read'),
    status: z.union([z.literal(401), z.literal(403)]),
    endpoint: z.string().optional().describe('route template of the refused listing'),
    likelyMissing: z.array(z.string()).describe('scopes the credential likely lacks (not certain)'),
    since: z.string(),
    message: z.string().describe('what was refused and what the credential likely lacks'),
    bitbucketSaid: z.string().describe("Bitbucket's own words in the latest refusal"),
  })
  .describe('a capability gap: a listing the credential is refused; every other scope keeps syncing');

/**
 * What an answer built from the stored picture could not see: `{ complete, capabilityGaps }`, complete
 * when no scope of the workspace has a capability gap. Access answers and the export manifest carry it,
 * since a refused listing (project grants, say) makes them understate access rather than fail.
 */
export const Coverage = z.object({
  complete: z
    .boolean()
    .describe('false when some scope could not be read (see capabilityGaps and unreadScopes)'),
  capabilityGaps: z.array(CapabilityGapSummary),
  unreadScopes: z
    .array(z.object({ scope: z.string(), reason: z.string() }))
    .optional()
    .describe(
      'scopes never read, e.g. `org-groups` of a workspace administered in admin.atlassian.com: why someone is a member or owner is then unknown',
    ),
});

const ACCESS_COVERAGE =
  'what the answer could not see: listings the credential is refused (access there may be understated)';

const VIA = [
  'direct',
  'group',
  'project',
  'project-group',
  'workspace-owner',
  'public',
  'org-group',
] as const;

const AccessPath = z.object({
  via: z.enum(VIA),
  permission: z.string(),
  group: z
    .string()
    .optional()
    .describe(
      'group slug; on `workspace-owner`, the organization group with the `admin` role that made the user an owner (absent when none explains it)',
    ),
  project: z.string().optional().describe('project key'),
});

/**
 * Why a user holds their workspace role in a workspace administered in admin.atlassian.com: an
 * organization group they are in has that role on the workspace (`admin` makes its members owners).
 */
const RolePath = z.object({
  via: z.literal('org-group'),
  group: z
    .string()
    .describe('the Bitbucket group slug of the organization group, or its name when it has none'),
  permission: z.enum(['member', 'admin']),
});

const ROLE_PATHS =
  'why the user holds their role: one entry per organization group they are in with a role on the workspace, sorted by group; only for workspaces administered in admin.atlassian.com';

export const UserAccessAnswer = z.object({
  workspace: z.string(),
  user: z.object({
    accountId: z.string(),
    displayName: z.string(),
    role: z.enum(WORKSPACE_ROLES).nullable(),
    rolePaths: z.array(RolePath).optional().describe(ROLE_PATHS),
  }),
  groups: z.array(z.string()),
  projects: z.array(
    z.object({
      key: z.string(),
      uuid: z.string(),
      permission: z.enum(PROJECT_PERMISSIONS),
      paths: z.array(AccessPath),
    }),
  ),
  repositories: z.array(
    z.object({
      slug: z.string(),
      uuid: z.string(),
      permission: z.enum(REPOSITORY_PERMISSIONS),
      lastActivity: z.string().nullable(),
      paths: z.array(AccessPath),
    }),
  ),
  coverage: Coverage.describe(ACCESS_COVERAGE),
});

export const ResourceAccessAnswer = z.object({
  workspace: z.string(),
  resource: z.object({
    type: z.enum(['group', 'project', 'repository']),
    id: z.string(),
    name: z.string(),
    key: z.string().optional(),
    slug: z.string().optional(),
    isPrivate: z.boolean().optional(),
  }),
  users: z.array(
    z.object({
      accountId: z.string(),
      displayName: z.string().nullable(),
      role: z.enum(WORKSPACE_ROLES).nullable(),
      rolePaths: z.array(RolePath).optional().describe(ROLE_PATHS),
      permission: z.string(),
      paths: z.array(AccessPath),
      lastActivity: z.string().nullable().optional(),
    }),
  ),
  coverage: Coverage.describe(ACCESS_COVERAGE),
});

const ScopeError = z.object({
  at: z.string(),
  message: z.string(),
  status: z.number().optional(),
  endpoint: z.string().optional(),
});

/** Who released a deletion hold, when, and the most removals the release allows. */
const HoldRelease = z.object({
  by: z.string().describe('the caller who released it'),
  at: z.string(),
  removals: z.number().describe("the hold's removals when released: a larger removal is held again"),
});

export const SyncStatusAnswer = z.object({
  workspace: z.string(),
  workspaceId: z.string(),
  administration: Administration,
  pass: z.object({
    startedAt: z.string().nullable(),
    refreshedScopes: z.number().int(),
    totalScopes: z.number().int(),
    requests: z.number().int().describe('Bitbucket requests of the pass so far'),
    adminApiRequests: z
      .number()
      .int()
      .describe('Atlassian Admin API requests of the pass so far (its own hour)'),
  }),
  lastCompletedPass: z
    .object({
      startedAt: z.string(),
      completedAt: z.string(),
      requests: z.number(),
      adminApiRequests: z.number().optional(),
      scopes: z.number(),
      capabilityGaps: z.array(CapabilityGapSummary).optional(),
    })
    .nullable(),
  capabilityGaps: z
    .array(CapabilityGapSummary)
    .describe(
      'what the credential cannot read now (empty: nothing); retried after SYNC_CAPABILITY_GAP_RETRY_MINUTES (default 6 hours)',
    ),
  freshnessSeconds: z
    .record(z.string(), z.number().nullable())
    .describe('age of the stalest scope of each kind; null when one was never refreshed'),
  holds: z.array(
    z.object({
      scope: z.string(),
      since: z.string(),
      removals: z.number(),
      storedCount: z.number(),
      observedCount: z.number(),
      released: z.boolean(),
      release: HoldRelease.optional(),
    }),
  ),
  dirtyScopes: z.array(z.string()),
  lastError: ScopeError.nullable(),
  scopeErrors: z.array(ScopeError.extend({ scope: z.string() })),
  resumeAfter: z.string().nullable(),
});

export const SyncActionBody = z.union([
  z.strictObject({
    releaseHold: z.string().min(1).describe('scope id, e.g. `members`'),
    removals: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('the removals of the hold you read; a hold grown since answers 409 and stays'),
  }),
  z.strictObject({ markDirty: z.array(z.string().min(1)).min(1).max(1000) }),
]);

export const SyncActionAnswer = z.object({
  workspace: z.string(),
  released: z.string().optional(),
  release: HoldRelease.optional(),
  markedDirty: z.array(z.string()).optional(),
});

const GovernanceItem = z
  .record(z.string(), z.unknown())
  .describe('a resource or grant as stored, or an access request (`kind: access-request`) as it was');

export const ChangesAnswer = z.object({
  workspace: z.string(),
  changes: z.array(
    z.object({
      at: z.string(),
      id: z.string(),
      cause: z
        .enum(['sync', 'webhook', 'provisioning', 'access-request'])
        .describe('`access-request`: a request made, decided, withdrawn, activated or expired'),
      actor: z.string(),
      scope: z.string().nullable(),
      item: z.string(),
      observedAt: z.string(),
      before: GovernanceItem.nullable(),
      after: GovernanceItem.nullable(),
    }),
  ),
  cursor: z.string().optional().describe('pass back as `cursor` for the next page'),
});

export const ExportRow = z.object({
  accountId: z.string(),
  displayName: z.string(),
  role: z.string().nullable(),
  resourceType: z.enum(['project', 'repository']),
  resourceId: z.string(),
  resourceName: z.string().describe('project key or repository slug'),
  permission: z.string(),
  paths: z.array(AccessPath),
  explicitGrant: z.string().nullable().describe("the user's own explicit grant on the resource"),
  lastActivity: z.string().nullable(),
  firstSeen: z.string().nullable(),
  rolePaths: z
    .array(RolePath)
    .optional()
    .describe(`${ROLE_PATHS}; in CSV, after the role: \`owner via org-group:bb-admins=admin\``),
  accessRequests: z
    .array(
      z.object({
        id: z.string(),
        permission: z.string(),
        requestedBy: z.string(),
        decidedBy: z.string().nullable(),
        expiresAt: z.string().nullable().describe('when the time-boxed grant ends; null: until revoked'),
      }),
    )
    .optional()
    .describe(
      'the active access requests whose grant is one of the paths (absent when none); in CSV the last column, `ar-…: write approved by bob until …`',
    ),
});

export const GroupExportRow = z
  .object({
    group: z.string().describe('group slug'),
    groupName: z.string(),
    resourceType: z.enum(['project', 'repository']),
    permission: z.string().describe('the permission the group is granted on each of `resources`'),
    resourceCount: z.number().int(),
    resources: z
      .array(z.object({ id: z.string(), name: z.string().describe('project key or repository slug') }))
      .describe('sorted by name; in CSV the names joined by `; `'),
    memberCount: z.number().int(),
    members: z
      .array(z.object({ accountId: z.string(), displayName: z.string().nullable() }))
      .describe('sorted by display name; in CSV `Display Name (account-id)` joined by `; `'),
  })
  .describe(
    'format=group-csv|group-json: one row per group × resource type × permission of its explicit grants ("group developers has write on these N repositories; members: …"), sorted by group, resource type, then permission (admin first). A project grant is its project row (the per-user export shows the repositories it reaches); groups with no grant have no row. CSV columns: group, groupName, resourceType, permission, resourceCount, resources, memberCount, members.',
  );

export const ExportManifest = z.object({
  workspace: z.string(),
  format: z.enum(['csv', 'json', 'group-csv', 'group-json']),
  snapshotAt: z.string(),
  rows: z.number().int().describe('rows of the export: per user and resource, or per group grant (group-*)'),
  rowsByResourceType: z.object({ project: z.number().int(), repository: z.number().int() }),
  users: z.number().int().describe('users of the workspace'),
  freshnessSeconds: z.record(z.string(), z.number().nullable()),
  lastCompletedPass: z.string().nullable(),
  coverage: Coverage.describe('what the snapshot could not see: listings the credential is refused'),
  sha256: z
    .string()
    .describe(
      'SHA-256 (hex) of the exported content: the CSV text or the JSON rows array (`groupRows` for group-json)',
    ),
  bytes: z.number().int(),
});

export const ExportAnswer = z.object({
  manifest: ExportManifest,
  rows: z.array(ExportRow).optional().describe('format=json, when small enough to answer inline'),
  groupRows: z
    .array(GroupExportRow)
    .optional()
    .describe('format=group-json, when small enough to answer inline'),
  csv: z.string().optional().describe('format=csv or group-csv, when small enough to answer inline'),
  file: z
    .object({ location: z.string(), url: z.string().optional(), urlExpiresAt: z.string().optional() })
    .optional()
    .describe('where a large export was written (streamed: a file locally, an S3 multipart upload in AWS)'),
});

// Query parameters (API Gateway hands them over as strings) ----------------------------------------

const booleanText = z.enum(['true', 'false']);

export const UserAccessQuery = z.strictObject({
  includePublic: booleanText.optional().describe('include repositories reachable only because public'),
});
export const ResourceAccessQuery = UserAccessQuery;

export const ChangesQuery = z.strictObject({
  since: z.iso.datetime({ offset: true }).describe('ISO 8601 time; changes applied at or after it'),
  limit: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'a whole number from 1 to 500')
    .refine((value) => Number(value) <= 500, 'a whole number from 1 to 500')
    .optional(),
  cursor: z.string().min(1).optional(),
});

export const ExportQuery = z.strictObject({
  format: z
    .enum(['csv', 'json', 'group-csv', 'group-json'])
    .optional()
    .describe(
      'csv or json (default): a row per user and resource; group-csv or group-json: a row per group grant',
    ),
});

export const NoQuery = z.strictObject({});
