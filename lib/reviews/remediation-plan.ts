// What removes one reviewed access (issue 21, "Remediation that works"). A revoke on access that comes
// through a group does nothing unless the membership goes, and the membership carries the group's other
// access with it: the plan names each change that removes a path, and what else each change takes away,
// computed by running the effective-access rules on the same facts with and without the grant it removes.
// Paths no change here can remove (owners, public repositories, groups an identity provider manages) make
// the plan say so, with the reason. Pure: the facts are the stored picture the item was frozen from.
import { effectiveUserAccess, type AccessFacts, type AccessPath, type UserAccess } from '../access/index.js';
import {
  highestProjectPermission,
  highestRepositoryPermission,
  projectPermissionRank,
  repositoryPermissionRank,
  type Grant,
  type OrgGroupResource,
  type ProjectPermission,
  type ProjectResource,
  type RepositoryPermission,
  type RepositoryResource,
} from '../model/index.js';
import type { RemediationAction, RemediationPlan, ReviewItem } from './review-model.js';

/**
 * Why a path cannot be removed here, strongest first: the one a plan names in `cannotRemove.reason`
 * (its `detail` lists every such path).
 */
export const CANNOT_REMOVE_REASONS = [
  'workspace-owner',
  'identity-provider-managed',
  'public-repository',
] as const;
export type CannotRemoveReason = (typeof CANNOT_REMOVE_REASONS)[number];

interface Blocker {
  reason: CannotRemoveReason;
  detail: string;
}

/** A user's own grant, or membership, on a resource in the facts (undefined: the facts hold none). */
function userGrantOn(
  facts: AccessFacts,
  type: Grant['resource']['type'],
  id: string,
  accountId: string,
): Grant | undefined {
  return facts.grants.find(
    (grant) =>
      grant.resource.type === type &&
      grant.resource.id === id &&
      grant.principal.type === 'user' &&
      grant.principal.id === accountId,
  );
}

function withoutGrant(facts: AccessFacts, removed: Grant): AccessFacts {
  return { ...facts, grants: facts.grants.filter((grant) => grant !== removed) };
}

/**
 * The facts with the user a plain member instead of an owner: an owner is admin everywhere, so computed
 * with the owner path every `alsoRemoves` would be empty, hiding what a change takes should the user stop
 * being an owner. Other grants keep their identity (`withoutGrant` compares by reference).
 */
function withoutOwnerRole(facts: AccessFacts, accountId: string): AccessFacts {
  return {
    ...facts,
    grants: facts.grants.map((grant) =>
      grant.resource.type === 'workspace' && grant.principal.id === accountId && grant.entitlement === 'owner'
        ? { ...grant, entitlement: 'member' }
        : grant,
    ),
  };
}

/** Rank of a permission for comparisons across project and repository items (higher: more). */
function rankOf(type: 'project' | 'repository', permission: string | null): number {
  if (permission === null) return -1;
  return type === 'project'
    ? projectPermissionRank(permission as ProjectPermission)
    : repositoryPermissionRank(permission as RepositoryPermission);
}

/** The highest permission of `paths` for a resource of `type` (null: none). */
function highestOf(type: 'project' | 'repository', paths: readonly AccessPath<string>[]): string | null {
  const permissions = paths.map((path) => path.permission);
  return type === 'project'
    ? highestProjectPermission(permissions as ProjectPermission[])
    : highestRepositoryPermission(permissions as RepositoryPermission[]);
}

/**
 * The user's other project and repository access that is lost ("write on repository web") or lowered
 * ("write on repository web → read") once `removed` is gone; the reviewed resource itself is left out.
 * `before` must be computed with `includePublic` (a public repository's read is kept, not lost).
 */
function lostAccess(
  facts: AccessFacts,
  before: UserAccess | null,
  removed: Grant | undefined,
  item: ReviewItem,
): string[] {
  if (!before || !removed) return [];
  // Public reads stay whatever is removed: counted on both sides, they are never listed as lost.
  const after = effectiveUserAccess(withoutGrant(facts, removed), item.accountId, { includePublic: true });
  const lines: string[] = [];
  const compare = (
    type: 'project' | 'repository',
    entries: { uuid: string; name: string; permission: string }[],
    remaining: Map<string, string>,
  ) => {
    for (const entry of entries) {
      if (type === item.resource.type && entry.uuid === item.resource.id) continue;
      const left = remaining.get(entry.uuid);
      if (left === undefined) lines.push(`${entry.permission} on ${type} ${entry.name}`);
      else if (left !== entry.permission)
        lines.push(`${entry.permission} on ${type} ${entry.name} → ${left}`);
    }
  };
  compare(
    'project',
    before.projects.map((p) => ({ uuid: p.uuid, name: p.key, permission: p.permission })),
    new Map((after?.projects ?? []).map((p) => [p.uuid, p.permission])),
  );
  compare(
    'repository',
    before.repositories.map((r) => ({ uuid: r.uuid, name: r.slug, permission: r.permission })),
    new Map((after?.repositories ?? []).map((r) => [r.uuid, r.permission])),
  );
  return lines;
}

