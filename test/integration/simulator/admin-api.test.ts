// The Atlassian Admin API on the simulator's port, over real HTTP: organization API keys (401/403), cursor
// paging, group and user search filters, role assignments, membership writes and what Bitbucket's routes
// then answer, the IdP-managed refusal, the user limit, the per-organization rate window, faults and the
// request log.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator, SeedDocument } from '../../../lib/simulator/index.js';
import { loadSeed, startSimulator } from '../../../lib/simulator/index.js';
import { basic, bearer, call, control } from './support/client.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seeds/org-acme.json', import.meta.url));
const ada = basic('ada@example.com', 'org-acme-t0k3n');
const ORG = '/admin/v2/orgs/org-1';
const DIR = `${ORG}/directories/dir-1`;
const KEY = bearer('org-key');
const ACME_ARI = 'ari:cloud:bitbucket::workspace/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

/** The fixture plus a second organization (no workspaces) to tell "unknown key" from "another org's key". */
function seedWithTwoOrgs(): SeedDocument {
  const seed = loadSeed(FIXTURE);
  seed.organizations!.push({
    id: 'org-2',
    apiKey: 'org-2-key',
    directoryId: 'dir-2',
    workspaces: [],
    groups: [],
  });
  return seed;
}

let sim: RunningSimulator;
const admin = (path: string, init: { method?: string; body?: unknown; auth?: string | null } = {}) =>
  call(sim.url, path, { auth: KEY, ...init });
const search = (path: string, body: unknown) => admin(path, { method: 'POST', body });
const members = async (group: string) =>
  (await call(sim.url, '/1.0/groups/acme', { auth: ada })).json
    .find((g: any) => g.slug === group)
    .members.map((m: any) => m.account_id);
const roles = async () =>
  Object.fromEntries(
    (await call(sim.url, '/2.0/workspaces/acme/permissions?pagelen=100', { auth: ada })).json.values.map(
      (v: any) => [v.user.account_id, v.permission],
    ),
  );

beforeAll(async () => {
  sim = await startSimulator({ seed: seedWithTwoOrgs() });
});
afterAll(() => sim.stop());
afterEach(async () => {
  await control(sim.url, 'reset', 'POST');
});

describe('authentication', () => {
  it('401 without a key or with an unknown key, 403 with another organization’s key; the key is never echoed', async () => {
    const none = await admin(`${ORG}/directories`, { auth: null });
    expect(none.status).toBe(401);
    expect(none.json).toEqual({
      errors: [{ status: '401', code: 'UNAUTHORIZED', title: 'Unauthorized', detail: expect.any(String) }],
    });
    const wrong = await admin(`${ORG}/directories`, { auth: bearer('not-a-key') });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('not-a-key');
    expect(
      (await admin(`${ORG}/directories`, { auth: basic('ada@example.com', 'org-acme-t0k3n') })).status,
    ).toBe(401);
    const other = await admin(`${ORG}/directories`, { auth: bearer('org-2-key') });
    expect(other.status).toBe(403);
    expect(other.json.errors[0]).toMatchObject({ status: '403', code: 'FORBIDDEN', title: 'Forbidden' });
    expect(other.text).not.toContain('org-2-key');
    expect((await admin('/admin/v2/orgs/org-nowhere/directories', { auth: bearer('nope') })).status).toBe(
      401,
    );
    expect((await admin('/admin/v2/orgs/org-nowhere/directories')).status).toBe(403);
    // The org key is no Bitbucket credential.
    expect((await call(sim.url, '/2.0/user', { auth: KEY })).status).toBe(401);
  });
});

