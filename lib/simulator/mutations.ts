// Control API mutations: what an admin would do in Bitbucket's UI, applied all-or-nothing.
import type { Changes } from './event-payloads.js';
import {
  projectUpdatedPayload,
  pullRequestPayload,
  pushPayload,
  repositoryPayload,
  repositoryUpdatedPayload,
} from './event-payloads.js';
import type { SimulatorEvent } from './hooks.js';
import { HttpError } from './http.js';
import {
  addGroupMember,
  createRepository,
  deleteGroup,
  ensureMember,
  newUuid,
  rekeyProject,
  removeGroupMember,
  removeMember,
  requireGroup,
  requireProject,
  requireRepository,
  requireUser,
  reslugRepository,
} from './operations.js';
import type { Mutation as MutationType } from './mutation-schema.js';
import { applyInOrgWorkspace, applyOrgMutation, isOrgMutation } from './org-mutations.js';
import { Mutation } from './mutation-schema.js';
import { serializeRepository } from './serialize.js';
import type { SimulatorState, WorkspaceState } from './state.js';

function principalOf(m: {
  user?: string | undefined;
  group?: string | undefined;
}): { user: string } | { group: string } {
  if ((m.user === undefined) === (m.group === undefined))
    throw new HttpError(400, 'give exactly one of "user" or "group"');
  return m.user !== undefined ? { user: m.user } : { group: m.group as string };
}

/** Applies one mutation; returns the events it causes (membership, group and grant changes cause none). */
function applyOne(
  state: SimulatorState,
  m: MutationType,
  origin: string,
  now: () => number,
): SimulatorEvent[] {
  if (isOrgMutation(m)) {
    applyOrgMutation(state, m);
    return [];
  }
  const ws = state.findWorkspace(m.workspace);
  if (!ws) throw new HttpError(404, `unknown workspace "${m.workspace}"`);
  if (m.op === 'addMember' && !state.users.has(m.accountId)) {
    if (!m.user) throw new HttpError(404, `unknown user "${m.accountId}" (pass "user" to create one)`);
    state.addUser({ ...m.user, accountId: m.accountId, uuid: m.user.uuid ?? newUuid() });
  }
  if (ws.organization !== undefined && applyInOrgWorkspace(state, ws, m)) return [];
  const actor = () => {
    const id = m.actor ?? [...ws.members.values()].find((x) => x.role === 'owner')?.accountId;
    if (!id) throw new HttpError(400, 'no actor given and the workspace has no owner');
    return requireUser(state, id);
  };
  const event = (key: string, payload: unknown): SimulatorEvent[] => [{ workspace: ws.slug, key, payload }];
  switch (m.op) {
    case 'addMember': {
      if (ws.members.has(m.accountId)) throw new HttpError(400, `${m.accountId} is already a member`);
      ensureMember(ws, m.accountId, m.role);
      return [];
    }
    case 'removeMember':
      removeMember(ws, m.accountId);
      return [];
    case 'setMemberRole': {
      const member = ws.members.get(m.accountId);
      if (!member) throw new HttpError(404, `${m.accountId} is not a member of ${ws.slug}`);
      member.role = m.role;
      return [];
    }
    case 'createGroup':
      if (ws.groups.has(m.group.slug)) throw new HttpError(400, `group "${m.group.slug}" already exists`);
      ws.groups.set(m.group.slug, { ...m.group, members: new Set() });
      return [];
    case 'deleteGroup':
      deleteGroup(ws, m.group);
      return [];
    case 'addGroupMember':
      requireUser(state, m.accountId);
      addGroupMember(ws, requireGroup(ws, m.group), m.accountId);
      return [];
    case 'removeGroupMember':
      removeGroupMember(ws, requireGroup(ws, m.group), m.accountId);
      return [];
    case 'setGroupDefaultPermission':
      requireGroup(ws, m.group).defaultPermission = m.permission;
      return [];
    case 'createProject':
      if (ws.projects.has(m.project.key))
        throw new HttpError(400, `project "${m.project.key}" already exists`);
      ws.projects.set(m.project.key, {
        key: m.project.key,
        uuid: m.project.uuid ?? newUuid(),
        name: m.project.name,
        isPrivate: m.project.isPrivate,
        ...(m.project.description === undefined ? {} : { description: m.project.description }),
        userGrants: new Map(),
        groupGrants: new Map(),
      });
      return [];
    case 'deleteProject': {
      requireProject(ws, m.project);
      if ([...ws.repositories.values()].some((r) => r.project === m.project))
        throw new HttpError(400, `project "${m.project}" still holds repositories`);
      ws.projects.delete(m.project);
      return [];
    }
    case 'renameProject':
    case 'updateProject': {
      const project = requireProject(ws, m.project);
      const changes: Changes = {};
      const name = m.op === 'renameProject' ? m.newName : m.name;
      if (name !== undefined && name !== project.name)
        changes.name = { old: project.name, new: (project.name = name) };
      if (m.op === 'updateProject') {
        if (m.description !== undefined)
          changes.description = {
            old: project.description ?? '',
            new: (project.description = m.description),
          };
        if (m.isPrivate !== undefined)
          changes.is_private = { old: project.isPrivate, new: (project.isPrivate = m.isPrivate) };
      }
      let key = project.key;
      if (m.op === 'renameProject' && m.newKey !== undefined && m.newKey !== key) {
        rekeyProject(ws, key, m.newKey);
        changes.key = { old: key, new: m.newKey };
        key = m.newKey;
      }
      return event(
        'project:updated',
        projectUpdatedPayload(origin, ws, requireProject(ws, key), actor(), changes),
      );
    }
    case 'createRepository': {
      const repo = createRepository(ws, m.repository);
      return event('repo:created', repositoryPayload(origin, ws, repo, actor()));
    }
    case 'deleteRepository': {
      const repo = requireRepository(ws, m.slug);
      const payload = repositoryPayload(origin, ws, repo, actor());
      ws.repositories.delete(m.slug);
      return event('repo:deleted', payload);
    }
    case 'renameRepository': {
      let repo = requireRepository(ws, m.slug);
      const before = serializeRepository(origin, ws, repo);
      const changes: Changes = {};
      if (m.newName !== undefined && m.newName !== repo.name) {
        changes.name = { old: repo.name, new: m.newName };
        repo.name = m.newName;
      }
      if (m.newSlug !== undefined && m.newSlug !== repo.slug) {
        reslugRepository(ws, repo.slug, m.newSlug);
        repo = requireRepository(ws, m.newSlug);
        changes.slug = { old: m.slug, new: m.newSlug };
        changes.full_name = { old: before.full_name, new: `${ws.slug}/${m.newSlug}` };
      }
      return event('repo:updated', repositoryUpdatedPayload(origin, ws, repo, actor(), changes));
    }
    case 'moveRepository': {
      const repo = requireRepository(ws, m.slug);
      requireProject(ws, m.project);
      const changes: Changes = { project: { old: repo.project, new: m.project } };
      repo.project = m.project;
      return event('repo:updated', repositoryUpdatedPayload(origin, ws, repo, actor(), changes));
    }
    case 'setRepositoryPrivacy': {
      const repo = requireRepository(ws, m.slug);
      const changes: Changes = { is_private: { old: repo.isPrivate, new: m.isPrivate } };
      repo.isPrivate = m.isPrivate;
      return event('repo:updated', repositoryUpdatedPayload(origin, ws, repo, actor(), changes));
    }
    case 'grantProject':
    case 'revokeProject':
      applyGrant(
        state,
        ws,
        requireProject(ws, m.project),
        m,
        m.op === 'grantProject' ? m.permission : undefined,
      );
      return [];
    case 'grantRepository':
    case 'revokeRepository':
      applyGrant(
        state,
        ws,
        requireRepository(ws, m.repository),
        m,
        m.op === 'grantRepository' ? m.permission : undefined,
      );
      return [];
    case 'push': {
      const repo = requireRepository(ws, m.repository);
      // The earlier of the simulator's clock and the real one, so the commit is older than the push for a
      // receiver on either clock.
      const pushedAt = Math.min(now(), Date.now());
      return event(
        'repo:push',
        pushPayload(origin, ws, repo, requireUser(state, m.accountId), m.branch, {
          pushedAt,
          commitDate: m.commitDate,
        }),
      );
    }
    case 'pullRequest': {
      const repo = requireRepository(ws, m.repository);
      const payload = pullRequestPayload(
        origin,
        ws,
        repo,
        requireUser(state, m.accountId),
        m.action,
        m.id,
        m.title,
      );
      return event(`pullrequest:${m.action}`, payload);
    }
  }
}

