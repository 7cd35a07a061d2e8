// Each auth mode, OAuth token caching/refresh/expiry and secret rotation, against the simulator over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBitbucketClient, Forbidden, Unauthorized } from '../../../lib/bitbucket/index.js';
import type { Credential } from '../../../lib/config/schemas.js';
import type { SecretProvider } from '../../../lib/config/secrets.js';
import { startSimulator, type RunningSimulator } from '../../../lib/simulator/index.js';
import { fixedCredential, rotatingCredential } from '../../unit/bitbucket/support/credentials.js';
import { countFor, requestCounts, resetSimulator } from './simulator-control.js';

const ADA: Credential = { auth: 'api-token', email: 'ada@example.com', apiToken: 't0k3n' };
const OAUTH: Credential = { auth: 'oauth-client-credentials', clientId: 'cid', clientSecret: 'cs' };
const ACCESS: Credential = { auth: 'access-token', token: 'wat' };
const TOKEN_ROUTE = 'POST /site/oauth2/access_token';

/** The simulator's clock, moved by the tests (tokens expire on it). */
let simulatedTime = Date.now();
let simulator: RunningSimulator;
beforeAll(async () => {
  simulator = await startSimulator({ seed: 'demo', now: () => simulatedTime });
});
afterAll(() => simulator.stop());
beforeEach(() => resetSimulator(simulator.url));

function clientWith(credentials: SecretProvider<Credential>, now?: () => number) {
  return createBitbucketClient({
    apiUrl: simulator.url,
    oauthUrl: simulator.url,
    credentials,
    sleep: async () => undefined,
    ...(now ? { now } : {}),
  });
}

describe('auth modes', () => {
  it('API token (Basic e-mail:token) reads as its user', async () => {
    const user = await clientWith(fixedCredential(ADA)).getCurrentUser();
    expect(user.account_id).toBe('557058:ada');
    expect((await requestCounts(simulator.url)).byIdentity).toEqual({ '557058:ada': 1 });
  });

  it('OAuth client credentials fetch one token and read as the consumer owner', async () => {
    const client = clientWith(fixedCredential(OAUTH));
    const [user, projects] = await Promise.all([client.getCurrentUser(), client.listProjects('acme')]);
    expect(user.account_id).toBe('557058:ada');
    expect(projects.length).toBeGreaterThan(0);
    expect(await countFor(simulator.url, TOKEN_ROUTE)).toBe(1);
  });

  it('access token (Bearer) reads its workspace', async () => {
    const repositories = await clientWith(fixedCredential(ACCESS)).listRepositories('acme');
    expect(repositories.length).toBeGreaterThan(0);
  });

  it('an access token is refused permissions reads (a typed Forbidden)', async () => {
    const client = clientWith(fixedCredential(ACCESS));
    const [project] = await client.listProjects('acme');
    await expect(client.listProjectUserGrants('acme', project!.key)).rejects.toBeInstanceOf(Forbidden);
  });
});

describe('OAuth token lifetime', () => {
  it('refreshes the cached token a minute before expires_in, by the client clock', async () => {
    let clientTime = Date.now();
    const client = clientWith(fixedCredential(OAUTH), () => clientTime);
    await client.getCurrentUser();
    await client.getCurrentUser();
    expect(await countFor(simulator.url, TOKEN_ROUTE)).toBe(1);
    clientTime += 3600_000 - 59_000;
    await client.getCurrentUser();
    expect(await countFor(simulator.url, TOKEN_ROUTE)).toBe(2);
  });

  it('recovers when the token expires mid-run (401): one new token, one retry', async () => {
    const credentials = fixedCredential(OAUTH);
    const client = clientWith(credentials);
    await client.listProjects('acme');
    simulatedTime += 3601_000; // the simulator now considers the cached token expired
    await expect(client.listRepositories('acme')).resolves.not.toHaveLength(0);
    expect(await countFor(simulator.url, TOKEN_ROUTE)).toBe(2);
    expect(await countFor(simulator.url, 'GET /2.0/repositories/{workspace}')).toBe(2); // the 401 and the retry
    expect(credentials.reloads).toBe(1);
  });
});

describe('rotation', () => {
  it('re-reads the secret once on a 401 and carries on with the rotated credential', async () => {
    const stale: Credential = { auth: 'api-token', email: 'ada@example.com', apiToken: 'revoked-token' };
    const credentials = rotatingCredential(stale, ADA);
    const client = clientWith(credentials);
    await expect(client.getWorkspace('acme')).resolves.toMatchObject({ slug: 'acme' });
    await client.listProjects('acme');
    expect(credentials.reloads).toBe(1);
    expect((await requestCounts(simulator.url)).byIdentity).toEqual({ anonymous: 1, '557058:ada': 2 });
  });

  it('a credential that stays wrong ends in Unauthorized after one reload', async () => {
    const wrong: Credential = { auth: 'api-token', email: 'ada@example.com', apiToken: 'still-wrong' };
    const credentials = fixedCredential(wrong);
    const error = await clientWith(credentials)
      .getWorkspace('acme')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Unauthorized);
    expect(String(error)).not.toContain('still-wrong');
    expect(credentials.reloads).toBe(1);
    // Re-read unchanged: the refused request is not sent again.
    expect((await requestCounts(simulator.url)).total).toBe(1);
  });
});
