// Atlassian organizations: their state from the seed, and the workspaces they administer, derived from it.
// In an org-administered workspace the Bitbucket groups are the org groups with a role on it (sharing the
// org group's member Set), and the members are the direct members plus the members of those groups.
import { HttpError } from './http.js';
import type { SeedUser } from './seed.js';
import type { OrgRole, SeedOrganization } from './seed-organizations.js';
import type {
  GroupState,
  MemberState,
  OrganizationState,
  OrgGroupState,
  Role,
  SimulatorState,
  WorkspaceState,
} from './state.js';

/** Replaces the state's organizations with the seed's and derives the workspaces they administer. */
export function loadOrganizations(state: SimulatorState, seeds: readonly SeedOrganization[]): void {
  state.organizations = new Map();
  for (const seed of seeds) {
    const org: OrganizationState = {
      id: seed.id,
      apiKey: seed.apiKey,
      directoryId: seed.directoryId,
      workspaces: [...seed.workspaces],
      groups: new Map(
        seed.groups.map((g) => [
          g.id,
          {
            id: g.id,
            name: g.name,
            slug: g.slug,
            idpManaged: g.idpManaged,
            members: new Set(g.members),
            roles: new Map(g.roles.map((r) => [r.workspace, r.role])),
          },
        ]),
      ),
    };
    state.organizations.set(org.id, org);
    for (const slug of org.workspaces) {
      const ws = state.workspaces.get(slug);
      if (!ws) continue;
      ws.organization = org.id;
      ws.direct = ws.members;
      ws.members = new Map();
      reconcileWorkspace(state, ws, false);
    }
  }
}

/** The organizations in the seed format (CONTRACTS.md), so that GET /_simulator/state round-trips. */
export function organizationsToSeed(state: SimulatorState): SeedOrganization[] {
  return [...state.organizations.values()].map((org) => ({
    id: org.id,
    apiKey: org.apiKey,
    directoryId: org.directoryId,
    workspaces: [...org.workspaces],
    groups: [...org.groups.values()].map((g) => ({
      id: g.id,
      name: g.name,
      slug: g.slug,
      idpManaged: g.idpManaged,
      members: [...g.members],
      roles: [...g.roles].map(([workspace, role]) => ({ workspace, role })),
    })),
  }));
}

const ROLE_OF: Record<OrgRole, Role> = { admin: 'owner', member: 'member' };

/**
 * Derives one org-administered workspace's groups, members (highest role wins) and group index from its
 * organization. After a change (`afterChange`), a group that lost its role leaves with its grants, and a
 * user who stopped being a member loses their direct grants, as when a Bitbucket group or member is removed.
 */
export function reconcileWorkspace(state: SimulatorState, ws: WorkspaceState, afterChange = true): void {
  const org = ws.organization === undefined ? undefined : state.organizations.get(ws.organization);
  if (!org || !ws.direct) return;
  const groups = new Map<string, GroupState>();
  const members = new Map<string, MemberState>();
  for (const member of ws.direct.values()) members.set(member.accountId, { ...member });
  for (const group of org.groups.values()) {
    const role = group.roles.get(ws.slug);
    if (!role) continue;
    const before = ws.groups.get(group.slug);
    groups.set(group.slug, {
      slug: group.slug,
      name: group.name,
      defaultPermission: before?.defaultPermission ?? null,
      autoAdd: before?.autoAdd ?? false,
      members: group.members,
    });
    for (const accountId of group.members) {
      const member = members.get(accountId);
      if (!member) members.set(accountId, { accountId, role: ROLE_OF[role], lastAccessed: null });
      else if (ROLE_OF[role] === 'owner') member.role = 'owner';
    }
  }
  if (afterChange) {
    const targets = [...ws.projects.values(), ...ws.repositories.values()];
    for (const slug of ws.groups.keys())
      if (!groups.has(slug)) for (const t of targets) t.groupGrants.delete(slug);
    for (const accountId of ws.members.keys())
      if (!members.has(accountId)) for (const t of targets) t.userGrants.delete(accountId);
  }
  ws.groups = groups;
  ws.members = members;
  ws.groupsOfUser = new Map();
  for (const group of groups.values())
    for (const accountId of group.members) {
      let of = ws.groupsOfUser.get(accountId);
      if (!of) ws.groupsOfUser.set(accountId, (of = new Set()));
      of.add(group.slug);
    }
}

