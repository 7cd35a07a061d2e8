// Freezing a campaign's items (issue 21): from the stored picture, one item per (user, project or
// repository) in the campaign's scope, with the effective permission, every path that grants it, last
// activity, account status, workspace role and risk flags (REVIEW_FLAGS). The picture is read the way the
// export reads it (the store's per-user review facts, expanded by effectiveUserAccess); freezing itself is
// pure, so the rules are tested on facts built in memory.
import pLimit from 'p-limit';
import { effectiveUserAccess, type AccessFacts, type AccessPath, type UserAccess } from '../access/index.js';
import type { GroupDefaultPermission } from '../model/index.js';
import type { GovernanceStore, GroupGrantsMemo } from '../store/index.js';
import type { ReviewFlag, ReviewItem, ReviewScope } from './review-model.js';

/** No recorded activity in this many days before the snapshot flags a repository item. */
export const INACTIVE_DAYS = 90;
const DAY_MS = 86_400_000;

/** One user of the workspace as a review sees them. */
export interface ReviewedUser {
  access: UserAccess;
  /** Atlassian account status from the user resource (`active`, `inactive`, `closed`), null when unknown. */
  accountStatus: string | null;
}

/** What freezing needs: every user's effective access, and the groups' and repositories' attributes. */
export interface ReviewPicture {
  users: ReviewedUser[];
  /** Group slug → its default repository permission (null: none). */
  groupDefaults: ReadonlyMap<string, GroupDefaultPermission>;
  /** Repository uuid → the key of the project holding it (absent: unknown). */
  repositoryProjectKeys: ReadonlyMap<string, string>;
  /** Every stored project key and repository slug (to refuse a scope naming none). */
  projectKeys: ReadonlySet<string>;
  repositorySlugs: ReadonlySet<string>;
}

/**
 * One user's access as a review freezes it: effective access with public repositories' `public` path
 * (so a reviewer sees that a revoke leaves read), but without the repositories the user reaches ONLY
 * because they are public (that would be every user × every public repository, nothing to decide).
 * Null when the facts hold no user record for the account.
 */
export function reviewedAccess(facts: AccessFacts, accountId: string): UserAccess | null {
  const access = effectiveUserAccess(facts, accountId, { includePublic: true });
  if (!access) return null;
  return {
    ...access,
    repositories: access.repositories.filter((repository) =>
      repository.paths.some((path) => path.via !== 'public'),
    ),
  };
}

/**
 * Reads the picture of one workspace: every user's access as `reviewedAccess` gives it (public paths
 * shown, public-only repositories left out), the groups' default permissions and each repository's
 * project key.
 */
