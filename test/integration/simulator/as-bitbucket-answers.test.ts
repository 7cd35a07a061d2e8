// The simulator answers the way Bitbucket Cloud does (issue 17): 401 for a scope the API token lacks (per
// endpoint) and for a token without scopes, 403 with X-Accepted-OAuth-Scopes for OAuth, pagelen above the
// endpoint's cap refused, 429 without Retry-After unless asked, no collaborator role, user grants only for
// members who are not owners, and hook creation gated by the scopes of its events.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator, SeedDocument } from '../../../lib/simulator/index.js';
import { generateSeed, loadSeed, startSimulator } from '../../../lib/simulator/index.js';
import { ALL_SCOPES } from '../../../lib/simulator/generate.js';
import { PAGELEN_CAPS } from '../../../lib/simulator/paging.js';
import { adaAuth, basic, bearer, call, collect, control } from './support/client.js';

const REFUSED = {
  type: 'error',
  error: { message: 'Token is invalid, expired, or not supported for this endpoint.' },
};
const READ_SIDE = [
  'read:workspace:bitbucket',
  'read:user:bitbucket',
  'read:repository:bitbucket',
  'read:webhook:bitbucket',
];
const without = (...scopes: string[]) => ALL_SCOPES.filter((s) => !scopes.includes(s));

/** The demo workspace plus credentials of Ada's with narrower scopes. */
function scopedSeed(): SeedDocument {
  const seed = loadSeed('demo');
  const ada = '557058:ada';
  seed.credentials.push(
    { kind: 'api-token', email: 'empty@example.com', token: 'none', accountId: ada, scopes: [] },
    { kind: 'api-token', email: 'noproject@example.com', token: 'np', accountId: ada, scopes: READ_SIDE },
    {
      kind: 'api-token',
      email: 'nowrite@example.com',
      token: 'nw',
      accountId: ada,
      scopes: without('write:permission:bitbucket'),
    },
    {
      kind: 'api-token',
      email: 'nopr@example.com',
      token: 'npr',
      accountId: ada,
      scopes: without('read:pullrequest:bitbucket'),
    },
    {
      kind: 'oauth-client-credentials',
      clientId: 'narrow',
      clientSecret: 'narrow-secret',
      accountId: ada,
      scopes: ['read:workspace:bitbucket', 'read:user:bitbucket', 'read:webhook:bitbucket'],
    },
  );
  return seed;
}

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: scopedSeed() });
});
afterAll(() => sim.stop());
afterEach(async () => {
  await control(sim.url, 'reset', 'POST');
});

