// Effective access with provenance (API-NOTES "How access adds up"): the highest permission over every
// path, and every path kept. Paths come in a fixed order: direct, group, project, project-group,
// workspace-owner, public (groups by slug within each kind). In a workspace administered in
// admin.atlassian.com the owner path names the `admin` organization group behind it, and the user carries
// `rolePaths`: the organization groups whose role makes them a member or owner.
import {
  highestProjectPermission,
  highestRepositoryPermission,
  projectToRepositoryPermission,
  type ProjectResource,
  type RepositoryResource,
} from '../model/index.js';
import type { AccessFacts } from './access-facts.js';
import type {
  AccessOptions,
  AccessPath,
  ProjectAccess,
  ProjectAccessPath,
  RepositoryAccess,
  RepositoryAccessPath,
  ResourceAccess,
  RolePath,
  ResourceAccessUser,
  UserAccess,
} from './access-answers.js';
import { AccessIndex, compareStrings } from './access-index.js';

export class ResourceNotInFactsError extends Error {
  constructor(type: string, id: string) {
    super(`${type} ${id} is not in the access facts`);
    this.name = 'ResourceNotInFactsError';
  }
}

/**
 * Owners are admin everywhere: one path per `admin` organization group the owner is in, or one path
 * without `group` when no such group explains the role (Bitbucket-administered, or not synced yet).
 */
function ownerPaths(index: AccessIndex, accountId: string): AccessPath<'admin'>[] {
  if (index.roles.get(accountId) !== 'owner') return [];
  const groups = index.ownerGroupsOf(accountId);
  if (groups.length === 0) return [{ via: 'workspace-owner', permission: 'admin' }];
  return groups.map((group) => ({ via: 'workspace-owner', permission: 'admin', group }));
}

/** `{ rolePaths }` when the user has any, else nothing: Bitbucket-administered answers stay as they were. */
function rolePathsField(index: AccessIndex, accountId: string): { rolePaths?: RolePath[] } {
  const rolePaths = index.rolePathsOf(accountId);
  return rolePaths.length > 0 ? { rolePaths: rolePaths.map((path) => ({ ...path })) } : {};
}

function projectPaths(index: AccessIndex, accountId: string, projectId: string): ProjectAccessPath[] {
  const paths: ProjectAccessPath[] = [];
  const grants = index.projectGrants;
  const direct = grants.users.get(accountId, projectId);
  if (direct) paths.push({ via: 'direct', permission: direct });
  for (const group of index.sortedGroupsOf(accountId)) {
    const permission = grants.groups.get(group, projectId);
    if (permission) paths.push({ via: 'group', group, permission });
  }
  paths.push(...ownerPaths(index, accountId));
  return paths;
}

function repositoryPaths(
  index: AccessIndex,
  accountId: string,
  repository: RepositoryResource,
  includePublic: boolean,
): RepositoryAccessPath[] {
  const paths: RepositoryAccessPath[] = [];
  const groups = index.sortedGroupsOf(accountId);
  const grants = index.repositoryGrants;
  const direct = grants.users.get(accountId, repository.id);
  if (direct) paths.push({ via: 'direct', permission: direct });
  for (const group of groups) {
    const permission = grants.groups.get(group, repository.id);
    if (permission) paths.push({ via: 'group', group, permission });
  }
  const projectId = repository.attributes.projectUuid;
  if (projectId !== null) {
    const project = index.projects.get(projectId)?.attributes.key ?? projectId;
    const projectGrants = index.projectGrants;
    const viaProject = projectGrants.users.get(accountId, projectId);
    if (viaProject) {
      paths.push({ via: 'project', project, permission: projectToRepositoryPermission(viaProject) });
    }
    for (const group of groups) {
      const permission = projectGrants.groups.get(group, projectId);
      if (permission) {
        paths.push({
          via: 'project-group',
          project,
          group,
          permission: projectToRepositoryPermission(permission),
        });
      }
    }
  }
  paths.push(...ownerPaths(index, accountId));
  if (includePublic && !repository.attributes.isPrivate) paths.push({ via: 'public', permission: 'read' });
  return paths;
}

function projectAccess(
  index: AccessIndex,
  accountId: string,
  project: ProjectResource,
): ProjectAccess | null {
  const paths = projectPaths(index, accountId, project.id);
  const permission = highestProjectPermission(paths.map((path) => path.permission));
  if (permission === null) return null;
  return { key: project.attributes.key, uuid: project.id, permission, paths };
}

