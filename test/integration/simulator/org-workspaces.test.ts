// Workspaces administered in admin.atlassian.com, over real HTTP: groups are the org groups with a role,
// roles follow the groups' roles, 1.0 group writes are refused (403) while other workspaces still accept
// them, last_accessed disappears, the control API changes the organization behind the connector's back,
// the state round-trips with its organizations, and `generated:…,org=1` makes such a workspace.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../lib/simulator/index.js';
import { loadSeed, startSimulator } from '../../../lib/simulator/index.js';
import { basic, bearer, call, control } from './support/client.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seeds/org-acme.json', import.meta.url));
const ada = basic('ada@example.com', 'org-acme-t0k3n');
const ORG_MESSAGE =
  'This workspace is administered in admin.atlassian.com: change group membership with the Atlassian Admin API';

let sim: RunningSimulator;
const get = (path: string) => call(sim.url, path, { auth: ada });
const mutate = (...mutations: unknown[]) => control(sim.url, 'mutations', 'POST', { mutations });
const groupsV1 = async () =>
  Object.fromEntries(
    (await get('/1.0/groups/acme')).json.map((g: any) => [g.slug, g.members.map((m: any) => m.account_id)]),
  );
const roles = async () =>
  Object.fromEntries(
    (await get('/2.0/workspaces/acme/permissions?pagelen=100')).json.values.map((v: any) => [
      v.user.account_id.replace('557058:', ''),
      v.permission,
    ]),
  );
const repoAccess = async (slug: string) =>
  Object.fromEntries(
    (await get('/2.0/workspaces/acme/permissions/repositories?pagelen=100')).json.values
      .filter((v: any) => v.repository.slug === slug)
      .map((v: any) => [v.user.account_id.replace('557058:', ''), v.permission]),
  );

beforeAll(async () => {
  sim = await startSimulator({ seed: FIXTURE });
});
afterAll(() => sim.stop());
afterEach(async () => {
  await control(sim.url, 'reset', 'POST');
});

describe('an org-administered workspace as Bitbucket answers it', () => {
  it('lists the org groups with a role as its 1.0 groups, keeping the seed group’s default permission', async () => {
    const groups = (await get('/1.0/groups/acme')).json;
    expect(groups.map((g: any) => [g.slug, g.name, g.permission])).toEqual([
      ['developers', 'Developers', 'write'],
      ['bb-admins', 'BB Admins', null],
      ['contractors', 'Contractors', null],
    ]);
    expect(await groupsV1()).toEqual({
      developers: ['557058:alan', '557058:linus', '557058:margaret'],
      'bb-admins': ['557058:grace'],
      contractors: ['557058:vendor'],
    });
  });

  it('derives roles from the groups’ roles (admin → owner) merged with direct members; no last_accessed', async () => {
    expect(await roles()).toEqual({
      ada: 'owner',
      radia: 'member',
      alan: 'member',
      linus: 'member',
      margaret: 'member',
      grace: 'owner',
      vendor: 'member',
    });
    const values = (await get('/2.0/workspaces/acme/permissions')).json.values;
    for (const value of values) {
      expect(value).not.toHaveProperty('last_accessed');
      expect(value).not.toHaveProperty('added_on');
    }
    // The derived owner administers the workspace through Bitbucket's API too.
    expect(await repoAccess('infra')).toEqual({ grace: 'admin', ada: 'admin', vendor: 'read' });
  });

  it('refuses 1.0 group writes with 403 and changes nothing; a workspace without an organization still accepts them', async () => {
    const before = (await control(sim.url, 'state')).json;
    for (const method of ['PUT', 'DELETE']) {
      const answer = await call(sim.url, '/1.0/groups/acme/developers/members/557058:alan', {
        method,
        auth: ada,
      });
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({ type: 'error', error: { message: ORG_MESSAGE } });
    }
    expect((await control(sim.url, 'state')).json).toEqual(before);

    const demo = await startSimulator({ seed: 'demo' });
    try {
      const put = await call(demo.url, '/1.0/groups/acme/qa/members/557058:alan', { method: 'PUT' });
      expect(put.status).toBe(200);
    } finally {
      await demo.stop();
    }
  });
});