describe('reading the organization', () => {
  it('lists the directory and the organization’s workspaces', async () => {
    const directories = await admin(`${ORG}/directories`);
    expect(directories.status).toBe(200);
    expect(directories.json).toEqual({
      data: [{ directoryId: 'dir-1', name: expect.any(String) }],
      links: { next: null },
    });
    const workspaces = await search(`${ORG}/workspaces`, {});
    expect(workspaces.json).toEqual({
      data: [
        {
          id: ACME_ARI,
          type: 'workspace',
          attributes: {
            name: 'Acme',
            typeKey: 'bitbucket',
            slug: 'acme',
            hostUrl: 'https://bitbucket.org/acme',
          },
        },
      ],
      links: { next: null },
    });
  });

  it('searches groups by resource, role, name, term, member and id, in one directory or every one (-)', async () => {
    const ids = async (body: unknown, directory = 'dir-1') => {
      const answer = await search(`${ORG}/directories/${directory}/groups/search`, body);
      expect(answer.status).toBe(200);
      return answer.json.data.map((g: any) => g.id);
    };
    const all = ['g-developers', 'g-bb-admins', 'g-contractors'];
    expect(await ids({})).toEqual(all);
    expect(await ids({}, '-')).toEqual(all);
    expect(await ids({ resourceIds: [ACME_ARI] })).toEqual(all);
    expect(
      await ids({ resourceIds: ['ari:cloud:bitbucket::workspace/00000000-0000-4000-8000-000000000000'] }),
    ).toEqual([]);
    expect(await ids({ roleIds: ['atlassian/admin'] })).toEqual(['g-bb-admins']);
    expect(await ids({ roleIds: ['atlassian/user'], resourceIds: [ACME_ARI] })).toEqual([
      'g-developers',
      'g-contractors',
    ]);
    expect(await ids({ groupNames: ['Developers', 'developers'] })).toEqual(['g-developers']);
    expect(await ids({ searchTerm: 'ADMIN' })).toEqual(['g-bb-admins']);
    expect(await ids({ accountIds: ['557058:vendor', '557058:grace'] })).toEqual([
      'g-bb-admins',
      'g-contractors',
    ]);
    expect(await ids({ groupIds: ['g-contractors'] })).toEqual(['g-contractors']);
    expect((await search(`${ORG}/directories/dir-9/groups/search`, {})).status).toBe(404);
    expect((await search(`${ORG}/directories/dir-1/groups/search`, { groupIds: 'g-1' })).status).toBe(400);
  });

  it('answers one group with its IdP sync state, and 404 for an unknown one', async () => {
    const group = await admin(`${DIR}/groups/g-contractors`);
    expect(group.json).toEqual({
      data: {
        id: 'g-contractors',
        name: 'Contractors',
        description: '',
        directoryId: 'dir-1',
        externalSynced: true,
        managementAccess: { readable: true, modifiable: false, deletable: false },
      },
    });
    expect((await admin(`${ORG}/directories/-/groups/g-developers`)).json.data).toMatchObject({
      externalSynced: false,
      managementAccess: { modifiable: true, deletable: true },
    });
    const unknown = await admin(`${DIR}/groups/g-nobody`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.errors[0]).toMatchObject({ status: '404', code: 'NOT_FOUND' });
  });

  it('answers a group’s role assignments on workspace ARIs', async () => {
    const admins = await admin(`${DIR}/groups/g-bb-admins/role-assignments`);
    expect(admins.json).toEqual({
      data: [{ principalId: 'g-bb-admins', resourceId: ACME_ARI, roleId: 'atlassian/admin' }],
      links: { next: null },
    });
    expect((await admin(`${DIR}/groups/g-developers/role-assignments`)).json.data[0].roleId).toBe(
      'atlassian/user',
    );
  });

  it('searches the organization’s users (group and workspace members), with filters and expand=groups', async () => {
    const usersOf = async (body: unknown) =>
      (await search(`${DIR}/users/search`, body)).json.data.map((u: any) => u.accountId);
    // ken is in no group and no workspace: not a user of the organization.
    expect(await usersOf({})).toEqual(
      ['ada', 'grace', 'alan', 'linus', 'margaret', 'vendor', 'radia'].map((n) => `557058:${n}`),
    );
    expect(await usersOf({ groupIds: ['g-bb-admins', 'g-contractors'] })).toEqual([
      '557058:grace',
      '557058:vendor',
    ]);
    expect(await usersOf({ emails: ['ALAN@example.com'] })).toEqual(['557058:alan']);
    expect(await usersOf({ accountIds: ['557058:radia', '557058:ken'] })).toEqual(['557058:radia']);
    expect(await usersOf({ accountStatus: ['inactive'] })).toEqual([]);
    const expanded = await search(`${DIR}/users/search`, { accountIds: ['557058:alan'], expand: ['groups'] });
    expect(expanded.json.data).toEqual([
      {
        accountId: '557058:alan',
        name: 'Alan Turing',
        nickname: 'alan',
        email: 'alan@example.com',
        accountStatus: 'active',
        groups: [{ id: 'g-developers', name: 'Developers' }],
      },
    ]);
    const plain = await search(`${DIR}/users/search`, { accountIds: ['557058:alan'] });
    expect(plain.json.data[0]).not.toHaveProperty('groups');
  });
});

