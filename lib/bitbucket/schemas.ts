// The wire shapes the client relies on, as Bitbucket sends them (snake_case). Objects are loose: unknown
// fields pass through untouched, so Bitbucket adding a field never breaks a sync; a missing field the
// model needs is an error that names it. Optional fields accept null, which Bitbucket often sends.
import * as z from 'zod';

export const WorkspaceRole = z.enum(['owner', 'collaborator', 'member']);
export const ProjectPermission = z.enum(['read', 'write', 'create-repo', 'admin', 'none']);
export const RepositoryPermission = z.enum(['read', 'write', 'admin', 'none']);
/** A group's default repository access in the 1.0 API (null: none). */
export const GroupDefaultPermission = z.enum(['read', 'write', 'admin']).nullish();

/** Any paged 2.0 listing: only `values` and `next` are guaranteed. */
export function paged<T extends z.ZodType>(item: T) {
  return z.looseObject({ values: z.array(item), next: z.string().nullish() });
}

export const UserRef = z.looseObject({
  account_id: z.string(),
  uuid: z.string().nullish(),
  display_name: z.string().nullish(),
  nickname: z.string().nullish(),
  account_status: z.string().nullish(),
});
export type UserRef = z.infer<typeof UserRef>;

export const CurrentUser = z.looseObject({
  account_id: z.string(),
  uuid: z.string(),
  display_name: z.string(),
  nickname: z.string().nullish(),
  account_status: z.string().nullish(),
});
export type CurrentUser = z.infer<typeof CurrentUser>;

export const Workspace = z.looseObject({ uuid: z.string(), slug: z.string(), name: z.string() });
export type Workspace = z.infer<typeof Workspace>;

export const UserWorkspaceAccess = z.looseObject({
  administrator: z.boolean(),
  workspace: z.looseObject({ uuid: z.string(), slug: z.string(), name: z.string().nullish() }),
});
export type UserWorkspaceAccess = z.infer<typeof UserWorkspaceAccess>;

export const WorkspaceMember = z.looseObject({
  permission: WorkspaceRole,
  user: UserRef,
  last_accessed: z.string().nullish(),
  added_on: z.string().nullish(),
});
export type WorkspaceMember = z.infer<typeof WorkspaceMember>;

export const GroupMember = z.looseObject({
  account_id: z.string(),
  uuid: z.string().nullish(),
  display_name: z.string().nullish(),
  nickname: z.string().nullish(),
});
export type GroupMember = z.infer<typeof GroupMember>;

/** A group as the 1.0 API lists it: one unpaged array, members included. */
export const Group = z.looseObject({
  name: z.string(),
  slug: z.string(),
  permission: GroupDefaultPermission,
  auto_add: z.boolean().nullish(),
  members: z.array(GroupMember),
});
export type Group = z.infer<typeof Group>;
export const GroupList = z.array(Group);

/**
 * One entry of `GET /1.0/group-privileges/{workspace}` (kept GET-only in 2026, API-NOTES): a group's
 * explicit permission on one repository; `repo` is `{workspace}/{repo_slug}`.
 */
export const GroupPrivilege = z.looseObject({
  repo: z.string(),
  privilege: z.enum(['read', 'write', 'admin']),
  group: z.looseObject({ slug: z.string(), name: z.string() }),
  repository: z.looseObject({ slug: z.string(), name: z.string().optional() }).optional(),
});
export type GroupPrivilege = z.infer<typeof GroupPrivilege>;
export const GroupPrivilegeList = z.array(GroupPrivilege);

export const Project = z.looseObject({
  uuid: z.string(),
  key: z.string(),
  name: z.string(),
  is_private: z.boolean(),
});
export type Project = z.infer<typeof Project>;

export const Repository = z.looseObject({
  uuid: z.string(),
  slug: z.string(),
  name: z.string(),
  full_name: z.string(),
  is_private: z.boolean(),
  project: z.looseObject({ key: z.string(), uuid: z.string() }),
  /**
   * The workspace holding the repository, when asked for (`fields=…,workspace.uuid`). Bitbucket answers it,
   * but Atlassian's OpenAPI `repository` object does not declare it (only `owner` and `full_name`), so it
   * may be absent: `full_name`'s first segment (the workspace slug) is the fallback.
   */
  workspace: z.looseObject({ uuid: z.string() }).nullish(),
});
export type Repository = z.infer<typeof Repository>;

const GroupRef = z.looseObject({ slug: z.string(), name: z.string().nullish() });

export const ProjectUserGrant = z.looseObject({ permission: ProjectPermission, user: UserRef });
export type ProjectUserGrant = z.infer<typeof ProjectUserGrant>;
export const ProjectGroupGrant = z.looseObject({ permission: ProjectPermission, group: GroupRef });
export type ProjectGroupGrant = z.infer<typeof ProjectGroupGrant>;
export const RepositoryUserGrant = z.looseObject({ permission: RepositoryPermission, user: UserRef });
export type RepositoryUserGrant = z.infer<typeof RepositoryUserGrant>;
export const RepositoryGroupGrant = z.looseObject({ permission: RepositoryPermission, group: GroupRef });
export type RepositoryGroupGrant = z.infer<typeof RepositoryGroupGrant>;

/** One cell of the effective user × repository matrix (highest permission, any path). */
export const RepositoryPermissionCell = z.looseObject({
  permission: RepositoryPermission,
  user: UserRef,
  repository: z.looseObject({ uuid: z.string(), full_name: z.string(), name: z.string().nullish() }),
});
export type RepositoryPermissionCell = z.infer<typeof RepositoryPermissionCell>;

export const Hook = z.looseObject({
  uuid: z.string(),
  url: z.string(),
  description: z.string().nullish(),
  active: z.boolean(),
  events: z.array(z.string()),
});
export type Hook = z.infer<typeof Hook>;

/** What createHook/updateHook send. The secret signs deliveries; it is never echoed in an error. */
export interface HookInput {
  description: string;
  url: string;
  active: boolean;
  secret?: string;
  events: string[];
}

/** The OAuth token endpoint's answer (client-credentials grant). */
export const OAuthToken = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().nullish(),
});
export type OAuthToken = z.infer<typeof OAuthToken>;