describe('control API organization mutations', () => {
  it('orgAddGroupMember and orgRemoveGroupMember (group by slug or id) show at once in 1.0 groups and roles', async () => {
    expect(
      (await mutate({ op: 'orgAddGroupMember', org: 'org-1', group: 'developers', accountId: '557058:ken' }))
        .status,
    ).toBe(200);
    expect((await groupsV1()).developers).toContain('557058:ken');
    expect((await roles()).ken).toBe('member');
    expect(await repoAccess('api')).toMatchObject({ ken: 'write' });

    await mutate({
      op: 'orgRemoveGroupMember',
      org: 'org-1',
      group: 'g-developers',
      accountId: '557058:alan',
    });
    expect((await groupsV1()).developers).not.toContain('557058:alan');
    expect(await roles()).not.toHaveProperty('alan');
    expect(await repoAccess('api')).not.toHaveProperty('alan');
  });

  it('orgSetGroupRole changes the role, and null takes the group (and its grants) out of the workspace', async () => {
    await mutate({
      op: 'orgSetGroupRole',
      org: 'org-1',
      group: 'developers',
      workspace: 'acme',
      role: 'admin',
    });
    expect(await roles()).toMatchObject({ alan: 'owner', linus: 'owner' });
    await mutate({
      op: 'orgSetGroupRole',
      org: 'org-1',
      group: 'g-contractors',
      workspace: 'acme',
      role: null,
    });
    expect(Object.keys(await groupsV1())).toEqual(['developers', 'bb-admins']);
    expect(await roles()).not.toHaveProperty('vendor');
    const ops = (await get('/2.0/workspaces/acme/projects/OPS/permissions-config/groups')).json.values;
    expect(ops.map((v: any) => v.group.slug)).toEqual(['bb-admins']);
  });

  it('refuses org mutations that do not hang together, all-or-nothing', async () => {
    const before = (await control(sim.url, 'state')).json;
    const bad = [
      { op: 'orgAddGroupMember', org: 'org-9', group: 'developers', accountId: '557058:ken' },
      { op: 'orgAddGroupMember', org: 'org-1', group: 'nobody', accountId: '557058:ken' },
      { op: 'orgAddGroupMember', org: 'org-1', group: 'developers', accountId: '557058:ghost' },
      { op: 'orgRemoveGroupMember', org: 'org-1', group: 'developers', accountId: '557058:radia' },
      { op: 'orgSetGroupRole', org: 'org-1', group: 'developers', workspace: 'elsewhere', role: 'member' },
      { op: 'orgSetGroupRole', org: 'org-1', group: 'developers', workspace: 'acme', role: 'owner' },
    ];
    for (const mutation of bad) {
      const answer = await mutate(
        { op: 'orgAddGroupMember', org: 'org-1', group: 'developers', accountId: '557058:ken' },
        mutation,
      );
      expect(answer.status, JSON.stringify(mutation)).toBe(400);
      expect(answer.json.error.message).toContain('mutations[1]');
    }
    expect((await control(sim.url, 'state')).json).toEqual(before);
  });

  it('workspace mutations act on the org group or the direct members; group create/delete name orgSetGroupRole', async () => {
    await mutate({ op: 'addGroupMember', workspace: 'acme', group: 'developers', accountId: '557058:ken' });
    const admin = await call(sim.url, '/admin/v2/orgs/org-1/directories/dir-1/users/search', {
      method: 'POST',
      auth: bearer('org-key'),
      body: { groupIds: ['g-developers'] },
    });
    expect(admin.json.data.map((u: any) => u.accountId)).toContain('557058:ken');

    await mutate({
      op: 'removeGroupMember',
      workspace: 'acme',
      group: 'developers',
      accountId: '557058:ken',
    });
    expect((await groupsV1()).developers).not.toContain('557058:ken');

    const create = await mutate({
      op: 'createGroup',
      workspace: 'acme',
      group: { slug: 'new', name: 'New' },
    });
    expect(create.status).toBe(400);
    expect(create.json.error.message).toContain('orgSetGroupRole');
    expect((await mutate({ op: 'deleteGroup', workspace: 'acme', group: 'developers' })).status).toBe(400);
    const viaGroup = await mutate({ op: 'removeMember', workspace: 'acme', accountId: '557058:alan' });
    expect(viaGroup.status).toBe(400);
    expect(viaGroup.json.error.message).toContain('orgRemoveGroupMember');

    await mutate({ op: 'removeMember', workspace: 'acme', accountId: '557058:radia' });
    expect(await roles()).not.toHaveProperty('radia');
    await mutate({ op: 'addMember', workspace: 'acme', accountId: '557058:ken', role: 'owner' });
    expect((await roles()).ken).toBe('owner');
  });
});

