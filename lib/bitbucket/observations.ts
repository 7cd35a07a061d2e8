// Turns Bitbucket listings (the wire shapes of schemas.ts) into the model items a scope owns. Pure:
// the sync step fetches, these functions translate, the store diffs.
import type {
  Group,
  Project,
  ProjectGroupGrant,
  ProjectUserGrant,
  Repository,
  RepositoryGroupGrant,
  RepositoryUserGrant,
  WorkspaceMember,
} from './schemas.js';
import {
  groupMembershipGrant,
  normalizeUuid,
  projectGrant,
  repositoryGrant,
  resource,
  workspaceRoleGrant,
  type GovernanceItem,
  type PrincipalRef,
} from '../model/index.js';

/** `members`: every member as a user resource, and their workspace role as a grant on the workspace. */
export function observeMembers(workspaceId: string, members: WorkspaceMember[]): GovernanceItem[] {
  const items: GovernanceItem[] = [];
  for (const member of members) {
    const user = member.user;
    items.push(
      resource('user', user.account_id, {
        uuid: user.uuid ? normalizeUuid(user.uuid) : '',
        displayName: user.display_name ?? user.nickname ?? user.account_id,
        nickname: user.nickname ?? null,
        accountStatus: user.account_status ?? 'unknown',
        // Absent for workspaces administered in admin.atlassian.com: kept as null, not guessed.
        lastAccessed: member.last_accessed ?? null,
      }),
      workspaceRoleGrant(workspaceId, user.account_id, member.permission),
    );
  }
  return items;
}

/** `groups`: every group as a resource (default access is an attribute), and each membership as a grant. */
export function observeGroups(groups: Group[]): GovernanceItem[] {
  const items: GovernanceItem[] = [];
  for (const group of groups) {
    items.push(
      resource('group', group.slug, {
        name: group.name,
        defaultPermission: group.permission ?? null,
        autoAdd: group.auto_add ?? false,
      }),
    );
    for (const member of group.members) items.push(groupMembershipGrant(group.slug, member.account_id));
  }
  return items;
}

export function observeProjects(projects: Project[]): GovernanceItem[] {
  return projects.map((project) =>
    resource('project', normalizeUuid(project.uuid), {
      key: project.key,
      name: project.name,
      isPrivate: project.is_private,
    }),
  );
}

export function observeRepositories(repositories: Repository[]): GovernanceItem[] {
  return repositories.map((repository) =>
    resource('repository', normalizeUuid(repository.uuid), {
      slug: repository.slug,
      name: repository.name,
      fullName: repository.full_name,
      projectUuid: normalizeUuid(repository.project.uuid),
      isPrivate: repository.is_private,
    }),
  );
}

type UserGrantRow = { permission: string; user: { account_id: string } };
type GroupGrantRow = { permission: string; group: { slug: string } };

function principalsOf(users: UserGrantRow[], groups: GroupGrantRow[]) {
  const rows: { principal: PrincipalRef; permission: string }[] = [];
  for (const row of users)
    rows.push({ principal: { type: 'user', id: row.user.account_id }, permission: row.permission });
  for (const row of groups)
    rows.push({ principal: { type: 'group', id: row.group.slug }, permission: row.permission });
  // Bitbucket may list a principal with "none"; that is the absence of a grant.
  return rows.filter((row) => row.permission !== 'none');
}

export function observeProjectGrants(
  projectId: string,
  users: ProjectUserGrant[],
  groups: ProjectGroupGrant[],
): GovernanceItem[] {
  return principalsOf(users, groups).map((row) =>
    projectGrant(projectId, row.principal, row.permission as 'read' | 'write' | 'create-repo' | 'admin'),
  );
}

export function observeRepositoryGrants(
  repositoryId: string,
  users: RepositoryUserGrant[],
  groups: RepositoryGroupGrant[],
): GovernanceItem[] {
  return principalsOf(users, groups).map((row) =>
    repositoryGrant(repositoryId, row.principal, row.permission as 'read' | 'write' | 'admin'),
  );
}