function repositoryAccess(
  index: AccessIndex,
  accountId: string,
  repository: RepositoryResource,
  includePublic: boolean,
): RepositoryAccess | null {
  const paths = repositoryPaths(index, accountId, repository, includePublic);
  const permission = highestRepositoryPermission(paths.map((path) => path.permission));
  if (permission === null) return null;
  return {
    slug: repository.attributes.slug,
    uuid: repository.id,
    permission,
    lastActivity: index.lastActivity(accountId, repository.id),
    paths,
  };
}

/**
 * What one user can reach, and how. Null when the facts hold no user record for the account (the API
 * answers 404); a known user with no access gets empty lists.
 */
export function effectiveUserAccess(
  facts: AccessFacts,
  accountId: string,
  options: AccessOptions = {},
): UserAccess | null {
  const index = new AccessIndex(facts);
  const user = index.users.get(accountId);
  if (!user) return null;
  const includePublic = options.includePublic ?? false;
  const projects = [...index.projects.values()]
    .map((project) => projectAccess(index, accountId, project))
    .filter((entry): entry is ProjectAccess => entry !== null)
    .sort((a, b) => compareStrings(a.key, b.key) || compareStrings(a.uuid, b.uuid));
  const repositories = [...index.repositories.values()]
    .map((repository) => repositoryAccess(index, accountId, repository, includePublic))
    .filter((entry): entry is RepositoryAccess => entry !== null)
    .sort((a, b) => compareStrings(a.slug, b.slug) || compareStrings(a.uuid, b.uuid));
  return {
    workspace: index.workspaceSlug,
    user: {
      accountId,
      displayName: user.attributes.displayName,
      role: index.roles.get(accountId) ?? null,
      ...rolePathsField(index, accountId),
    },
    groups: [...index.sortedGroupsOf(accountId)],
    projects,
    repositories,
  };
}

/** Every user who can reach a project, a repository or a group (its members), with the same paths. */
export function effectiveResourceAccess(
  facts: AccessFacts,
  target: { type: 'project' | 'repository' | 'group'; id: string },
  options: AccessOptions = {},
): ResourceAccess {
  const index = new AccessIndex(facts);
  const includePublic = options.includePublic ?? false;
  const describe = (accountId: string) => ({
    accountId,
    displayName: index.users.get(accountId)?.attributes.displayName ?? null,
    role: index.roles.get(accountId) ?? null,
    ...rolePathsField(index, accountId),
  });
  const users: ResourceAccessUser[] = [];
  let resource: ResourceAccess['resource'];

  if (target.type === 'project') {
    const project = index.projects.get(target.id);
    if (!project) throw new ResourceNotInFactsError(target.type, target.id);
    const { key, name, isPrivate } = project.attributes;
    resource = { type: 'project', id: project.id, name, key, isPrivate };
    for (const accountId of index.knownAccounts()) {
      const access = projectAccess(index, accountId, project);
      if (access) users.push({ ...describe(accountId), permission: access.permission, paths: access.paths });
    }
  } else if (target.type === 'repository') {
    const repository = index.repositories.get(target.id);
    if (!repository) throw new ResourceNotInFactsError(target.type, target.id);
    const { slug, name, isPrivate } = repository.attributes;
    resource = { type: 'repository', id: repository.id, name, slug, isPrivate };
    for (const accountId of index.knownAccounts()) {
      const access = repositoryAccess(index, accountId, repository, includePublic);
      if (access) {
        users.push({
          ...describe(accountId),
          permission: access.permission,
          paths: access.paths,
          lastActivity: access.lastActivity,
        });
      }
    }
  } else {
    const group = index.groups.get(target.id);
    if (!group) throw new ResourceNotInFactsError(target.type, target.id);
    resource = { type: 'group', id: group.id, name: group.attributes.name };
    for (const accountId of [...(index.membersOfGroup.get(group.id) ?? [])].sort(compareStrings)) {
      const paths: AccessPath<string>[] = [{ via: 'direct', permission: 'member' }];
      users.push({ ...describe(accountId), permission: 'member', paths });
    }
  }
  return { workspace: index.workspaceSlug, resource, users };
}