async function oauth(clientId: string, secret: string): Promise<string> {
  const response = await fetch(`${sim.url}/site/oauth2/access_token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('scopes', () => {
  it('a token without read:project gets 401 on project listings alone; every other listing answers', async () => {
    const auth = basic('noproject@example.com', 'np');
    for (const path of [
      '/2.0/workspaces/acme/projects',
      '/2.0/workspaces/acme/projects/CORE/permissions-config/users',
      '/2.0/workspaces/acme/projects/CORE/permissions-config/groups',
    ]) {
      const refused = await call(sim.url, path, { auth });
      expect(refused.status, path).toBe(401);
      expect(refused.json, path).toEqual(REFUSED);
      expect(refused.headers.get('x-accepted-oauth-scopes'), path).toBeNull();
    }
    for (const path of [
      '/2.0/user',
      '/2.0/user/workspaces',
      '/2.0/workspaces/acme/permissions',
      '/1.0/groups/acme',
      '/2.0/repositories/acme',
      '/2.0/repositories/acme/api/permissions-config/users',
      '/2.0/workspaces/acme/hooks',
    ])
      expect((await call(sim.url, path, { auth })).status, path).toBe(200);
  });

  it('a token created without scopes gets 401 everywhere, /2.0/user included', async () => {
    const auth = basic('empty@example.com', 'none');
    for (const path of ['/2.0/user', '/2.0/workspaces/acme', '/2.0/repositories/acme', '/1.0/groups/acme']) {
      const refused = await call(sim.url, path, { auth });
      expect(refused.status, path).toBe(401);
      expect(refused.json, path).toEqual(REFUSED);
    }
  });

  it('a permission write without write:permission is 401 for the API token; reads still answer', async () => {
    const auth = basic('nowrite@example.com', 'nw');
    const path = '/2.0/repositories/acme/api/permissions-config/users/557058:alan';
    const refused = await call(sim.url, path, { method: 'PUT', auth, body: { permission: 'read' } });
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual(REFUSED);
    expect((await call(sim.url, path, { method: 'DELETE', auth })).status).toBe(404);
    expect(
      (await call(sim.url, '/2.0/repositories/acme/api/permissions-config/users', { auth })).status,
    ).toBe(200);
  });

  it('an OAuth consumer without the scope gets 403 naming the scopes the endpoint wants', async () => {
    const auth = bearer(await oauth('narrow', 'narrow-secret'));
    expect((await call(sim.url, '/2.0/workspaces/acme', { auth })).status).toBe(200);
    const refused = await call(sim.url, '/2.0/repositories/acme', { auth });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-accepted-oauth-scopes')).toBe('read:repository:bitbucket');
    const write = await call(sim.url, '/2.0/workspaces/acme/projects/CORE/permissions-config/groups/qa', {
      method: 'PUT',
      auth,
      body: { permission: 'read' },
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('x-accepted-oauth-scopes')).toBe(
      'admin:project:bitbucket, write:permission:bitbucket',
    );
  });

  it('authenticated but not allowed stays 403, without scope headers', async () => {
    const oauthToken = bearer(await oauth('cid', 'cs'));
    const write = await call(sim.url, '/2.0/repositories/acme/api/permissions-config/users/557058:alan', {
      method: 'PUT',
      auth: oauthToken,
      body: { permission: 'read' },
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('x-accepted-oauth-scopes')).toBeNull();
    expect((await call(sim.url, '/2.0/workspaces/acme/permissions', { auth: bearer('wat') })).status).toBe(
      403,
    );
  });
});

describe('pagelen', () => {
  const paths: Record<string, string> = {
    '/2.0/user/workspaces': '/2.0/user/workspaces',
    '/2.0/workspaces/{workspace}/members': '/2.0/workspaces/acme/members',
    '/2.0/workspaces/{workspace}/permissions': '/2.0/workspaces/acme/permissions',
    '/2.0/workspaces/{workspace}/permissions/repositories': '/2.0/workspaces/acme/permissions/repositories',
    '/2.0/workspaces/{workspace}/projects': '/2.0/workspaces/acme/projects',
    '/2.0/repositories/{workspace}': '/2.0/repositories/acme',
    '/2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/users':
      '/2.0/workspaces/acme/projects/CORE/permissions-config/users',
    '/2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/groups':
      '/2.0/workspaces/acme/projects/CORE/permissions-config/groups',
    '/2.0/repositories/{workspace}/{repo_slug}/permissions-config/users':
      '/2.0/repositories/acme/api/permissions-config/users',
    '/2.0/repositories/{workspace}/{repo_slug}/permissions-config/groups':
      '/2.0/repositories/acme/api/permissions-config/groups',
    '/2.0/workspaces/{workspace}/hooks': '/2.0/workspaces/acme/hooks',
  };

  it('every paged route takes its cap and refuses one more with 400 "Invalid pagelen"', async () => {
    expect(Object.keys(paths).sort()).toEqual(Object.keys(PAGELEN_CAPS).sort());
    for (const [template, path] of Object.entries(paths)) {
      const cap = PAGELEN_CAPS[template]!;
      expect((await call(sim.url, `${path}?pagelen=${cap}`)).status, path).toBe(200);
      const refused = await call(sim.url, `${path}?pagelen=${cap + 1}`);
      expect(refused.status, path).toBe(400);
      expect(refused.json.error.message, path).toBe('Invalid pagelen');
    }
  });

  it('a lowered cap (pageLenCaps) refuses what it no longer takes', async () => {
    const capped = await startSimulator({
      seed: 'demo',
      pageLenCaps: { '/2.0/workspaces/{workspace}/projects': 50 },
    });
    try {
      expect((await call(capped.url, '/2.0/workspaces/acme/projects?pagelen=50')).status).toBe(200);
      expect((await call(capped.url, '/2.0/workspaces/acme/projects?pagelen=51')).status).toBe(400);
      expect((await call(capped.url, '/2.0/repositories/acme?pagelen=100')).status).toBe(200);
    } finally {
      await capped.stop();
    }
  });
});

describe('rate limit', () => {
  it('429 is text/plain without Retry-After by default; rateLimitRetryAfterSeconds adds one', async () => {
    const plain = await startSimulator({ seed: 'demo', hourlyRequestLimit: 1 });
    const told = await startSimulator({
      seed: 'demo',
      hourlyRequestLimit: 1,
      rateLimitRetryAfterSeconds: 42,
    });
    try {
      await call(plain.url, '/2.0/user');
      const refused = await call(plain.url, '/2.0/user');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(refused.text).toBe('Rate limit for this resource has been exceeded');
      expect(refused.headers.get('retry-after')).toBeNull();
      await call(told.url, '/2.0/user');
      const withHeader = await call(told.url, '/2.0/user');
      expect(withHeader.status).toBe(429);
      expect(withHeader.headers.get('retry-after')).toBe('42');
    } finally {
      await plain.stop();
      await told.stop();
    }
  });
});

describe('workspace roles', () => {
  it('produces owner and member only, in the demo and generated seeds', async () => {
    const demo = await collect(sim.url, '/2.0/workspaces/acme/permissions?pagelen=100');
    expect(new Set(demo.values.map((v) => v.permission))).toEqual(new Set(['owner', 'member']));
    const generated = generateSeed({ users: 400, groups: 3, projects: 2, repos: 5, seed: 9 });
    expect(new Set(generated.workspaces[0]!.members.map((m) => m.role))).toEqual(
      new Set(['owner', 'member']),
    );
  });

  it("reads a seed file's collaborator (CONTRACTS.md) as a member, and answers member", async () => {
    const seed = loadSeed('demo') as any;
    seed.workspaces[0].members[11].role = 'collaborator';
    const accountId = seed.workspaces[0].members[11].accountId as string;
    const withCollaborator = await startSimulator({ seed });
    try {
      const answered = await collect(withCollaborator.url, '/2.0/workspaces/acme/permissions?pagelen=100');
      expect(answered.values.find((v) => v.user.account_id === accountId)?.permission).toBe('member');
      seed.workspaces[0].members[11].role = 'guest';
      await expect(startSimulator({ seed })).rejects.toThrow(/members\[11\]\.role/);
    } finally {
      await withCollaborator.stop();
    }
  });
});

describe('user grants need a member who is not an owner', () => {
  const projectUsers = '/2.0/workspaces/acme/projects/CORE/permissions-config/users';
  const repoUsers = '/2.0/repositories/acme/api/permissions-config/users';

  async function withOutsider() {
    await control(sim.url, 'mutations', 'POST', {
      mutations: [
        {
          op: 'addMember',
          workspace: 'acme',
          accountId: '557058:zoe',
          user: { displayName: 'Zoe Outsider' },
        },
        { op: 'removeMember', workspace: 'acme', accountId: '557058:zoe' },
      ],
    });
  }

  it('a PUT for a user outside the workspace is 400 and adds nobody', async () => {
    await withOutsider();
    const before = (await control(sim.url, 'state')).json;
    for (const base of [projectUsers, repoUsers]) {
      const refused = await call(sim.url, `${base}/557058:zoe`, {
        method: 'PUT',
        body: { permission: 'read' },
      });
      expect(refused.status, base).toBe(400);
      expect(refused.json.error.message).toBe('The selected user is not a valid user to update.');
      expect(refused.json.error.detail).toMatch(/not a member of workspace acme/);
    }
    expect((await control(sim.url, 'state')).json).toEqual(before);
  });

  it('a PUT for a workspace owner is 400', async () => {
    for (const base of [projectUsers, repoUsers]) {
      const refused = await call(sim.url, `${base}/557058:grace`, {
        method: 'PUT',
        body: { permission: 'write' },
      });
      expect(refused.status, base).toBe(400);
      expect(refused.json.error.detail).toMatch(/owner of workspace acme/);
    }
  });

  it('members are granted as before; group PUTs are unchanged', async () => {
    expect(
      (await call(sim.url, `${projectUsers}/557058:alan`, { method: 'PUT', body: { permission: 'write' } }))
        .status,
    ).toBe(200);
    expect(
      (await call(sim.url, `${repoUsers}/557058:vendor`, { method: 'PUT', body: { permission: 'read' } }))
        .status,
    ).toBe(200);
    const group = await call(sim.url, '/2.0/repositories/acme/api/permissions-config/groups/contractors', {
      method: 'PUT',
      body: { permission: 'read' },
    });
    expect(group.status).toBe(200);
  });
});

describe('hook creation', () => {
  const hooks = '/2.0/workspaces/acme/hooks';
  const hook = (events: string[], secret?: string) => ({
    description: 'governance',
    url: 'http://127.0.0.1:9/hook',
    active: false,
    events,
    ...(secret === undefined ? {} : { secret }),
  });

  it('needs the scopes of its events: pull-request events without read:pullrequest are 401', async () => {
    const auth = basic('nopr@example.com', 'npr');
    const refused = await call(sim.url, hooks, {
      method: 'POST',
      auth,
      body: hook(['repo:push', 'pullrequest:created']),
    });
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual(REFUSED);
    const repoOnly = await call(sim.url, hooks, { method: 'POST', auth, body: hook(['repo:push']) });
    expect(repoOnly.status).toBe(201);
    const widened = await call(sim.url, `${hooks}/${encodeURIComponent(repoOnly.json.uuid)}`, {
      method: 'PUT',
      auth,
      body: { events: ['pullrequest:fulfilled'] },
    });
    expect(widened.status).toBe(401);
    expect((await call(sim.url, hooks, { method: 'POST', body: hook(['pullrequest:created']) })).status).toBe(
      201,
    );
  });

  it('repository events need read:repository; OAuth is told the scopes in X-Accepted-OAuth-Scopes', async () => {
    const auth = basic('noproject@example.com', 'np'); // read side only: no write:webhook
    expect((await call(sim.url, hooks, { method: 'POST', auth, body: hook(['repo:push']) })).status).toBe(
      401,
    );
    const narrow = bearer(await oauth('narrow', 'narrow-secret'));
    const refused = await call(sim.url, hooks, { method: 'POST', auth: narrow, body: hook(['repo:push']) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-accepted-oauth-scopes')).toBe(
      'read:webhook:bitbucket, write:webhook:bitbucket',
    );
  });

  it('refuses a secret above 128 characters with 400', async () => {
    const long = await call(sim.url, hooks, { method: 'POST', body: hook(['repo:push'], 'x'.repeat(129)) });
    expect(long.status).toBe(400);
    expect(long.json.error.message).toMatch(/^secret: .*128/);
    const fits = await call(sim.url, hooks, { method: 'POST', body: hook(['repo:push'], 'x'.repeat(128)) });
    expect(fits.status).toBe(201);
    const update = await call(sim.url, `${hooks}/${encodeURIComponent(fits.json.uuid)}`, {
      method: 'PUT',
      auth: adaAuth,
      body: { secret: 'y'.repeat(200) },
    });
    expect(update.status).toBe(400);
  });
});