describe('state', () => {
  it('round-trips the seed with its organizations, and a changed state starts an identical simulator', async () => {
    expect((await control(sim.url, 'state')).json).toEqual(loadSeed(FIXTURE));
    expect((await control(sim.url, 'state')).json.organizations[0].groups[2]).toMatchObject({
      id: 'g-contractors',
      idpManaged: true,
    });

    await mutate(
      { op: 'orgAddGroupMember', org: 'org-1', group: 'bb-admins', accountId: '557058:ken' },
      { op: 'orgSetGroupRole', org: 'org-1', group: 'contractors', workspace: 'acme', role: null },
    );
    const changed = (await control(sim.url, 'state')).json;
    const copy = await startSimulator({ seed: changed });
    try {
      expect((await control(copy.url, 'state')).json).toEqual(changed);
      const copyRoles = await call(copy.url, '/2.0/workspaces/acme/permissions?pagelen=100', { auth: ada });
      expect(copyRoles.json.values.map((v: any) => [v.user.account_id, v.permission])).toEqual(
        (await get('/2.0/workspaces/acme/permissions?pagelen=100')).json.values.map((v: any) => [
          v.user.account_id,
          v.permission,
        ]),
      );
    } finally {
      await copy.stop();
    }
  });

  it('omits organizations from the state of a seed without them', async () => {
    const demo = await startSimulator({ seed: 'demo' });
    try {
      expect((await control(demo.url, 'state')).json).not.toHaveProperty('organizations');
    } finally {
      await demo.stop();
    }
  });
});

describe('generated:…,org=1', () => {
  it('makes the generated workspace org-administered: Admin API with org-key, 1.0 writes refused', async () => {
    const generated = await startSimulator({ seed: 'generated:users=30,groups=3,projects=2,repos=5,org=1' });
    try {
      const key = bearer('org-key');
      const workspaces = await call(generated.url, '/admin/v2/orgs/org-1/workspaces', {
        method: 'POST',
        auth: key,
        body: {},
      });
      expect(workspaces.json.data.map((w: any) => w.attributes.slug)).toEqual(['generated']);
      const groups = await call(generated.url, '/admin/v2/orgs/org-1/directories/dir-1/groups/search', {
        method: 'POST',
        auth: key,
        body: { roleIds: ['atlassian/admin'] },
      });
      expect(groups.json.data).toHaveLength(1);
      const owner = basic('admin@example.com', 'generated-token');
      const v1 = await call(generated.url, '/1.0/groups/generated', { auth: owner });
      expect(v1.json).toHaveLength(3);
      const slug = v1.json[1].slug;
      const put = await call(generated.url, `/1.0/groups/generated/${slug}/members/557058:gen-01`, {
        method: 'PUT',
        auth: owner,
      });
      expect(put.status).toBe(403);
    } finally {
      await generated.stop();
    }
  });
});
