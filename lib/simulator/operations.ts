// State changes shared by the Bitbucket routes and the control API's mutations.
import { randomUUID } from 'node:crypto';
import { HttpError } from './http.js';
import type { SeedUser } from './seed.js';
import type {
  GroupState,
  ProjectState,
  RepositoryState,
  Role,
  SimulatorState,
  WorkspaceState,
} from './state.js';
import { addToIndex, removeFromIndex } from './state.js';

export const newUuid = () => `{${randomUUID()}}`;

export function requireUser(state: SimulatorState, ref: string): SeedUser {
  const user = state.findUser(ref);
  if (!user) throw new HttpError(404, `No user with id ${ref}`);
  return user;
}
export function requireGroup(ws: WorkspaceState, slug: string): GroupState {
  const group = ws.groups.get(slug);
  if (!group) throw new HttpError(404, `No group "${slug}" in workspace ${ws.slug}`);
  return group;
}
export function requireProject(ws: WorkspaceState, key: string): ProjectState {
  const project = ws.projects.get(key);
  if (!project) throw new HttpError(404, `No project with key "${key}" in workspace ${ws.slug}`);
  return project;
}
export function requireRepository(ws: WorkspaceState, slug: string): RepositoryState {
  const repo = ws.repositories.get(slug);
  if (!repo) throw new HttpError(404, `Repository ${ws.slug}/${slug} not found`);
  return repo;
}

/** Makes the user a workspace member; 402 when the plan's user limit is reached. */
export function ensureMember(ws: WorkspaceState, accountId: string, role: Role = 'member'): void {
  if (ws.members.has(accountId)) return;
  if (ws.planUserLimit !== undefined && ws.members.size >= ws.planUserLimit)
    throw new HttpError(402, `Your plan's user limit (${ws.planUserLimit}) has been reached`);
  ws.members.set(accountId, { accountId, role, lastAccessed: null });
}

/** Adding a user to a group also makes them a workspace member, as in Bitbucket. */
export function addGroupMember(ws: WorkspaceState, group: GroupState, accountId: string): void {
  ensureMember(ws, accountId);
  group.members.add(accountId);
  addToIndex(ws, accountId, group.slug);
}

export function removeGroupMember(ws: WorkspaceState, group: GroupState, accountId: string): void {
  group.members.delete(accountId);
  removeFromIndex(ws, accountId, group.slug);
}

/** Leaving the workspace also ends group memberships and direct grants. */
export function removeMember(ws: WorkspaceState, accountId: string): void {
  if (!ws.members.delete(accountId)) throw new HttpError(404, `${accountId} is not a member of ${ws.slug}`);
  for (const group of ws.groups.values()) removeGroupMember(ws, group, accountId);
  for (const project of ws.projects.values()) project.userGrants.delete(accountId);
  for (const repo of ws.repositories.values()) repo.userGrants.delete(accountId);
}

export function deleteGroup(ws: WorkspaceState, slug: string): void {
  const group = requireGroup(ws, slug);
  for (const accountId of group.members) removeFromIndex(ws, accountId, slug);
  ws.groups.delete(slug);
  for (const project of ws.projects.values()) project.groupGrants.delete(slug);
  for (const repo of ws.repositories.values()) repo.groupGrants.delete(slug);
}

export interface NewRepository {
  slug: string;
  name?: string;
  project: string;
  isPrivate?: boolean;
  uuid?: string;
}

/** A new repository receives every group with a default permission as an explicit group grant. */
export function createRepository(ws: WorkspaceState, input: NewRepository): RepositoryState {
  if (ws.repositories.has(input.slug))
    throw new HttpError(400, `Repository ${ws.slug}/${input.slug} already exists`);
  requireProject(ws, input.project);
  const repo: RepositoryState = {
    slug: input.slug,
    uuid: input.uuid ?? newUuid(),
    name: input.name ?? input.slug,
    project: input.project,
    isPrivate: input.isPrivate ?? true,
    userGrants: new Map(),
    groupGrants: new Map(),
  };
  for (const group of ws.groups.values())
    if (group.defaultPermission !== null) repo.groupGrants.set(group.slug, group.defaultPermission);
  ws.repositories.set(repo.slug, repo);
  return repo;
}

/** Renaming changes the slug key; Maps keep insertion order, so rebuild to keep the position stable. */
export function reslugRepository(ws: WorkspaceState, oldSlug: string, newSlug: string): void {
  if (oldSlug === newSlug) return;
  if (ws.repositories.has(newSlug))
    throw new HttpError(400, `Repository ${ws.slug}/${newSlug} already exists`);
  ws.repositories = new Map(
    [...ws.repositories].map(([slug, repo]) =>
      slug === oldSlug ? [newSlug, { ...repo, slug: newSlug }] : [slug, repo],
    ),
  );
}

export function rekeyProject(ws: WorkspaceState, oldKey: string, newKey: string): void {
  if (oldKey === newKey) return;
  if (ws.projects.has(newKey)) throw new HttpError(400, `Project key ${newKey} already exists`);
  ws.projects = new Map(
    [...ws.projects].map(([key, project]) =>
      key === oldKey ? [newKey, { ...project, key: newKey }] : [key, project],
    ),
  );
  for (const repo of ws.repositories.values()) if (repo.project === oldKey) repo.project = newKey;
}