function applyGrant(
  state: SimulatorState,
  ws: WorkspaceState,
  target: { userGrants: Map<string, string>; groupGrants: Map<string, string> },
  m: { user?: string | undefined; group?: string | undefined },
  permission: string | undefined,
): void {
  const who = principalOf(m);
  if ('user' in who) {
    const user = requireUser(state, who.user);
    if (permission === undefined) {
      if (!target.userGrants.delete(user.accountId))
        throw new HttpError(404, `no grant for ${user.accountId}`);
    } else target.userGrants.set(user.accountId, permission);
  } else {
    requireGroup(ws, who.group);
    if (permission === undefined) {
      if (!target.groupGrants.delete(who.group)) throw new HttpError(404, `no grant for group ${who.group}`);
    } else target.groupGrants.set(who.group, permission);
  }
}

/**
 * Applies every mutation or none: on the first failure the state is restored from a snapshot and the
 * error names the index. Events are returned only when everything applied.
 */
export function applyMutations(
  state: SimulatorState,
  raw: unknown[],
  origin: string,
  now: () => number = Date.now,
): SimulatorEvent[] {
  const snapshot = state.toSeed();
  const events: SimulatorEvent[] = [];
  try {
    raw.forEach((item, index) => {
      const parsed = Mutation.safeParse(item);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HttpError(
          400,
          `mutations[${index}]: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim(),
        );
      }
      try {
        events.push(...applyOne(state, parsed.data, origin, now));
      } catch (error) {
        if (error instanceof HttpError)
          throw new HttpError(400, `mutations[${index}] (${parsed.data.op}): ${error.message}`);
        throw error;
      }
    });
  } catch (error) {
    state.load(snapshot);
    throw error;
  }
  state.touch();
  return events;
}
