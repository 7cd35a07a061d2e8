// Credentials and what each may do: Basic API tokens with scopes, OAuth client credentials, access tokens,
// 401s, capability 403s, and the rolling-hour request budget answering 429 text/plain.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../lib/simulator/index.js';
import { startSimulator } from '../../../lib/simulator/index.js';
import { adaAuth, basic, bearer, call, control } from './support/client.js';

let sim: RunningSimulator;
let clock = Date.parse('2026-11-28T12:00:00Z');

async function oauthToken(base: string, clientId = 'cid', secret = 'cs') {
  const response = await fetch(`${base}/site/oauth2/access_token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, json: (await response.json()) as any };
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo', now: () => clock, oauthTokenTtlSeconds: 3600 });
});
afterAll(() => sim.stop());
afterEach(async () => {
  await control(sim.url, 'reset', 'POST');
});

describe('authentication', () => {
  it('refuses missing, wrong and unknown credentials with 401', async () => {
    expect((await call(sim.url, '/2.0/user', { auth: null })).status).toBe(401);
    expect((await call(sim.url, '/2.0/user', { auth: basic('ada@example.com', 'wrong') })).status).toBe(401);
    expect((await call(sim.url, '/2.0/user', { auth: bearer('nope') })).status).toBe(401);
    expect((await call(sim.url, '/2.0/user', { auth: 'Digest abc' })).status).toBe(401);
  });

  it('accepts the API token with any case of e-mail', async () => {
    const me = await call(sim.url, '/2.0/user', { auth: basic('ADA@example.com', 't0k3n') });
    expect(me.json.account_id).toBe('557058:ada');
  });

  it('issues OAuth tokens for client credentials; they expire', async () => {
    const issued = await oauthToken(sim.url);
    expect(issued.status).toBe(200);
    expect(issued.json).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(typeof issued.json.access_token).toBe('string');
    const me = await call(sim.url, '/2.0/user', { auth: bearer(issued.json.access_token) });
    expect(me.json.account_id).toBe('557058:ada');
    clock += 3_600_000;
    expect((await call(sim.url, '/2.0/user', { auth: bearer(issued.json.access_token) })).status).toBe(401);
  });

  it('refuses bad client credentials and other grant types', async () => {
    expect((await oauthToken(sim.url, 'cid', 'wrong')).json.error).toBe('invalid_client');
    const response = await fetch(`${sim.url}/site/oauth2/access_token`, {
      method: 'POST',
      headers: { authorization: basic('cid', 'cs'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    expect(response.status).toBe(400);
  });

  it('access tokens see only their own workspace', async () => {
    const token = bearer('wat');
    const workspaces = await call(sim.url, '/2.0/user/workspaces', { auth: token });
    expect(workspaces.json.values.map((v: any) => v.workspace.slug)).toEqual(['acme']);
    expect((await call(sim.url, '/2.0/repositories/acme', { auth: token })).json.size).toBe(10);
    expect((await call(sim.url, '/2.0/user', { auth: token })).json.type).toBe('user');
  });
});

describe('capabilities', () => {
  it('an API token without read:repository gets 401 reading repositories, and 200 elsewhere', async () => {
    const alan = basic('alan@example.com', 'alan-read-token');
    expect((await call(sim.url, '/2.0/workspaces/acme', { auth: alan })).status).toBe(200);
    const refused = await call(sim.url, '/2.0/repositories/acme', { auth: alan });
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({
      type: 'error',
      error: { message: 'Token is invalid, expired, or not supported for this endpoint.' },
    });
    expect((await call(sim.url, '/2.0/user', { auth: alan })).status).toBe(200);
  });

  it('access tokens cannot read permissions, permissions-config or groups', async () => {
    const token = bearer('wat');
    for (const path of [
      '/2.0/workspaces/acme/permissions',
      '/2.0/workspaces/acme/permissions/repositories',
      '/2.0/workspaces/acme/projects/CORE/permissions-config/users',
      '/2.0/repositories/acme/api/permissions-config/groups',
      '/1.0/groups/acme',
    ])
      expect((await call(sim.url, path, { auth: token })).status, path).toBe(403);
  });

  it('OAuth and access tokens get 403 on permission writes; the API token may write', async () => {
    const oauth = bearer((await oauthToken(sim.url)).json.access_token);
    const path = '/2.0/repositories/acme/api/permissions-config/users/557058:alan';
    for (const auth of [oauth, bearer('wat')]) {
      expect((await call(sim.url, path, { method: 'PUT', auth, body: { permission: 'read' } })).status).toBe(
        403,
      );
      expect((await call(sim.url, path, { method: 'DELETE', auth })).status).toBe(403);
    }
    // OAuth may still read what its owner may read.
    expect((await call(sim.url, '/2.0/workspaces/acme/permissions', { auth: oauth })).status).toBe(200);
    expect(
      (await call(sim.url, path, { method: 'PUT', auth: adaAuth, body: { permission: 'read' } })).status,
    ).toBe(200);
  });

  it('a plain member is refused permission reads and hook management', async () => {
    const sim2 = await startSimulator({
      seed: {
        ...(await control(sim.url, 'state')).json,
        credentials: [{ kind: 'api-token', email: 'ken@example.com', token: 'k', accountId: '557058:ken' }],
      },
    });
    try {
      const ken = basic('ken@example.com', 'k');
      expect((await call(sim2.url, '/2.0/workspaces/acme', { auth: ken })).status).toBe(200);
      expect((await call(sim2.url, '/2.0/workspaces/acme/permissions', { auth: ken })).status).toBe(403);
      expect((await call(sim2.url, '/1.0/groups/acme', { auth: ken })).status).toBe(403);
      expect((await call(sim2.url, '/2.0/workspaces/acme/hooks', { auth: ken })).status).toBe(403);
      // Members see the repositories they reach plus public ones: ken (developers) reaches CORE and WEB.
      const repos = await call(sim2.url, '/2.0/repositories/acme?pagelen=100', { auth: ken });
      expect(repos.json.values.map((r: any) => r.slug)).not.toContain('secrets-rotation');
      expect(repos.json.values.map((r: any) => r.slug)).toContain('website');
    } finally {
      await sim2.stop();
    }
  });
});

describe('rolling-hour budget', () => {
  it('answers 429 text/plain without Retry-After once the budget is spent, per identity, and recovers', async () => {
    let now = Date.parse('2026-11-28T00:00:00Z');
    const limited = await startSimulator({ seed: 'demo', hourlyRequestLimit: 5, now: () => now });
    try {
      for (let i = 0; i < 5; i++) expect((await call(limited.url, '/2.0/user')).status).toBe(200);
      const refused = await call(limited.url, '/2.0/user');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(refused.headers.get('retry-after')).toBeNull();
      expect(refused.text).toBe('Rate limit for this resource has been exceeded');
      // Another identity has its own window; 401s count towards nobody.
      expect((await call(limited.url, '/2.0/user', { auth: basic('ada@example.com', 'bad') })).status).toBe(
        401,
      );
      expect((await call(limited.url, '/2.0/user', { auth: bearer('wat') })).status).toBe(200);
      now += 3_600_001;
      expect((await call(limited.url, '/2.0/user')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('POST /_simulator/clock moves the window when no clock was injected', async () => {
    const limited = await startSimulator({ seed: 'demo', hourlyRequestLimit: 2 });
    try {
      await call(limited.url, '/2.0/user');
      await call(limited.url, '/2.0/user');
      expect((await call(limited.url, '/2.0/user')).status).toBe(429);
      expect((await control(limited.url, 'clock', 'POST', { advanceMs: 3_600_001 })).status).toBe(200);
      expect((await call(limited.url, '/2.0/user')).status).toBe(200);
      expect((await control(sim.url, 'clock', 'POST', { advanceMs: 1 })).status).toBe(409);
    } finally {
      await limited.stop();
    }
  });
});
