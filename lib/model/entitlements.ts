// Entitlements per resource type (DESIGN §2) and the order between permissions. Bitbucket keeps one
// permission per (resource, principal); effective access takes the highest over every path.

export const WORKSPACE_ROLES = ['collaborator', 'member', 'owner'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export const GROUP_ENTITLEMENTS = ['member'] as const;
export type GroupEntitlement = (typeof GROUP_ENTITLEMENTS)[number];

/** Lowest first. */
export const PROJECT_PERMISSIONS = ['read', 'write', 'create-repo', 'admin'] as const;
export type ProjectPermission = (typeof PROJECT_PERMISSIONS)[number];

/** Lowest first. */
export const REPOSITORY_PERMISSIONS = ['read', 'write', 'admin'] as const;
export type RepositoryPermission = (typeof REPOSITORY_PERMISSIONS)[number];

/** A group's default repository access: a risk attribute of the group, never a path. */
export type GroupDefaultPermission = RepositoryPermission | null;

export type Entitlement = WorkspaceRole | GroupEntitlement | ProjectPermission | RepositoryPermission;

export function projectPermissionRank(permission: ProjectPermission): number {
  return PROJECT_PERMISSIONS.indexOf(permission);
}

export function repositoryPermissionRank(permission: RepositoryPermission): number {
  return REPOSITORY_PERMISSIONS.indexOf(permission);
}

/** What a project permission gives on the project's repositories: `create-repo` counts as `write`. */
export function projectToRepositoryPermission(permission: ProjectPermission): RepositoryPermission {
  return permission === 'create-repo' ? 'write' : permission;
}

export function highestProjectPermission(permissions: Iterable<ProjectPermission>): ProjectPermission | null {
  let best: ProjectPermission | null = null;
  for (const permission of permissions) {
    if (best === null || projectPermissionRank(permission) > projectPermissionRank(best)) best = permission;
  }
  return best;
}

export function highestRepositoryPermission(
  permissions: Iterable<RepositoryPermission>,
): RepositoryPermission | null {
  let best: RepositoryPermission | null = null;
  for (const permission of permissions) {
    if (best === null || repositoryPermissionRank(permission) > repositoryPermissionRank(best)) {
      best = permission;
    }
  }
  return best;
}

export function isWorkspaceRole(value: unknown): value is WorkspaceRole {
  return (WORKSPACE_ROLES as readonly unknown[]).includes(value);
}

export function isProjectPermission(value: unknown): value is ProjectPermission {
  return (PROJECT_PERMISSIONS as readonly unknown[]).includes(value);
}

export function isRepositoryPermission(value: unknown): value is RepositoryPermission {
  return (REPOSITORY_PERMISSIONS as readonly unknown[]).includes(value);
}