/** The organization groups behind Bitbucket group `slug` (workspaces administered in admin.atlassian.com). */
function orgGroupsBehind(facts: AccessFacts, slug: string): OrgGroupResource[] {
  return facts.resources.filter(
    (resource): resource is OrgGroupResource =>
      resource.type === 'org-group' && resource.attributes.slug === slug,
  );
}

/**
 * When the organization group behind `slug` is the user's only one with a role on the workspace, leaving
 * it may also end their workspace membership (unless they were added to the workspace directly).
 */
function roleLoss(before: UserAccess | null, slug: string): string[] {
  const rolePaths = before?.user.rolePaths ?? [];
  if (rolePaths.length !== 1 || rolePaths[0]?.group !== slug) return [];
  return [
    `workspace ${rolePaths[0].permission === 'admin' ? 'owner' : 'member'} role, given by organization group ${slug} alone (unless also granted directly)`,
  ];
}

function projectOfItem(facts: AccessFacts, item: ReviewItem, key: string): ProjectResource | undefined {
  const repository = facts.resources.find(
    (resource): resource is RepositoryResource =>
      resource.type === 'repository' && resource.id === item.resource.id,
  );
  const projects = facts.resources.filter(
    (resource): resource is ProjectResource => resource.type === 'project',
  );
  return (
    projects.find((project) => project.id === repository?.attributes.projectUuid) ??
    projects.find((project) => project.attributes.key === key)
  );
}

/** The item's resource as `/revocations` names it: its uuid, with its key or slug when the facts hold it. */
function resourceSelector(facts: AccessFacts, item: ReviewItem): RemediationAction['resource'] {
  const { type, id } = item.resource;
  const stored = facts.resources.find((resource) => resource.type === type && resource.id === id);
  if (type === 'project') {
    const key = stored?.type === 'project' ? stored.attributes.key : item.resource.projectKey;
    return { type, id, ...(key ? { key } : {}) };
  }
  return { type, id, ...(stored?.type === 'repository' ? { slug: stored.attributes.slug } : {}) };
}

/** "557058:ada (Ada Lovelace)": the account id a reviewer can search for, and the name they know. */
function who(item: ReviewItem): string {
  return item.displayName && item.displayName !== item.accountId
    ? `${item.accountId} (${item.displayName})`
    : item.accountId;
}

function actionKey(action: RemediationAction): string {
  const { type, id, slug, key } = action.resource;
  return `${action.kind}|${type}|${id ?? slug ?? key ?? ''}|${action.principal.accountId}`;
}

/** The repository the facts hold for a repository item (undefined: a project item, or not in the facts). */
function repositoryOfItem(facts: AccessFacts, item: ReviewItem): RepositoryResource | undefined {
  if (item.resource.type !== 'repository') return undefined;
  return facts.resources.find(
    (resource): resource is RepositoryResource =>
      resource.type === 'repository' && resource.id === item.resource.id,
  );
}

/**
 * The plan that removes `item`'s access, from `facts` (the stored picture holding the item's user: e.g.
 * `store.loadUserReviewFacts(workspaceId, accountId).facts`). One action per removable path, in path
 * order, deduplicated (two paths through one group are one removal):
 * - `direct` → `revoke-direct-grant` on the item's resource; on a project item `alsoRemoves` lists the
 *   project's repositories that lose or lower access (the same computation as `project` below, so one
 *   grant reads the same whichever item reaches it);
 * - `group`, `project-group` → `remove-group-member` of that group, `alsoRemoves` listing the user's other
 *   access that goes through that group and nothing else ("write on repository web", or lowered:
 *   "write on repository web → read");
 * - `project` (a repository reached through the user's own project grant) → `revoke-project-grant`, with
 *   `alsoRemoves` likewise.
 * `alsoRemoves` never lists a public repository's read (it stays), and is computed as if the user were
 * not a workspace owner (what the change takes should they stop being one).
 * Each action names the permission the facts hold now (the project's own permission, e.g. `create-repo`,
 * not the `write` it gives on the repository; `member` for a group), falling back to the path's.
 * `cannotRemove` is set when some access is beyond a change here: `workspace-owner` (owners are admin
 * everywhere), `identity-provider-managed` (the group's organization group is synced from an identity
 * provider), `public-repository` (the repository is public in the facts or on a path: anyone can read
 * it, so a revoke leaves read). When what cannot be removed keeps the item's whole permission (always for
 * an owner; for a read item on a public repository; an identity-provider group granting as much), the
 * plan executes nothing: `actions` is empty and the changes are listed in `wouldAlsoNeed` for
 * information. Otherwise the removable actions are listed (they lower the access). Never throws.
 */
