// What removes one reviewed access (issue 21, "Remediation that works"). A revoke on access that comes
// through a group does nothing unless the membership goes, and the membership carries the group's other
// access with it: the plan names each change that removes a path, and what else each change takes away,
// computed by running the effective-access rules on the same facts with and without the grant it removes.
// Paths no change here can remove (owners, public repositories, groups an identity provider manages) make
// the plan say so, with the reason. Pure: the facts are the stored picture the item was frozen from.
import { effectiveUserAccess, type AccessFacts, type AccessPath, type UserAccess } from '../access/index.js';
import type { Grant, OrgGroupResource, ProjectResource, RepositoryResource } from '../model/index.js';
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
 * The user's other project and repository access that is lost ("write on repository web") or lowered
 * ("write on repository web → read") once `removed` is gone; the reviewed resource itself is left out.
 */
function lostAccess(
  facts: AccessFacts,
  before: UserAccess | null,
  removed: Grant | undefined,
  item: ReviewItem,
): string[] {
  if (!before || !removed) return [];
  const after = effectiveUserAccess(withoutGrant(facts, removed), item.accountId);
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

/**
 * The plan that removes `item`'s access, from `facts` (the stored picture holding the item's user: e.g.
 * `store.loadUserReviewFacts(workspaceId, accountId).facts`). One action per removable path, in path
 * order, deduplicated (two paths through one group are one removal):
 * - `direct` → `revoke-direct-grant` on the item's resource;
 * - `group`, `project-group` → `remove-group-member` of that group, `alsoRemoves` listing the user's other
 *   access that goes through that group and nothing else ("write on repository web", or lowered:
 *   "write on repository web → read");
 * - `project` (a repository reached through the user's own project grant) → `revoke-project-grant`, with
 *   `alsoRemoves` likewise.
 * Each action names the permission the facts hold now (the project's own permission, e.g. `create-repo`,
 * not the `write` it gives on the repository; `member` for a group), falling back to the path's.
 * `cannotRemove` is set when some path is beyond a change here: `workspace-owner` (owners are admin
 * everywhere), `identity-provider-managed` (the group's organization group is synced from an identity
 * provider), `public-repository` (anyone can read it); the removable actions are still listed. Never throws.
 */
export function planRemediation(item: ReviewItem, facts: AccessFacts): RemediationPlan {
  const before = effectiveUserAccess(facts, item.accountId);
  const principal = { type: 'user' as const, accountId: item.accountId };
  const actions = new Map<string, RemediationAction>();
  const blockers: Blocker[] = [];
  const add = (action: RemediationAction) => {
    if (!actions.has(actionKey(action))) actions.set(actionKey(action), action);
  };

  const removeFromGroup = (group: string) => {
    const idp = orgGroupsBehind(facts, group).find((orgGroup) => orgGroup.attributes.idpManaged);
    if (idp) {
      blockers.push({
        reason: 'identity-provider-managed',
        detail: `group ${group} is organization group ${idp.attributes.name}, synced from an identity provider: remove ${who(item)} there`,
      });
      return;
    }
    const membership = userGrantOn(facts, 'group', group, item.accountId);
    add({
      kind: 'remove-group-member',
      resource: { type: 'group', slug: group },
      principal,
      permission: membership ? String(membership.entitlement) : 'member',
      description: `remove ${who(item)} from group ${group}`,
      alsoRemoves: [...lostAccess(facts, before, membership, item), ...roleLoss(before, group)],
    });
  };

  for (const path of item.paths as AccessPath<string>[]) {
    switch (path.via) {
      case 'direct': {
        const grant = userGrantOn(facts, item.resource.type, item.resource.id, item.accountId);
        const permission = grant ? String(grant.entitlement) : path.permission;
        add({
          kind: 'revoke-direct-grant',
          resource: resourceSelector(facts, item),
          principal,
          permission,
          description: `revoke the ${permission} grant of ${who(item)} on ${item.resource.type} ${item.resource.name}`,
          alsoRemoves: [],
        });
        break;
      }
      case 'group':
      case 'project-group':
        removeFromGroup(path.group);
        break;
      case 'project': {
        const project = projectOfItem(facts, item, path.project);
        const grant = project ? userGrantOn(facts, 'project', project.id, item.accountId) : undefined;
        const permission = grant ? String(grant.entitlement) : path.permission;
        add({
          kind: 'revoke-project-grant',
          resource: project
            ? { type: 'project', id: project.id, key: project.attributes.key }
            : { type: 'project', key: path.project },
          principal,
          permission,
          description: `revoke the ${permission} grant of ${who(item)} on project ${path.project} (it holds ${item.resource.type} ${item.resource.name})`,
          alsoRemoves: lostAccess(facts, before, grant, item),
        });
        break;
      }
      case 'workspace-owner':
        blockers.push({
          reason: 'workspace-owner',
          detail:
            path.group === undefined
              ? `${who(item)} is a workspace owner (admin everywhere): change the workspace role to remove this access`
              : `${who(item)} is a workspace owner through organization group ${path.group} (admin everywhere): change that in admin.atlassian.com`,
        });
        break;
      case 'public':
        blockers.push({
          reason: 'public-repository',
          detail: `${item.resource.type} ${item.resource.name} is public: anyone can read it`,
        });
        break;
    }
  }

  const plan: RemediationPlan = { actions: [...actions.values()] };
  if (blockers.length > 0) {
    const strongest = CANNOT_REMOVE_REASONS.find((reason) => blockers.some((b) => b.reason === reason))!;
    const details = [...new Set(blockers.map((blocker) => blocker.detail))];
    plan.cannotRemove = { reason: strongest, detail: details.join('; ') };
  }
  return plan;
}