/** Re-derives every workspace the organization administers. */
export function reconcileOrganization(state: SimulatorState, org: OrganizationState): void {
  for (const slug of org.workspaces) {
    const ws = state.workspaces.get(slug);
    if (ws) reconcileWorkspace(state, ws);
  }
}

export function organizationOf(state: SimulatorState, ws: WorkspaceState): OrganizationState | undefined {
  return ws.organization === undefined ? undefined : state.organizations.get(ws.organization);
}

export function requireOrganization(state: SimulatorState, id: string): OrganizationState {
  const org = state.organizations.get(id);
  if (!org) throw new HttpError(404, `No organization "${id}"`);
  return org;
}

/** A group of the organization by id, or else by slug. */
export function findOrgGroup(org: OrganizationState, ref: string): OrgGroupState | undefined {
  return org.groups.get(ref) ?? [...org.groups.values()].find((g) => g.slug === ref);
}

export function requireOrgGroup(org: OrganizationState, ref: string): OrgGroupState {
  const group = findOrgGroup(org, ref);
  if (!group) throw new HttpError(404, `No group "${ref}" in organization ${org.id}`);
  return group;
}

/** A workspace whose plan user limit adding this user to the group would exceed, if any. */
export function userLimitBreach(
  state: SimulatorState,
  group: OrgGroupState,
  accountId: string,
): WorkspaceState | undefined {
  for (const slug of group.roles.keys()) {
    const ws = state.workspaces.get(slug);
    if (ws?.planUserLimit !== undefined && !ws.members.has(accountId) && ws.members.size >= ws.planUserLimit)
      return ws;
  }
  return undefined;
}

/** Adds the user to the org group (no-op when already in it); the workspaces it has a role on follow. */
export function addOrgGroupMember(
  state: SimulatorState,
  org: OrganizationState,
  group: OrgGroupState,
  accountId: string,
): void {
  if (group.members.has(accountId)) return;
  group.members.add(accountId);
  reconcileOrganization(state, org);
  state.touch();
}

/** Removes the user from the org group; false when they were not in it. */
export function removeOrgGroupMember(
  state: SimulatorState,
  org: OrganizationState,
  group: OrgGroupState,
  accountId: string,
): boolean {
  if (!group.members.delete(accountId)) return false;
  reconcileOrganization(state, org);
  state.touch();
  return true;
}

/** Gives the group a role on one of the organization's workspaces, or (null) takes it away. */
export function setOrgGroupRole(
  state: SimulatorState,
  org: OrganizationState,
  group: OrgGroupState,
  workspace: string,
  role: OrgRole | null,
): void {
  if (!org.workspaces.includes(workspace))
    throw new HttpError(400, `workspace "${workspace}" is not administered by organization ${org.id}`);
  if (role === null) group.roles.delete(workspace);
  else group.roles.set(workspace, role);
  reconcileOrganization(state, org);
  state.touch();
}

/** The organization's workspaces, in its order. */
export function orgWorkspaces(state: SimulatorState, org: OrganizationState): WorkspaceState[] {
  return org.workspaces.flatMap((slug) => state.workspaces.get(slug) ?? []);
}

/** Users of the organization: members of one of its groups or of one of its workspaces, in `users` order. */
export function orgUsers(state: SimulatorState, org: OrganizationState): SeedUser[] {
  const ids = new Set<string>();
  for (const group of org.groups.values()) for (const id of group.members) ids.add(id);
  for (const ws of orgWorkspaces(state, org)) for (const id of ws.members.keys()) ids.add(id);
  return [...state.users.values()].filter((u) => ids.has(u.accountId));
}

/** The Atlassian resource identifier of a workspace: its UUID without braces, lower case. */
export function workspaceAri(ws: WorkspaceState): string {
  return `ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, '').toLowerCase()}`;
}

/** Admin API role ids for the seed's roles. */
export const ROLE_IDS: Record<OrgRole, string> = { member: 'atlassian/user', admin: 'atlassian/admin' };