export function planRemediation(item: ReviewItem, facts: AccessFacts): RemediationPlan {
  const owner = item.paths.some((path) => path.via === 'workspace-owner');
  // What each change takes is described as if the owner role were gone (else: nothing, ever).
  const planFacts = owner ? withoutOwnerRole(facts, item.accountId) : facts;
  const before = effectiveUserAccess(planFacts, item.accountId, { includePublic: true });
  const principal = { type: 'user' as const, accountId: item.accountId };
  const actions = new Map<string, RemediationAction>();
  const blockers: Blocker[] = [];
  // Paths no change here removes: what the item keeps whatever runs.
  const blocked: AccessPath<string>[] = [];
  const add = (action: RemediationAction) => {
    if (!actions.has(actionKey(action))) actions.set(actionKey(action), action);
  };

  const removeFromGroup = (path: AccessPath<string> & { group: string }) => {
    const group = path.group;
    const idp = orgGroupsBehind(facts, group).find((orgGroup) => orgGroup.attributes.idpManaged);
    if (idp) {
      blocked.push(path);
      blockers.push({
        reason: 'identity-provider-managed',
        detail: `group ${group} is organization group ${idp.attributes.name}, synced from an identity provider: remove ${who(item)} there`,
      });
      return;
    }
    const membership = userGrantOn(planFacts, 'group', group, item.accountId);
    add({
      kind: 'remove-group-member',
      resource: { type: 'group', slug: group },
      principal,
      permission: membership ? String(membership.entitlement) : 'member',
      description: `remove ${who(item)} from group ${group}`,
      alsoRemoves: [...lostAccess(planFacts, before, membership, item), ...roleLoss(before, group)],
    });
  };

  const publicBlocker = () =>
    blockers.push({
      reason: 'public-repository',
      detail: `${item.resource.type} ${item.resource.name} is public: anyone can read it (read stays)`,
    });

  for (const path of item.paths as AccessPath<string>[]) {
    switch (path.via) {
      case 'direct': {
        const grant = userGrantOn(planFacts, item.resource.type, item.resource.id, item.accountId);
        const permission = grant ? String(grant.entitlement) : path.permission;
        add({
          kind: 'revoke-direct-grant',
          resource: resourceSelector(facts, item),
          principal,
          permission,
          description: `revoke the ${permission} grant of ${who(item)} on ${item.resource.type} ${item.resource.name}`,
          // A project grant reaches the project's repositories: listed as for `revoke-project-grant`.
          alsoRemoves: lostAccess(planFacts, before, grant, item),
        });
        break;
      }
      case 'group':
      case 'project-group':
        removeFromGroup(path);
        break;
      case 'project': {
        const project = projectOfItem(facts, item, path.project);
        const grant = project ? userGrantOn(planFacts, 'project', project.id, item.accountId) : undefined;
        const permission = grant ? String(grant.entitlement) : path.permission;
        add({
          kind: 'revoke-project-grant',
          resource: project
            ? { type: 'project', id: project.id, key: project.attributes.key }
            : { type: 'project', key: path.project },
          principal,
          permission,
          description: `revoke the ${permission} grant of ${who(item)} on project ${path.project} (it holds ${item.resource.type} ${item.resource.name})`,
          alsoRemoves: lostAccess(planFacts, before, grant, item),
        });
        break;
      }
      case 'workspace-owner':
        blocked.push(path);
        blockers.push({
          reason: 'workspace-owner',
          detail:
            path.group === undefined
              ? `${who(item)} is a workspace owner (admin everywhere): change the workspace role to remove this access`
              : `${who(item)} is a workspace owner through organization group ${path.group} (admin everywhere): change that in admin.atlassian.com`,
        });
        break;
      case 'public':
        blocked.push(path);
        publicBlocker();
        break;
    }
  }
  // Items frozen without public paths still sit on a public repository: its read stays after any change.
  if (
    repositoryOfItem(facts, item)?.attributes.isPrivate === false &&
    !blocked.some((p) => p.via === 'public')
  ) {
    blocked.push({ via: 'public', permission: 'read' });
    publicBlocker();
  }

  const planned = [...actions.values()];
  const plan: RemediationPlan = { actions: planned };
  if (blockers.length > 0) {
    const strongest = CANNOT_REMOVE_REASONS.find((reason) => blockers.some((b) => b.reason === reason))!;
    const details = [...new Set(blockers.map((blocker) => blocker.detail))];
    plan.cannotRemove = { reason: strongest, detail: details.join('; ') };
    // Nothing executed can lower what the blocked paths keep: running the changes would only take the
    // user's other access (e.g. an owner's group, with its admin on other projects) for no effect here.
    const type = item.resource.type;
    const all = highestOf(type, [...item.paths, ...blocked]);
    if (planned.length > 0 && rankOf(type, highestOf(type, blocked)) >= rankOf(type, all)) {
      plan.actions = [];
      plan.wouldAlsoNeed = planned;
    }
  }
  return plan;
}

