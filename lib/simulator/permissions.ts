// Effective repository permission, computed from explicit grants the way Bitbucket adds access up.
import type { ProjectPerm, RepoPerm, RepositoryState, WorkspaceState } from './state.js';

const RANK: Record<RepoPerm, number> = { read: 1, write: 2, admin: 3 };

/** A project grant as it applies to the project's repositories: create-repo counts as write. */
export function projectToRepoPermission(permission: ProjectPerm): RepoPerm {
  return permission === 'create-repo' ? 'write' : permission;
}

export function higher(a: RepoPerm | undefined, b: RepoPerm | undefined): RepoPerm | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/** Highest permission of one user on one repository over every path; undefined when none. */
export function effectiveRepositoryPermission(
  ws: WorkspaceState,
  repo: RepositoryState,
  accountId: string,
): RepoPerm | undefined {
  if (ws.members.get(accountId)?.role === 'owner') return 'admin';
  let best = repo.userGrants.get(accountId);
  const project = ws.projects.get(repo.project);
  const projectDirect = project?.userGrants.get(accountId);
  if (projectDirect) best = higher(best, projectToRepoPermission(projectDirect));
  for (const group of ws.groupsOfUser.get(accountId) ?? []) {
    best = higher(best, repo.groupGrants.get(group));
    const viaProject = project?.groupGrants.get(group);
    if (viaProject) best = higher(best, projectToRepoPermission(viaProject));
  }
  return best;
}

/**
 * Every user with access to one repository and their highest permission (deterministic order).
 * Public repositories add nobody: "readable by anyone" is not a listed permission.
 */
export function repositoryPermissionList(
  ws: WorkspaceState,
  repo: RepositoryState,
  owners: readonly string[] = workspaceOwners(ws),
): [string, RepoPerm][] {
  const best = new Map<string, RepoPerm>();
  const raise = (accountId: string, permission: RepoPerm) => {
    const now = higher(best.get(accountId), permission);
    if (now) best.set(accountId, now);
  };
  const project = ws.projects.get(repo.project);
  for (const [accountId, permission] of repo.userGrants) raise(accountId, permission);
  for (const [group, permission] of repo.groupGrants)
    for (const accountId of ws.groups.get(group)?.members ?? []) raise(accountId, permission);
  if (project) {
    for (const [accountId, permission] of project.userGrants)
      raise(accountId, projectToRepoPermission(permission));
    for (const [group, permission] of project.groupGrants)
      for (const accountId of ws.groups.get(group)?.members ?? [])
        raise(accountId, projectToRepoPermission(permission));
  }
  for (const accountId of owners) best.set(accountId, 'admin');
  return [...best];
}

export function workspaceOwners(ws: WorkspaceState): string[] {
  const owners: string[] = [];
  for (const member of ws.members.values()) if (member.role === 'owner') owners.push(member.accountId);
  return owners;
}
