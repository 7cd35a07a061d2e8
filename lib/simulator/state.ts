// The simulator's ground truth, indexed for lookups; converts to and from the seed format.
import type { SeedCredential, SeedDocument, SeedHook, SeedUser } from './seed.js';
import type { z } from 'zod';
import type { DefaultPermission, ProjectPermission, RepositoryPermission, WorkspaceRole } from './seed.js';
import type { OrgRole } from './seed-organizations.js';
import { loadOrganizations, organizationsToSeed } from './organizations.js';

export type Role = z.infer<typeof WorkspaceRole>;
export type ProjectPerm = z.infer<typeof ProjectPermission>;
export type RepoPerm = z.infer<typeof RepositoryPermission>;
export type GroupDefault = z.infer<typeof DefaultPermission>;

export interface MemberState {
  accountId: string;
  role: Role;
  lastAccessed?: string | null;
}
export interface GroupState {
  slug: string;
  name: string;
  defaultPermission: GroupDefault;
  autoAdd: boolean;
  members: Set<string>;
}
export interface ProjectState {
  key: string;
  uuid: string;
  name: string;
  isPrivate: boolean;
  description?: string;
  userGrants: Map<string, ProjectPerm>;
  groupGrants: Map<string, ProjectPerm>;
}
export interface RepositoryState {
  slug: string;
  uuid: string;
  name: string;
  project: string;
  isPrivate: boolean;
  userGrants: Map<string, RepoPerm>;
  groupGrants: Map<string, RepoPerm>;
}
export type HookState = SeedHook;

export interface WorkspaceState {
  slug: string;
  uuid: string;
  name: string;
  planUserLimit?: number;
  members: Map<string, MemberState>;
  groups: Map<string, GroupState>;
  projects: Map<string, ProjectState>;
  repositories: Map<string, RepositoryState>;
  hooks: Map<string, HookState>;
  /** Groups of each user, kept in step with GroupState.members for fast permission checks. */
  groupsOfUser: Map<string, Set<string>>;
  /** Id of the organization administering this workspace in admin.atlassian.com, if any. */
  organization?: string;
  /**
   * Org-administered workspaces only: the members given a role directly (the seed's `members`). `members`
   * and `groups` are then derived from these and the org groups (organizations.ts, reconcileWorkspace).
   */
  direct?: Map<string, MemberState>;
}

export interface OrgGroupState {
  id: string;
  name: string;
  slug: string;
  idpManaged: boolean;
  /** Shared with the Bitbucket GroupState of every workspace it has a role on: one source of truth. */
  members: Set<string>;
  /** Workspace slug → role. */
  roles: Map<string, OrgRole>;
}

export interface OrganizationState {
  id: string;
  apiKey: string;
  directoryId: string;
  workspaces: string[];
  /** By group id, in seed order. */
  groups: Map<string, OrgGroupState>;
}

/** Mutable state of one simulator. `version` moves on every change (caches key on it). */
export class SimulatorState {
  credentials: SeedCredential[] = [];
  users = new Map<string, SeedUser>();
  usersByUuid = new Map<string, SeedUser>();
  workspaces = new Map<string, WorkspaceState>();
  workspacesByUuid = new Map<string, WorkspaceState>();
  organizations = new Map<string, OrganizationState>();
  version = 0;

  constructor(seed: SeedDocument) {
    this.load(seed);
  }