describe('paging', () => {
  it('walks with links.next; a cursor keeps its filters and limit and discards the other parameters', async () => {
    const path = `${DIR}/users/search`;
    const first = await search(path, { limit: 2, groupIds: ['g-developers', 'g-bb-admins'] });
    expect(first.json.data.map((u: any) => u.accountId)).toEqual(['557058:grace', '557058:alan']);
    expect(typeof first.json.links.next).toBe('string');
    // The filters in the body are discarded: the cursor's are used.
    const second = await search(path, {
      cursor: first.json.links.next,
      limit: 100,
      groupIds: ['g-contractors'],
    });
    expect(second.json.data.map((u: any) => u.accountId)).toEqual(['557058:linus', '557058:margaret']);
    expect(second.json.links.next).toBeNull();

    let next: string | null = null;
    const seen: string[] = [];
    do {
      const page: any = await admin(
        `${DIR}/groups/g-developers/role-assignments?limit=1${next ? `&cursor=${encodeURIComponent(next)}` : ''}`,
      );
      seen.push(...page.json.data.map((a: any) => a.roleId));
      next = page.json.links.next;
    } while (next);
    expect(seen).toEqual(['atlassian/user']);

    const groups = await search(`${DIR}/groups/search`, { limit: 1 });
    const groupsNext = await search(`${DIR}/groups/search`, { cursor: groups.json.links.next });
    expect(groupsNext.json.data.map((g: any) => g.id)).toEqual(['g-bb-admins']);
  });

  it('refuses limits outside 1..100 and bad or foreign cursors with 400', async () => {
    for (const limit of [0, 101, 1.5, 'ten'])
      expect((await search(`${DIR}/groups/search`, { limit })).status).toBe(400);
    expect((await admin(`${ORG}/directories?limit=0`)).status).toBe(400);
    expect((await admin(`${ORG}/directories?limit=100`)).status).toBe(200);
    expect((await search(`${DIR}/groups/search`, { cursor: 'garbage!' })).status).toBe(400);
    const users = await search(`${DIR}/users/search`, { limit: 1 });
    const foreign = await search(`${DIR}/groups/search`, { cursor: users.json.links.next });
    expect(foreign.status).toBe(400);
    expect(foreign.json.errors[0]).toMatchObject({ status: '400', title: 'Bad Request' });
  });
});

