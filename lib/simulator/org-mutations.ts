// Control API mutations for organizations (orgAddGroupMember, orgRemoveGroupMember, orgSetGroupRole), and
// what the workspace membership and group mutations mean in an org-administered workspace.
import { HttpError } from './http.js';
import type { Mutation } from './mutation-schema.js';
import { requireUser } from './operations.js';
import {
  addOrgGroupMember,
  organizationOf,
  reconcileWorkspace,
  removeOrgGroupMember,
  requireOrganization,
  requireOrgGroup,
  setOrgGroupRole,
  userLimitBreach,
} from './organizations.js';
import type { OrganizationState, OrgGroupState, SimulatorState, WorkspaceState } from './state.js';

export type OrgMutation = Extract<
  Mutation,
  { op: 'orgAddGroupMember' | 'orgRemoveGroupMember' | 'orgSetGroupRole' }
>;

export function isOrgMutation(m: Mutation): m is OrgMutation {
  return m.op === 'orgAddGroupMember' || m.op === 'orgRemoveGroupMember' || m.op === 'orgSetGroupRole';
}

/** Adds a member to an org group as an org admin would: the plan's user limit holds, an IdP sync does not. */
function addMember(state: SimulatorState, org: OrganizationState, group: OrgGroupState, accountId: string) {
  requireUser(state, accountId);
  const full = userLimitBreach(state, group, accountId);
  if (full)
    throw new HttpError(
      402,
      `workspace ${full.slug} has reached its plan's user limit (${full.planUserLimit})`,
    );
  addOrgGroupMember(state, org, group, accountId);
}

/** Applies one organization mutation (no events: Bitbucket sends none for membership changes). */
export function applyOrgMutation(state: SimulatorState, m: OrgMutation): void {
  const org = requireOrganization(state, m.org);
  const group = requireOrgGroup(org, m.group);
  switch (m.op) {
    case 'orgAddGroupMember':
      addMember(state, org, group, m.accountId);
      return;
    case 'orgRemoveGroupMember':
      if (!removeOrgGroupMember(state, org, group, m.accountId))
        throw new HttpError(404, `${m.accountId} is not a member of group ${group.slug}`);
      return;
    case 'orgSetGroupRole':
      setOrgGroupRole(state, org, group, m.workspace, m.role);
      return;
  }
}

/**
 * Workspace membership and group mutations in an org-administered workspace: `addMember`, `removeMember`
 * and `setMemberRole` act on the direct members, `addGroupMember`/`removeGroupMember` on the org group,
 * `createGroup`/`deleteGroup` are refused (an org group's role decides whether it is a workspace group).
 * Answers false for the mutations that work as in any other workspace.
 */
export function applyInOrgWorkspace(state: SimulatorState, ws: WorkspaceState, m: Mutation): boolean {
  const org = organizationOf(state, ws);
  const direct = ws.direct;
  if (!org || !direct) return false;
  const viaGroups = (accountId: string) =>
    [...(ws.groupsOfUser.get(accountId) ?? [])].map((slug) => `"${slug}"`).join(', ');
  switch (m.op) {
    case 'addMember':
      if (direct.has(m.accountId)) throw new HttpError(400, `${m.accountId} is already a member`);
      if (
        ws.planUserLimit !== undefined &&
        !ws.members.has(m.accountId) &&
        ws.members.size >= ws.planUserLimit
      )
        throw new HttpError(402, `Your plan's user limit (${ws.planUserLimit}) has been reached`);
      direct.set(m.accountId, { accountId: m.accountId, role: m.role, lastAccessed: null });
      break;
    case 'removeMember':
      if (viaGroups(m.accountId) !== '')
        throw new HttpError(
          400,
          `${m.accountId} is a member of ${ws.slug} through organization group(s) ${viaGroups(m.accountId)}: use orgRemoveGroupMember`,
        );
      if (!direct.delete(m.accountId))
        throw new HttpError(404, `${m.accountId} is not a member of ${ws.slug}`);
      break;
    case 'setMemberRole': {
      const member = direct.get(m.accountId);
      if (!member) {
        if (!ws.members.has(m.accountId))
          throw new HttpError(404, `${m.accountId} is not a member of ${ws.slug}`);
        throw new HttpError(
          400,
          `the role of ${m.accountId} in ${ws.slug} follows from organization group(s) ${viaGroups(m.accountId)}: use orgSetGroupRole`,
        );
      }
      member.role = m.role;
      break;
    }
    case 'createGroup':
    case 'deleteGroup':
      throw new HttpError(
        400,
        `workspace ${ws.slug} is administered by organization ${org.id}: its groups are the organization's groups with a role on it; use orgSetGroupRole`,
      );
    case 'addGroupMember':
    case 'removeGroupMember': {
      const group = [...org.groups.values()].find((g) => g.slug === m.group && g.roles.has(ws.slug));
      if (!group) throw new HttpError(404, `No group "${m.group}" in workspace ${ws.slug}`);
      if (m.op === 'addGroupMember') addMember(state, org, group, m.accountId);
      else removeOrgGroupMember(state, org, group, m.accountId);
      return true;
    }
    default:
      return false;
  }
  reconcileWorkspace(state, ws);
  return true;
}