  load(seed: SeedDocument): void {
    this.version++;
    this.credentials = structuredClone(seed.credentials);
    this.users = new Map(seed.users.map((u) => [u.accountId, { ...u }]));
    this.usersByUuid = new Map([...this.users.values()].map((u) => [u.uuid.toLowerCase(), u]));
    this.workspaces = new Map();
    this.workspacesByUuid = new Map();
    for (const ws of seed.workspaces) {
      const state: WorkspaceState = {
        slug: ws.slug,
        uuid: ws.uuid,
        name: ws.name,
        members: new Map(ws.members.map((m) => [m.accountId, { ...m }])),
        groups: new Map(
          ws.groups.map((g) => [
            g.slug,
            {
              slug: g.slug,
              name: g.name,
              defaultPermission: g.defaultPermission,
              autoAdd: g.autoAdd,
              members: new Set(g.members),
            },
          ]),
        ),
        projects: new Map(
          ws.projects.map((p) => [
            p.key,
            {
              key: p.key,
              uuid: p.uuid,
              name: p.name,
              isPrivate: p.isPrivate,
              ...(p.description === undefined ? {} : { description: p.description }),
              userGrants: new Map(p.userGrants.map((g) => [g.accountId, g.permission])),
              groupGrants: new Map(p.groupGrants.map((g) => [g.group, g.permission])),
            },
          ]),
        ),
        repositories: new Map(
          ws.repositories.map((r) => [
            r.slug,
            {
              slug: r.slug,
              uuid: r.uuid,
              name: r.name,
              project: r.project,
              isPrivate: r.isPrivate,
              userGrants: new Map(r.userGrants.map((g) => [g.accountId, g.permission])),
              groupGrants: new Map(r.groupGrants.map((g) => [g.group, g.permission])),
            },
          ]),
        ),
        hooks: new Map((ws.hooks ?? []).map((h) => [h.uuid.toLowerCase(), { ...h, events: [...h.events] }])),
        groupsOfUser: new Map(),
      };
      if (ws.planUserLimit !== undefined) state.planUserLimit = ws.planUserLimit;
      for (const group of state.groups.values())
        for (const member of group.members) addToIndex(state, member, group.slug);
      this.workspaces.set(ws.slug, state);
      this.workspacesByUuid.set(ws.uuid.toLowerCase(), state);
    }
    loadOrganizations(this, seed.organizations ?? []);
  }

  /** The whole state in the seed format; key order follows CONTRACTS.md so a loaded seed round-trips. */
  toSeed(): SeedDocument {
    return {
      credentials: structuredClone(this.credentials),
      users: [...this.users.values()].map((u) => ({ ...u })),
      workspaces: [...this.workspaces.values()].map((ws) => ({
        slug: ws.slug,
        uuid: ws.uuid,
        name: ws.name,
        ...(ws.planUserLimit === undefined ? {} : { planUserLimit: ws.planUserLimit }),
        members: [...(ws.direct ?? ws.members).values()].map((m) => ({ ...m })),
        groups: [...ws.groups.values()].map((g) => ({
          slug: g.slug,
          name: g.name,
          defaultPermission: g.defaultPermission,
          autoAdd: g.autoAdd,
          members: [...g.members],
        })),
        projects: [...ws.projects.values()].map((p) => ({
          key: p.key,
          uuid: p.uuid,
          name: p.name,
          isPrivate: p.isPrivate,
          ...(p.description === undefined ? {} : { description: p.description }),
          userGrants: [...p.userGrants].map(([accountId, permission]) => ({ accountId, permission })),
          groupGrants: [...p.groupGrants].map(([group, permission]) => ({ group, permission })),
        })),
        repositories: [...ws.repositories.values()].map((r) => ({
          slug: r.slug,
          uuid: r.uuid,
          name: r.name,
          project: r.project,
          isPrivate: r.isPrivate,
          userGrants: [...r.userGrants].map(([accountId, permission]) => ({ accountId, permission })),
          groupGrants: [...r.groupGrants].map(([group, permission]) => ({ group, permission })),
        })),
        ...(ws.hooks.size === 0
          ? {}
          : { hooks: [...ws.hooks.values()].map((h) => ({ ...h, events: [...h.events] })) }),
      })),
      ...(this.organizations.size === 0 ? {} : { organizations: organizationsToSeed(this) }),
    };
  }

  /** `{workspace}` path segment: a slug, or (unless slugOnly) the UUID in braces. */
  findWorkspace(ref: string, slugOnly = false): WorkspaceState | undefined {
    if (ref.startsWith('{')) return slugOnly ? undefined : this.workspacesByUuid.get(ref.toLowerCase());
    return this.workspaces.get(ref);
  }

  /** A user path segment: an account_id or a `{uuid}`. */
  findUser(ref: string): SeedUser | undefined {
    if (ref.startsWith('{')) return this.usersByUuid.get(ref.toLowerCase());
    return this.users.get(ref);
  }

  addUser(user: SeedUser): void {
    this.users.set(user.accountId, user);
    this.usersByUuid.set(user.uuid.toLowerCase(), user);
  }

  touch(): void {
    this.version++;
  }
}

export function addToIndex(ws: WorkspaceState, accountId: string, group: string): void {
  let groups = ws.groupsOfUser.get(accountId);
  if (!groups) ws.groupsOfUser.set(accountId, (groups = new Set()));
  groups.add(group);
}

export function removeFromIndex(ws: WorkspaceState, accountId: string, group: string): void {
  ws.groupsOfUser.get(accountId)?.delete(group);
}
