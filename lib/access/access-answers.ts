// Answer shapes of the access queries. The user answer is fixed by CONTRACTS.md ("Effective access
// answer"); fields may be added, never renamed.
import type { ProjectPermission, RepositoryPermission, ResourceType, WorkspaceRole } from '../model/index.js';

export type AccessVia =
  'direct' | 'group' | 'project' | 'project-group' | 'workspace-owner' | 'public' | 'org-group';

/**
 * One way a user reaches a resource. `project` is the project key; `group` the group slug. On
 * `workspace-owner`, `group` names the organization group with the `admin` role that made the user an
 * owner (workspaces administered in admin.atlassian.com); absent when no such group explains it.
 */
export type AccessPath<P extends string> =
  | { via: 'direct'; permission: P }
  | { via: 'group'; group: string; permission: P }
  | { via: 'project'; project: string; permission: P }
  | { via: 'project-group'; project: string; group: string; permission: P }
  | { via: 'workspace-owner'; permission: P; group?: string }
  | { via: 'public'; permission: P };

/**
 * Why a user holds their workspace role in a workspace administered in admin.atlassian.com: an
 * organization group they belong to has that role on the workspace through its product access
 * (ADMIN-API.md "How this maps onto Bitbucket's picture"; `admin` makes its members owners). `group` is
 * the Bitbucket group slug of the same name, or the org group's name when Bitbucket lists none.
 */
export interface RolePath {
  via: 'org-group';
  group: string;
  permission: 'member' | 'admin';
}

export type ProjectAccessPath = AccessPath<ProjectPermission>;
/** Project paths carry the permission they give on the repository (`create-repo` → `write`). */
export type RepositoryAccessPath = AccessPath<RepositoryPermission>;

export interface ProjectAccess {
  key: string;
  uuid: string;
  permission: ProjectPermission;
  paths: ProjectAccessPath[];
}

export interface RepositoryAccess {
  slug: string;
  uuid: string;
  permission: RepositoryPermission;
  lastActivity: string | null;
  paths: RepositoryAccessPath[];
}

export interface UserAccess {
  /** Workspace slug. */
  workspace: string;
  /** `rolePaths`: only when the user is in an organization group with a role on the workspace. */
  user: { accountId: string; displayName: string; role: WorkspaceRole | null; rolePaths?: RolePath[] };
  groups: string[];
  projects: ProjectAccess[];
  repositories: RepositoryAccess[];
}

export interface ResourceAccessUser {
  accountId: string;
  /** Null when the account holds a grant but its user record is not stored. */
  displayName: string | null;
  role: WorkspaceRole | null;
  /** Only when the user is in an organization group with a role on the workspace. */
  rolePaths?: RolePath[];
  permission: string;
  paths: AccessPath<string>[];
  /** Repositories only: last recorded activity of the user there. */
  lastActivity?: string | null;
}

export interface ResourceAccess {
  workspace: string;
  resource: {
    type: Exclude<ResourceType, 'workspace' | 'user'>;
    id: string;
    name: string;
    /** Project key. */
    key?: string;
    /** Repository slug. */
    slug?: string;
    isPrivate?: boolean;
  };
  users: ResourceAccessUser[];
}

export interface AccessOptions {
  /** Include repositories (or, for a resource, users) reached only because a repository is public. */
  includePublic?: boolean;
}