export async function loadReviewPicture(
  store: GovernanceStore,
  workspaceId: string,
  options: { parallelism?: number } = {},
): Promise<ReviewPicture> {
  const [users, groups, projects, repositories] = await Promise.all([
    store.listResources(workspaceId, 'user'),
    store.listResources(workspaceId, 'group'),
    store.listResources(workspaceId, 'project'),
    store.listResources(workspaceId, 'repository'),
  ]);
  const projectKeys = new Map(projects.map(({ item }) => [item.id, item.attributes.key]));
  const repositoryProjectKeys = new Map<string, string>();
  for (const { item } of repositories) {
    const key = item.attributes.projectUuid ? projectKeys.get(item.attributes.projectUuid) : undefined;
    if (key !== undefined) repositoryProjectKeys.set(item.id, key);
  }
  const groupGrants: GroupGrantsMemo = new Map();
  const reviewed: ReviewedUser[] = [];
  // Bounded parallelism, as the export: enough to keep DynamoDB busy without thousands of sockets.
  await pLimit(options.parallelism ?? 8).map(users, async (user) => {
    const { facts } = await store.loadUserReviewFacts(workspaceId, user.item.id, { groupGrants });
    const access = reviewedAccess(facts, user.item.id);
    if (access) reviewed.push({ access, accountStatus: user.item.attributes.accountStatus || null });
  });
  reviewed.sort((a, b) => compare(a.access.user.accountId, b.access.user.accountId));
  return {
    users: reviewed,
    groupDefaults: new Map(groups.map(({ item }) => [item.id, item.attributes.defaultPermission])),
    repositoryProjectKeys,
    projectKeys: new Set(projectKeys.values()),
    repositorySlugs: new Set(repositories.map(({ item }) => item.attributes.slug)),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const present = (values: readonly string[] | undefined) => (values && values.length > 0 ? values : undefined);

/**
 * Whether an item is in scope: project keys keep project items of those projects and repository items of
 * repositories in them; repository slugs keep those repositories' items; group slugs keep items with a
 * path through one of those groups (`group` or `project-group`). Several kinds: the union; none: all.
 */
export function inScope(item: Pick<ReviewItem, 'resource' | 'paths'>, scope: ReviewScope): boolean {
  const projects = present(scope.projects);
  const repositories = present(scope.repositories);
  const groups = present(scope.groups);
  if (!projects && !repositories && !groups) return true;
  const { resource } = item;
  if (projects && resource.projectKey !== undefined && projects.includes(resource.projectKey)) return true;
  if (repositories && resource.type === 'repository' && repositories.includes(resource.name)) return true;
  return (
    groups !== undefined &&
    item.paths.some(
      (path) => (path.via === 'group' || path.via === 'project-group') && groups.includes(path.group),
    )
  );
}

/** The risk flags of one item (REVIEW_FLAGS), in REVIEW_FLAGS order. */
export function flagsOf(
  item: Pick<ReviewItem, 'resource' | 'paths' | 'permission' | 'lastActivity' | 'workspaceRole'>,
  groupDefaults: ReadonlyMap<string, GroupDefaultPermission>,
  snapshotAt: Date,
): ReviewFlag[] {
  const flags: ReviewFlag[] = [];
  if (item.resource.type === 'repository') {
    const since = snapshotAt.getTime() - INACTIVE_DAYS * DAY_MS;
    if (item.lastActivity === null || Date.parse(item.lastActivity) < since) flags.push('inactive-90-days');
  }
  const viaGroup = (path: AccessPath<string>) => path.via === 'group' || path.via === 'project-group';
  if (item.paths.some((path) => viaGroup(path) && path.permission === 'admin')) flags.push('admin-via-group');
  // Bitbucket copies a group's default permission onto new repositories: a repository grant of a group
  // equal to it is access nobody may have granted on purpose.
  // The public path is nobody's grant: it neither makes nor breaks "default access only".
  const granted = item.paths.filter((path) => path.via !== 'public');
  if (
    item.resource.type === 'repository' &&
    granted.length > 0 &&
    granted.every((path) => {
      if (path.via !== 'group') return false;
      const defaultPermission = groupDefaults.get(path.group);
      return (
        defaultPermission !== null && defaultPermission !== undefined && path.permission === defaultPermission
      );
    })
  ) {
    flags.push('group-default-access-only');
  }
  if (item.workspaceRole === 'owner') flags.push('owner');
  return flags;
}

/**
 * One item per (user, project or repository) in `scope`, unassigned (reviewer null, rule `unassigned`;
 * see reviewer-assignment.ts), sorted by item id. Project items carry no activity (it is recorded per
 * repository). `itemId` is `{resourceType}:{resourceId}:{accountId}`.
 */
export function freezeReviewItems(
  picture: ReviewPicture,
  campaignId: string,
  scope: ReviewScope,
  snapshotAt: Date,
): ReviewItem[] {
  const items: ReviewItem[] = [];
  for (const { access, accountStatus } of picture.users) {
    const { accountId, displayName, role } = access.user;
    const base = { campaignId, accountId, displayName, accountStatus, workspaceRole: role ?? null };
    const candidates: Omit<
      ReviewItem,
      'flags' | 'reviewer' | 'reviewerRule' | keyof typeof base | 'itemId'
    >[] = [
      ...access.projects.map((project) => ({
        resource: { type: 'project' as const, id: project.uuid, name: project.key, projectKey: project.key },
        permission: project.permission as string,
        paths: project.paths as AccessPath<string>[],
        lastActivity: null,
      })),
      ...access.repositories.map((repository) => {
        const projectKey = picture.repositoryProjectKeys.get(repository.uuid);
        return {
          resource: {
            type: 'repository' as const,
            id: repository.uuid,
            name: repository.slug,
            ...(projectKey !== undefined ? { projectKey } : {}),
          },
          permission: repository.permission as string,
          paths: repository.paths as AccessPath<string>[],
          lastActivity: repository.lastActivity,
        };
      }),
    ];
    for (const candidate of candidates) {
      const item = { ...base, ...candidate };
      if (!inScope(item, scope)) continue;
      items.push({
        ...item,
        itemId: `${candidate.resource.type}:${candidate.resource.id}:${accountId}`,
        flags: flagsOf(item, picture.groupDefaults, snapshotAt),
        reviewer: null,
        reviewerRule: 'unassigned',
      });
    }
  }
  return items.sort((a, b) => compare(a.itemId, b.itemId));
}

/**
 * Who administers each resource, for the second assignment rule: resource key `{type}:{id}` → the
 * accounts holding `admin` on it through a grant (direct, group, project, project-group), sorted. Being
 * a workspace owner does not count here: owners are the third rule, so counting them would make it
 * unreachable.
 */
export function resourceAdmins(picture: ReviewPicture): Map<string, string[]> {
  const admins = new Map<string, string[]>();
  const add = (key: string, accountId: string) => {
    const list = admins.get(key) ?? [];
    list.push(accountId);
    admins.set(key, list);
  };
  const grantsAdmin = (paths: readonly AccessPath<string>[]) =>
    paths.some(
      (path) => path.permission === 'admin' && path.via !== 'workspace-owner' && path.via !== 'public',
    );
  for (const { access } of picture.users) {
    const accountId = access.user.accountId;
    for (const project of access.projects)
      if (grantsAdmin(project.paths)) add(`project:${project.uuid}`, accountId);
    for (const repository of access.repositories)
      if (grantsAdmin(repository.paths)) add(`repository:${repository.uuid}`, accountId);
  }
  for (const list of admins.values()) list.sort(compare);
  return admins;
}

/** The workspace owners' account ids, sorted. */
export function workspaceOwners(picture: ReviewPicture): string[] {
  return picture.users
    .filter(({ access }) => access.user.role === 'owner')
    .map(({ access }) => access.user.accountId)
    .sort(compare);
}
