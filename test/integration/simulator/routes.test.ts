// Every Bitbucket route of the simulator over real HTTP: shapes (checked against the OpenAPI document by
// `call`), paging across `next`, fields trimming, BBQL filters, slug/uuid rules, 404s and the 410.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../lib/simulator/index.js';
import { startSimulator } from '../../../lib/simulator/index.js';
import { basic, bearer, call, collect } from './support/client.js';

let sim: RunningSimulator;
const ACME_UUID = '{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}';

beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo' });
});
afterAll(() => sim.stop());

describe('account and workspace routes', () => {
  it('GET /2.0/user answers the caller', async () => {
    const me = await call(sim.url, '/2.0/user');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      type: 'user',
      account_id: '557058:ada',
      display_name: 'Ada Lovelace',
      nickname: 'ada',
    });
    expect(me.json.uuid).toMatch(/^\{.+\}$/);
  });

  it('GET /2.0/user/workspaces lists memberships with the administrator flag', async () => {
    const answer = await call(sim.url, '/2.0/user/workspaces');
    expect(answer.json.values).toEqual([
      expect.objectContaining({
        type: 'workspace_access',
        administrator: true,
        workspace: expect.objectContaining({ slug: 'acme', uuid: ACME_UUID }),
      }),
    ]);
  });

  it('GET /2.0/workspaces is gone (CHANGE-2770)', async () => {
    const answer = await call(sim.url, '/2.0/workspaces');
    expect(answer.status).toBe(410);
    expect(answer.json.error.detail).toContain('CHANGE-2770');
  });

  it('GET /2.0/workspaces/{ws} takes the slug or the braced uuid, URL-encoded', async () => {
    const bySlug = await call(sim.url, '/2.0/workspaces/acme');
    const byUuid = await call(sim.url, `/2.0/workspaces/${encodeURIComponent(ACME_UUID)}`);
    expect(bySlug.status).toBe(200);
    expect(byUuid.json).toEqual(bySlug.json);
    expect(bySlug.json).toMatchObject({ type: 'workspace', slug: 'acme', name: 'Acme', uuid: ACME_UUID });
    expect((await call(sim.url, '/2.0/workspaces/nope')).status).toBe(404);
  });

  it('members lists everyone without roles; permissions adds the role and filters with q', async () => {
    const members = await collect(sim.url, '/2.0/workspaces/acme/members');
    expect(members.values).toHaveLength(12);
    expect(members.values[0]).not.toHaveProperty('permission');
    const permissions = await collect(sim.url, '/2.0/workspaces/acme/permissions?pagelen=100');
    expect(permissions.values.map((v) => v.permission).sort()).toEqual(
      [...Array(2).fill('owner'), ...Array(10).fill('member')].sort(),
    );
    const owners = await call(
      sim.url,
      `/2.0/workspaces/acme/permissions?q=${encodeURIComponent('permission="owner"')}`,
    );
    expect(owners.json.values.map((v: any) => v.user.account_id)).toEqual(['557058:ada', '557058:grace']);
    const one = await call(
      sim.url,
      `/2.0/workspaces/acme/permissions?q=${encodeURIComponent('user.account_id="557058:alan"')}`,
    );
    expect(one.json.values).toHaveLength(1);
    expect(one.json.values[0]).toMatchObject({ permission: 'member', user: { account_id: '557058:alan' } });
  });

  it('permissions accepts only the slug, and refuses unsupported q with 400', async () => {
    expect((await call(sim.url, `/2.0/workspaces/${encodeURIComponent(ACME_UUID)}/permissions`)).status).toBe(
      404,
    );
    expect(
      (await call(sim.url, `/2.0/workspaces/acme/permissions?q=${encodeURIComponent('colour="red"')}`))
        .status,
    ).toBe(400);
    expect(
      (
        await call(
          sim.url,
          `/2.0/workspaces/acme/permissions?q=${encodeURIComponent('permission="owner" AND')}`,
        )
      ).status,
    ).toBe(400);
    expect(
      (await call(sim.url, `/2.0/workspaces/acme/members?q=${encodeURIComponent('permission="owner"')}`))
        .status,
    ).toBe(400);
  });

  it('projects lists the three projects', async () => {
    const projects = await collect(sim.url, '/2.0/workspaces/acme/projects');
    expect(projects.values.map((p) => p.key)).toEqual(['CORE', 'WEB', 'OPS']);
    expect(projects.values[1]).toMatchObject({
      type: 'project',
      is_private: false,
      has_publicly_visible_repos: true,
    });
  });
});