/**
 * Whether executing `action` removes `path` of `item` (same user): a group removal takes the paths
 * through that group; a project grant (`revoke-project-grant`, or `revoke-direct-grant` on a project)
 * takes that project item's `direct` path and the `project` paths of its repositories; a repository
 * grant takes that repository item's `direct` path.
 */
export function actionRemovesPath(
  action: RemediationAction,
  item: Pick<ReviewItem, 'accountId' | 'resource'>,
  path: AccessPath<string>,
): boolean {
  if (action.principal.accountId !== item.accountId) return false;
  const target = action.resource;
  if (action.kind === 'remove-group-member')
    return (path.via === 'group' || path.via === 'project-group') && path.group === target.slug;
  // Matched by uuid, or by the key / slug an action made without one names.
  const sameResource =
    target.type === item.resource.type &&
    (target.id !== undefined
      ? target.id === item.resource.id
      : (target.key ?? target.slug) === item.resource.name);
  if (target.type === 'project' && item.resource.type === 'repository')
    // A repository's project path names the project's key (its uuid when the key was unknown).
    return path.via === 'project' && (path.project === target.key || path.project === target.id);
  return sameResource && path.via === 'direct';
}

/**
 * A kept item a revoke would change: the revoke's `actions` remove some of `keptItemId`'s paths, leaving
 * `permissionAfter` (from the kept item's frozen paths; null: none left). `lowers` is false when another
 * path keeps the same permission.
 */
export interface KeepConflict {
  revokeItemId: string;
  keptItemId: string;
  accountId: string;
  actions: RemediationAction[];
  permissionBefore: string;
  permissionAfter: string | null;
  lowers: boolean;
}

/**
 * For each revoke (an item decided `revoke` with a plan), the same user's items decided `keep` whose
 * paths go through a group or project grant the plan's actions remove (e.g. alan kept on shared-libs
 * through developers, while his CORE item's revoke removes him from developers). Pure, for warning at
 * decision time; closing records the actual effect (`removed-by-another-revoke`). In item order.
 */
export function conflictingKeeps(items: readonly ReviewItem[]): KeepConflict[] {
  const kept = items.filter((item) => item.decision?.decision === 'keep');
  const conflicts: KeepConflict[] = [];
  for (const revoke of items) {
    if (revoke.decision?.decision !== 'revoke' || !revoke.plan) continue;
    for (const keep of kept) {
      if (keep.accountId !== revoke.accountId || keep.itemId === revoke.itemId) continue;
      const actions = revoke.plan.actions.filter((action) =>
        keep.paths.some((path) => actionRemovesPath(action, keep, path)),
      );
      if (actions.length === 0) continue;
      const type = keep.resource.type;
      const left = keep.paths.filter((path) => !actions.some((a) => actionRemovesPath(a, keep, path)));
      const permissionAfter = highestOf(type, left);
      conflicts.push({
        revokeItemId: revoke.itemId,
        keptItemId: keep.itemId,
        accountId: keep.accountId,
        actions,
        permissionBefore: keep.permission,
        permissionAfter,
        lowers: rankOf(type, permissionAfter) < rankOf(type, keep.permission),
      });
    }
  }
  return conflicts;
}
