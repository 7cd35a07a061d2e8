// Answer shapes of the access queries. The user answer is fixed by CONTRACTS.md ("Effective access
// answer"); fields may be added, never renamed.
import type { ProjectPermission, RepositoryPermission, ResourceType, WorkspaceRole } from '../model/index.js';

export type AccessVia = 'direct' | 'group' | 'project' | 'project-group' | 'workspace-owner' | 'public';

/** One way a user reaches a resource. `project` is the project key; `group` the group slug. */
export type AccessPath<P extends string> =
  | { via: 'direct'; permission: P }
  | { via: 'group'; group: string; permission: P }
  | { via: 'project'; project: string; permission: P }
  | { via: 'project-group'; project: string; group: string; permission: P }
  | { via: 'workspace-owner'; permission: P }
  | { via: 'public'; permission: P };

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
  user: { accountId: string; displayName: string; role: WorkspaceRole | null };
  groups: string[];
  projects: ProjectAccess[];
  repositories: RepositoryAccess[];
}

export interface ResourceAccessUser {
  accountId: string;
  /** Null when the account holds a grant but its user record is not stored. */
  displayName: string | null;
  role: WorkspaceRole | null;
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