describe('repositories, paging, fields and q', () => {
  it('pages across next links with the default pagelen of 10', async () => {
    const first = await call(sim.url, '/2.0/repositories/acme?pagelen=4');
    expect(first.json).toMatchObject({ pagelen: 4, size: 10, page: 1 });
    expect(first.json.next).toMatch(new RegExp(`^${sim.url}/2\\.0/repositories/acme\\?`));
    const all = await collect(sim.url, '/2.0/repositories/acme?pagelen=4');
    expect(all.pages).toBe(3);
    expect(all.values.map((r) => r.slug)).toHaveLength(10);
    expect(new Set(all.values.map((r) => r.uuid)).size).toBe(10);
    const last = await call(sim.url, first.json.next.replace('page=2', 'page=3'));
    expect(last.json).not.toHaveProperty('next');
  });

  it('accepts pagelen up to 100, refuses more (never clamps) and refuses nonsense', async () => {
    expect((await call(sim.url, '/2.0/repositories/acme?pagelen=100')).json.pagelen).toBe(100);
    const above = await call(sim.url, '/2.0/repositories/acme?pagelen=500');
    expect(above.status).toBe(400);
    expect(above.json.error.message).toBe('Invalid pagelen');
    expect((await call(sim.url, '/2.0/repositories/acme?pagelen=0')).status).toBe(400);
    expect((await call(sim.url, '/2.0/repositories/acme?pagelen=ten')).status).toBe(400);
  });

  it('repository objects carry Bitbucket shapes and the project', async () => {
    const answer = await call(sim.url, `/2.0/repositories/acme?q=${encodeURIComponent('project.key="OPS"')}`);
    expect(answer.json.values.map((r: { slug: string }) => r.slug)).toEqual([
      'infrastructure',
      'runbooks',
      'secrets-rotation',
    ]);
    expect(answer.json.values[0]).toMatchObject({
      type: 'repository',
      full_name: 'acme/infrastructure',
      is_private: true,
      project: { type: 'project', key: 'OPS' },
    });
    const or = await call(
      sim.url,
      `/2.0/repositories/acme?q=${encodeURIComponent('project.key="OPS" OR slug="api"')}`,
    );
    expect(or.json.values).toHaveLength(4);
    expect(
      (await call(sim.url, `/2.0/repositories/acme?q=${encodeURIComponent('language="go"')}`)).status,
    ).toBe(400);
  });

  it('fields= trims: exclusions, whitelists with next kept', async () => {
    const noLinks = await call(sim.url, '/2.0/repositories/acme?fields=-values.links,-values.owner');
    expect(noLinks.json.values[0]).not.toHaveProperty('links');
    expect(noLinks.json.values[0]).not.toHaveProperty('owner');
    expect(noLinks.json.values[0]).toHaveProperty('full_name');
    const shortForm = await call(sim.url, '/2.0/repositories/acme?fields=-links');
    expect(shortForm.json.values[0]).not.toHaveProperty('links');
    const whitelist = await call(
      sim.url,
      '/2.0/repositories/acme?pagelen=3&fields=values.slug,values.project.key,next',
    );
    expect(Object.keys(whitelist.json).sort()).toEqual(['next', 'values']);
    expect(whitelist.json.values[0]).toEqual({ slug: 'api', project: { key: 'CORE' } });
    const plus = await call(sim.url, '/2.0/workspaces/acme?fields=%2Bvalues.extra');
    expect(plus.json.slug).toBe('acme');
  });

  it('the effective matrix pages across repositories with opaque cursors', async () => {
    const all = await collect(sim.url, '/2.0/workspaces/acme/permissions/repositories?pagelen=7');
    expect(all.pages).toBeGreaterThan(3);
    const keyed = new Map(all.values.map((v) => [`${v.repository.slug} ${v.user.account_id}`, v.permission]));
    expect(keyed.size).toBe(all.values.length);
    // Owners get admin everywhere; dennis is admin on api directly; alan writes via developers.
    expect(keyed.get('secrets-rotation 557058:ada')).toBe('admin');
    expect(keyed.get('api 557058:dennis')).toBe('admin');
    expect(keyed.get('api 557058:alan')).toBe('write');
    // margaret: admin on project CORE beats the developers' write.
    expect(keyed.get('billing 557058:margaret')).toBe('admin');
    // radia: project OPS write, but admin directly on infrastructure.
    expect(keyed.get('runbooks 557058:radia')).toBe('write');
    expect(keyed.get('infrastructure 557058:radia')).toBe('admin');
    // secrets-rotation has no grants of its own: owners, plus radia through project OPS.
    expect([...keyed.keys()].filter((k) => k.startsWith('secrets-rotation ')).sort()).toEqual([
      'secrets-rotation 557058:ada',
      'secrets-rotation 557058:grace',
      'secrets-rotation 557058:radia',
    ]);
  });
});

