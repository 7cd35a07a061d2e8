// Permission writes (PUT replaces, DELETE, 404s, 402), 1.0 group membership, and the control API:
// state round trip, request counts by route template and identity, atomic mutations, reset.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator, SeedDocument } from '../../../lib/simulator/index.js';
import { loadSeed, startSimulator } from '../../../lib/simulator/index.js';
import { bearer, call, control } from './support/client.js';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo' });
});
afterAll(() => sim.stop());
afterEach(async () => {
  await control(sim.url, 'reset', 'POST');
});

const state = async (): Promise<SeedDocument> => (await control(sim.url, 'state')).json;
const acme = async () => (await state()).workspaces[0]!;

describe('permission writes', () => {
  const repoUser = '/2.0/repositories/acme/api/permissions-config/users/557058:dennis';

  it('PUT replaces the permission (a careless PUT downgrades) and answers the new object', async () => {
    const put = await call(sim.url, repoUser, { method: 'PUT', body: { permission: 'read' } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      type: 'repository_user_permission',
      permission: 'read',
      user: { account_id: '557058:dennis' },
    });
    expect((await call(sim.url, repoUser)).json.permission).toBe('read');
    const repo = (await acme()).repositories.find((r) => r.slug === 'api')!;
    expect(repo.userGrants).toEqual([{ accountId: '557058:dennis', permission: 'read' }]);
  });

  it('DELETE answers 204, then GET one and DELETE again answer 404', async () => {
    expect((await call(sim.url, repoUser, { method: 'DELETE' })).status).toBe(204);
    expect((await call(sim.url, repoUser)).status).toBe(404);
    expect((await call(sim.url, repoUser, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses permissions outside each resource kind with 400', async () => {
    expect(
      (await call(sim.url, repoUser, { method: 'PUT', body: { permission: 'create-repo' } })).status,
    ).toBe(400);
    expect((await call(sim.url, repoUser, { method: 'PUT', body: { permission: 'owner' } })).status).toBe(
      400,
    );
    expect((await call(sim.url, repoUser, { method: 'PUT' })).status).toBe(400);
    const project = '/2.0/workspaces/acme/projects/CORE/permissions-config/groups/qa';
    const put = await call(sim.url, project, { method: 'PUT', body: { permission: 'create-repo' } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      type: 'project_group_permission',
      permission: 'create-repo',
      group: { slug: 'qa' },
    });
    expect(
      (
        await call(sim.url, '/2.0/workspaces/acme/projects/CORE/permissions-config/groups/ghosts', {
          method: 'PUT',
          body: { permission: 'read' },
        })
      ).status,
    ).toBe(404);
  });

  it('a group add over the plan limit answers 402; a user grant to an outsider is 400, not a new member', async () => {
    const seed = loadSeed('demo');
    seed.users.push({
      accountId: '557058:newbie',
      uuid: '{99999999-0000-4000-8000-000000000001}',
      displayName: 'New Bie',
    });
    seed.workspaces[0]!.planUserLimit = 12;
    const limited = await startSimulator({ seed });
    try {
      const answer = await call(
        limited.url,
        '/2.0/repositories/acme/api/permissions-config/users/557058:newbie',
        {
          method: 'PUT',
          body: { permission: 'read' },
        },
      );
      expect(answer.status).toBe(400);
      const group = await call(limited.url, '/1.0/groups/acme/qa/members/557058:newbie', { method: 'PUT' });
      expect(group.status).toBe(402);
      const members = (await control(limited.url, 'state')).json.workspaces[0].members;
      expect(members.map((m: { accountId: string }) => m.accountId)).not.toContain('557058:newbie');
    } finally {
      await limited.stop();
    }
  });
});

describe('1.0 group membership', () => {
  it('PUT with no body adds the user to the group and makes them a workspace member; DELETE removes', async () => {
    await control(sim.url, 'mutations', 'POST', {
      mutations: [
        {
          op: 'addMember',
          workspace: 'acme',
          accountId: '557058:zoe',
          user: { displayName: 'Zoe Outsider' },
          role: 'member',
        },
        { op: 'removeMember', workspace: 'acme', accountId: '557058:zoe' },
      ],
    });
    expect((await acme()).members.some((m) => m.accountId === '557058:zoe')).toBe(false);
    const zoe = (await state()).users.find((u) => u.accountId === '557058:zoe')!;
    const put = await fetch(`${sim.url}/1.0/groups/acme/qa/members/${encodeURIComponent(zoe.uuid)}`, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from('ada@example.com:t0k3n').toString('base64')}`,
        'content-length': '0',
      },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ account_id: '557058:zoe' });
    const ws = await acme();
    expect(ws.members.find((m) => m.accountId === '557058:zoe')?.role).toBe('member');
    expect(ws.groups.find((g) => g.slug === 'qa')?.members).toContain('557058:zoe');
    expect((await call(sim.url, '/1.0/groups/acme/qa/members/557058:zoe', { method: 'PUT' })).status).toBe(
      409,
    );
    expect((await call(sim.url, '/1.0/groups/acme/qa/members/557058:zoe', { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await call(sim.url, '/1.0/groups/acme/qa/members/557058:zoe', { method: 'DELETE' })).status).toBe(
      404,
    );
    expect((await call(sim.url, '/1.0/groups/acme/nope/members/557058:zoe', { method: 'PUT' })).status).toBe(
      404,
    );
    expect(
      (await call(sim.url, '/1.0/groups/acme/qa/members/557058:alan', { method: 'PUT', auth: bearer('wat') }))
        .status,
    ).toBe(403);
  });
});

describe('control API', () => {
  it('GET state round-trips the seed exactly', async () => {
    expect(await state()).toEqual(loadSeed('demo'));
  });

  it('counts requests by route template, method and identity, including 401s and 429s', async () => {
    await control(sim.url, 'requests', 'DELETE');
    await call(sim.url, '/2.0/repositories/acme');
    await call(sim.url, `/2.0/repositories/${encodeURIComponent('{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}')}`);
    await call(sim.url, '/2.0/repositories/acme', { auth: bearer('wat') });
    await call(sim.url, '/2.0/repositories/acme/api/permissions-config/users', { auth: null });
    const counts = (await control(sim.url, 'requests')).json;
    expect(counts.total).toBe(4);
    expect(counts.byIdentity).toEqual({ '557058:ada': 2, 'access-token:acme': 1, anonymous: 1 });
    expect(counts.byRoute).toEqual(
      expect.arrayContaining([
        { method: 'GET', route: 'GET /2.0/repositories/{workspace}', identity: '557058:ada', count: 2 },
        {
          method: 'GET',
          route: 'GET /2.0/repositories/{workspace}',
          identity: 'access-token:acme',
          count: 1,
        },
        {
          method: 'GET',
          route: 'GET /2.0/repositories/{workspace}/{repo_slug}/permissions-config/users',
          identity: 'anonymous',
          count: 1,
        },
      ]),
    );
  });

  it('a new repository receives every group with a default permission as an explicit grant', async () => {
    const applied = await control(sim.url, 'mutations', 'POST', {
      mutations: [
        {
          op: 'createRepository',
          workspace: 'acme',
          repository: { slug: 'fresh', project: 'WEB', isPrivate: true },
        },
      ],
    });
    expect(applied.json).toEqual({ applied: 1, events: ['repo:created'] });
    const groups = await call(sim.url, '/2.0/repositories/acme/fresh/permissions-config/groups');
    expect(groups.json.values.map((g: any) => [g.group.slug, g.permission])).toEqual([
      ['developers', 'write'],
      ['qa', 'read'],
    ]);
  });

  it('applies mutations all-or-nothing and names the failing index', async () => {
    const before = await state();
    const answer = await control(sim.url, 'mutations', 'POST', {
      mutations: [
        {
          op: 'createGroup',
          workspace: 'acme',
          group: { slug: 'temp', name: 'Temp', defaultPermission: null, autoAdd: false },
        },
        { op: 'grantRepository', workspace: 'acme', repository: 'api', group: 'temp', permission: 'admin' },
        { op: 'moveRepository', workspace: 'acme', slug: 'api', project: 'NOPE' },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(/^mutations\[2\]/);
    expect(await state()).toEqual(before);
    const invalid = await control(sim.url, 'mutations', 'POST', {
      mutations: [{ op: 'explode', workspace: 'acme' }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.message).toMatch(/^mutations\[0\]/);
  });

  it('mutations cover members, groups, projects, repositories and grants', async () => {
    const answer = await control(sim.url, 'mutations', 'POST', {
      mutations: [
        { op: 'setMemberRole', workspace: 'acme', accountId: '557058:alan', role: 'owner' },
        {
          op: 'createGroup',
          workspace: 'acme',
          group: { slug: 'sre', name: 'SRE', defaultPermission: 'read', autoAdd: false },
        },
        { op: 'addGroupMember', workspace: 'acme', group: 'sre', accountId: '557058:radia' },
        { op: 'removeGroupMember', workspace: 'acme', group: 'developers', accountId: '557058:ken' },
        { op: 'setGroupDefaultPermission', workspace: 'acme', group: 'qa', permission: null },
        { op: 'deleteGroup', workspace: 'acme', group: 'contractors' },
        { op: 'createProject', workspace: 'acme', project: { key: 'NEW', name: 'New' } },
        { op: 'grantProject', workspace: 'acme', project: 'NEW', group: 'sre', permission: 'admin' },
        { op: 'revokeProject', workspace: 'acme', project: 'CORE', user: '557058:margaret' },
        { op: 'renameProject', workspace: 'acme', project: 'NEW', newName: 'Newer', newKey: 'NEWER' },
        { op: 'updateProject', workspace: 'acme', project: 'NEWER', description: 'desc' },
        {
          op: 'renameRepository',
          workspace: 'acme',
          slug: 'runbooks',
          newSlug: 'playbooks',
          newName: 'playbooks',
        },
        { op: 'moveRepository', workspace: 'acme', slug: 'playbooks', project: 'NEWER' },
        { op: 'setRepositoryPrivacy', workspace: 'acme', slug: 'playbooks', isPrivate: false },
        {
          op: 'grantRepository',
          workspace: 'acme',
          repository: 'playbooks',
          user: '557058:ken',
          permission: 'write',
        },
        { op: 'revokeRepository', workspace: 'acme', repository: 'api', group: 'qa' },
        { op: 'deleteRepository', workspace: 'acme', slug: 'billing' },
        { op: 'push', workspace: 'acme', repository: 'api', accountId: '557058:alan' },
        {
          op: 'pullRequest',
          workspace: 'acme',
          repository: 'api',
          accountId: '557058:alan',
          action: 'fulfilled',
        },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.events).toEqual([
      'project:updated',
      'project:updated',
      'repo:updated',
      'repo:updated',
      'repo:updated',
      'repo:deleted',
      'repo:push',
      'pullrequest:fulfilled',
    ]);
    const ws = await acme();
    expect(ws.members.find((m) => m.accountId === '557058:alan')?.role).toBe('owner');
    expect(ws.groups.map((g) => g.slug)).toEqual(['developers', 'administrators', 'qa', 'sre']);
    expect(ws.groups.find((g) => g.slug === 'qa')?.defaultPermission).toBeNull();
    expect(ws.projects.find((p) => p.key === 'NEWER')).toMatchObject({
      name: 'Newer',
      description: 'desc',
      groupGrants: [{ group: 'sre', permission: 'admin' }],
    });
    expect(ws.projects.find((p) => p.key === 'CORE')?.userGrants).toEqual([]);
    expect(ws.repositories.find((r) => r.slug === 'playbooks')).toMatchObject({
      project: 'NEWER',
      isPrivate: false,
    });
    expect(ws.repositories.find((r) => r.slug === 'playbooks')?.userGrants).toContainEqual({
      accountId: '557058:ken',
      permission: 'write',
    });
    expect(ws.repositories.some((r) => r.slug === 'billing')).toBe(false);
    expect(
      ws.repositories.find((r) => r.slug === 'auth-service')?.groupGrants.map((g) => g.group),
    ).not.toContain('contractors');
  });

  it('reset restores the seed and clears the request log', async () => {
    await control(sim.url, 'mutations', 'POST', {
      mutations: [{ op: 'deleteRepository', workspace: 'acme', slug: 'api' }],
    });
    await call(sim.url, '/2.0/user');
    await control(sim.url, 'reset', 'POST');
    expect(await state()).toEqual(loadSeed('demo'));
    expect((await control(sim.url, 'requests')).json.total).toBe(0);
  });

  it('access tokens cannot see another workspace', async () => {
    const seed = loadSeed('demo');
    seed.workspaces.push({
      slug: 'other',
      uuid: '{11111111-2222-4333-8444-555555555555}',
      name: 'Other',
      members: [{ accountId: '557058:ada', role: 'owner' }],
      groups: [],
      projects: [],
      repositories: [],
    });
    const two = await startSimulator({ seed });
    try {
      expect((await call(two.url, '/2.0/workspaces/other')).status).toBe(200);
      expect((await call(two.url, '/2.0/workspaces/other', { auth: bearer('wat') })).status).toBe(404);
      expect((await call(two.url, '/2.0/repositories/other', { auth: bearer('wat') })).status).toBe(404);
    } finally {
      await two.stop();
    }
  });
});