describe('membership writes', () => {
  it('POST adds to the org group: Bitbucket’s 1.0 groups, workspace roles and repository access follow', async () => {
    const path = `${DIR}/groups/g-developers/memberships`;
    const added = await admin(path, { method: 'POST', body: { accountId: '557058:ken' } });
    expect(added.status).toBe(204);
    expect(added.text).toBe('');
    expect(await members('developers')).toContain('557058:ken');
    expect((await roles())['557058:ken']).toBe('member');
    const grant = await call(sim.url, '/2.0/workspaces/acme/permissions/repositories?pagelen=100', {
      auth: ada,
    });
    expect(
      grant.json.values.find((v: any) => v.user.account_id === '557058:ken' && v.repository.slug === 'api')
        ?.permission,
    ).toBe('write');
    // Again: still 204, nothing changes.
    expect((await admin(path, { method: 'POST', body: { accountId: '557058:ken' } })).status).toBe(204);

    // The admin role makes owners.
    await admin(`${DIR}/groups/g-bb-admins/memberships`, {
      method: 'POST',
      body: { accountId: '557058:ken' },
    });
    expect((await roles())['557058:ken']).toBe('owner');
  });

  it('DELETE removes from the org group (204), then answers 404; the user leaves the workspace', async () => {
    const path = `${DIR}/groups/g-developers/memberships/557058:alan`;
    expect((await admin(path, { method: 'DELETE' })).status).toBe(204);
    expect(await members('developers')).not.toContain('557058:alan');
    expect(await roles()).not.toHaveProperty('557058:alan');
    const again = await admin(path, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(again.json.errors[0]).toMatchObject({ status: '404', code: 'NOT_FOUND' });
  });

  it('refuses IdP-managed groups with 403 GROUP_MANAGED_BY_IDENTITY_PROVIDER and changes nothing', async () => {
    const before = (await control(sim.url, 'state')).json;
    const refusal = {
      errors: [
        {
          status: '403',
          code: 'GROUP_MANAGED_BY_IDENTITY_PROVIDER',
          title: 'Forbidden',
          detail: 'This group is synced from an identity provider; change its members there.',
        },
      ],
    };
    const post = await admin(`${DIR}/groups/g-contractors/memberships`, {
      method: 'POST',
      body: { accountId: '557058:ken' },
    });
    expect(post.status).toBe(403);
    expect(post.json).toEqual(refusal);
    const del = await admin(`${DIR}/groups/g-contractors/memberships/557058:vendor`, { method: 'DELETE' });
    expect(del.status).toBe(403);
    expect(del.json).toEqual(refusal);
    expect((await control(sim.url, 'state')).json).toEqual(before);
  });

  it('answers 400 without accountId, 404 for an unknown account or group', async () => {
    const path = `${DIR}/groups/g-developers/memberships`;
    expect((await admin(path, { method: 'POST', body: {} })).status).toBe(400);
    expect((await admin(path, { method: 'POST' })).status).toBe(400);
    expect((await admin(path, { method: 'POST', body: { accountId: '557058:ghost' } })).status).toBe(404);
    expect(
      (await admin(`${DIR}/groups/g-x/memberships`, { method: 'POST', body: { accountId: '557058:ken' } }))
        .status,
    ).toBe(404);
  });

  it('answers 400 USER_LIMIT_EXCEEDED when the group would push a workspace past its plan user limit', async () => {
    const seed = loadSeed(FIXTURE);
    seed.workspaces[0]!.planUserLimit = 7; // ada, radia, alan, linus, margaret, grace, vendor
    const limited = await startSimulator({ seed });
    try {
      const full = await call(limited.url, `${DIR}/groups/g-developers/memberships`, {
        method: 'POST',
        auth: KEY,
        body: { accountId: '557058:ken' },
      });
      expect(full.status).toBe(400);
      expect(full.json.errors[0]).toMatchObject({ status: '400', code: 'USER_LIMIT_EXCEEDED' });
      // A workspace member joining another group takes no seat.
      const seatless = await call(limited.url, `${DIR}/groups/g-developers/memberships`, {
        method: 'POST',
        auth: KEY,
        body: { accountId: '557058:radia' },
      });
      expect(seatless.status).toBe(204);
    } finally {
      await limited.stop();
    }
  });
});

describe('rate limit, faults and the request log', () => {
  it('keeps a fixed window per organization with X-RateLimit-* headers; over it 429 with Retry-After', async () => {
    const limited = await startSimulator({
      seed: seedWithTwoOrgs(),
      adminRateLimit: { limit: 2, windowMs: 60_000 },
    });
    try {
      const get = (key = KEY) => call(limited.url, `${ORG}/directories`, { auth: key });
      const first = await get();
      expect(first.headers.get('x-ratelimit-limit')).toBe('2');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
      const reset = Date.parse(first.headers.get('x-ratelimit-reset') ?? '');
      expect(reset).toBeGreaterThan(Date.now());
      expect(first.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect((await get()).headers.get('x-ratelimit-remaining')).toBe('0');
      const over = await get();
      expect(over.status).toBe(429);
      expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(over.json.errors[0]).toMatchObject({ status: '429', code: 'TOO_MANY_REQUESTS' });
      // Another organization and Bitbucket's API have budgets of their own.
      expect(
        (await call(limited.url, '/admin/v2/orgs/org-2/directories', { auth: bearer('org-2-key') })).status,
      ).toBe(200);
      expect((await call(limited.url, '/2.0/user', { auth: ada })).status).toBe(200);
      await control(limited.url, 'clock', 'POST', { advanceMs: 60_000 });
      expect((await get()).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('lets faults target Admin API routes: one forced 429 with headers, then a 503', async () => {
    await control(sim.url, 'faults', 'POST', {
      faults: [
        { kind: 'status', status: 429, match: { pathPrefix: `${DIR}/groups/search` } },
        { kind: 'status', status: 503, match: { pathPrefix: `${ORG}/workspaces`, identity: 'org:org-1' } },
      ],
    });
    const forced = await search(`${DIR}/groups/search`, {});
    expect(forced.status).toBe(429);
    expect(forced.headers.get('retry-after')).not.toBeNull();
    expect(forced.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(forced.headers.get('x-ratelimit-reset')).not.toBeNull();
    expect(forced.json.errors[0]).toMatchObject({ status: '429' });
    expect((await search(`${DIR}/groups/search`, {})).status).toBe(200);
    const unavailable = await search(`${ORG}/workspaces`, {});
    expect(unavailable.status).toBe(503);
    expect(unavailable.json.errors[0]).toMatchObject({ status: '503' });
  });

  it('records Admin API requests by route template and org identity, as Bitbucket’s', async () => {
    await control(sim.url, 'requests', 'DELETE');
    await admin(`${DIR}/groups/g-developers/memberships`, {
      method: 'POST',
      body: { accountId: '557058:ken' },
    });
    await admin(`${ORG}/directories`, { auth: null });
    const log = (await control(sim.url, 'requests')).json;
    expect(log.total).toBe(2);
    expect(log.byIdentity).toEqual({ 'org:org-1': 1, anonymous: 1 });
    expect(log.byRoute).toEqual(
      expect.arrayContaining([
        {
          method: 'POST',
          route: 'POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships',
          identity: 'org:org-1',
          count: 1,
        },
        { method: 'GET', route: 'GET /admin/v2/orgs/{orgId}/directories', identity: 'anonymous', count: 1 },
      ]),
    );
    expect(log.byRoute.some((r: any) => r.route.startsWith('PUT /1.0/'))).toBe(false);
  });
});