describe('permissions-config and groups (reads)', () => {
  it('answers every repository group grant of the workspace in one unpaged 1.0 group-privileges array', async () => {
    const all = await call(sim.url, '/1.0/group-privileges/acme');
    expect(all.status).toBe(200);
    expect(Array.isArray(all.json)).toBe(true);
    // The same grants the 2.0 per-repository listings give, repository by repository.
    const repositories = (await collect(sim.url, '/2.0/repositories/acme')).values.map(
      (r) => r.slug as string,
    );
    const fromListings: [string, string, string][] = [];
    for (const slug of repositories)
      for (const grant of (await collect(sim.url, `/2.0/repositories/acme/${slug}/permissions-config/groups`))
        .values)
        fromListings.push([`acme/${slug}`, grant.group.slug, grant.permission]);
    const fromPrivileges = (all.json as { repo: string; group: { slug: string }; privilege: string }[]).map(
      (entry) => [entry.repo, entry.group.slug, entry.privilege],
    );
    expect(fromPrivileges.sort()).toEqual(fromListings.sort());
    expect(all.json[0]).toMatchObject({
      repo: expect.stringMatching(/^acme\//),
      group: { slug: expect.any(String), members: expect.any(Array) },
      repository: { slug: expect.any(String), name: expect.any(String) },
    });
    // exclude-members=1 leaves the member lists out; writes are not offered; a token without
    // read:repository gets 401 for this endpoint alone, and an access token may not read permissions.
    const lean = await call(sim.url, '/1.0/group-privileges/acme?exclude-members=1');
    expect(lean.json[0].group.members).toBeUndefined();
    expect((await call(sim.url, '/1.0/group-privileges/acme', { method: 'POST' })).status).toBe(405);
    const alan = basic('alan@example.com', 'alan-read-token');
    expect((await call(sim.url, '/1.0/group-privileges/acme', { auth: alan })).status).toBe(401);
    expect((await call(sim.url, '/1.0/group-privileges/acme', { auth: bearer('wat') })).status).toBe(403);
  });

  it('lists and gets project grants; GET one without an explicit grant is 404', async () => {
    const users = await collect(sim.url, '/2.0/workspaces/acme/projects/CORE/permissions-config/users');
    expect(users.values).toEqual([
      expect.objectContaining({
        type: 'project_user_permission',
        permission: 'admin',
        user: expect.objectContaining({ account_id: '557058:margaret' }),
      }),
    ]);
    const groups = await collect(sim.url, '/2.0/workspaces/acme/projects/CORE/permissions-config/groups');
    expect(groups.values.map((g) => [g.group.slug, g.permission])).toEqual([
      ['developers', 'create-repo'],
      ['administrators', 'admin'],
    ]);
    const one = await call(
      sim.url,
      '/2.0/workspaces/acme/projects/CORE/permissions-config/groups/developers',
    );
    expect(one.json).toMatchObject({
      type: 'project_group_permission',
      permission: 'create-repo',
      project: { key: 'CORE' },
    });
    expect(
      (await call(sim.url, '/2.0/workspaces/acme/projects/CORE/permissions-config/users/557058:alan')).status,
    ).toBe(404);
    expect((await call(sim.url, '/2.0/workspaces/acme/projects/NOPE/permissions-config/users')).status).toBe(
      404,
    );
  });

  it('lists and gets repository grants, by account_id or {uuid}', async () => {
    const users = await collect(sim.url, '/2.0/repositories/acme/api/permissions-config/users');
    expect(users.values).toEqual([
      expect.objectContaining({ type: 'repository_user_permission', permission: 'admin' }),
    ]);
    const dennis = users.values[0].user;
    const byUuid = await call(
      sim.url,
      `/2.0/repositories/acme/api/permissions-config/users/${encodeURIComponent(dennis.uuid)}`,
    );
    expect(byUuid.json).toMatchObject({ permission: 'admin', repository: { full_name: 'acme/api' } });
    const groups = await collect(sim.url, '/2.0/repositories/acme/api/permissions-config/groups');
    expect(groups.values.map((g) => g.group.slug)).toEqual(['developers', 'qa']);
    expect((await call(sim.url, '/2.0/repositories/acme/nope/permissions-config/groups')).status).toBe(404);
  });

  it('GET /1.0/groups/{ws} is one unpaged array with members and default permissions', async () => {
    const answer = await call(sim.url, '/1.0/groups/acme');
    expect(Array.isArray(answer.json)).toBe(true);
    expect(
      answer.json.map((g: { slug: string; permission: string | null }) => [g.slug, g.permission]),
    ).toEqual([
      ['developers', 'write'],
      ['administrators', null],
      ['qa', 'read'],
      ['contractors', null],
    ]);
    expect(answer.json[0].members[0]).toMatchObject({
      account_id: '557058:alan',
      display_name: 'Alan Turing',
    });
    expect(answer.json[0]).toMatchObject({ name: 'Developers', auto_add: false });
    expect((await call(sim.url, `/1.0/groups/${encodeURIComponent(ACME_UUID)}`)).status).toBe(404);
  });

  it('unknown paths are 404 and wrong methods 405', async () => {
    expect((await call(sim.url, '/2.0/nothing/here')).status).toBe(404);
    expect((await call(sim.url, '/2.0/workspaces/acme', { method: 'DELETE' })).status).toBe(405);
  });
});
