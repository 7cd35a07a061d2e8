// Each auth mode on the wire, OAuth token caching and refresh, and credential rotation on a 401.
import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketClient, Unauthorized, RequestBudget } from '../../../lib/bitbucket/index.js';
import type { Credential } from '../../../lib/config/schemas.js';
import type { SecretProvider } from '../../../lib/config/secrets.js';
import {
  ACCESS_TOKEN,
  API_TOKEN,
  fixedCredential,
  OAUTH,
  rotatingCredential,
} from './support/credentials.js';
import { fakeClock, sendJson, startTestServer, type TestServer } from './support/test-server.js';

const USER = { account_id: '557058:ada', uuid: '{u}', display_name: 'Ada' };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Accepts the given Authorization values; issues OAuth tokens `tok-1`, `tok-2`, … valid for `ttl` s. */
async function bitbucketAccepting(accepted: (authorization: string) => boolean, ttl = 3600) {
  let issued = 0;
  server = await startTestServer((request, response) => {
    if (request.url === '/site/oauth2/access_token') {
      if (request.headers.authorization !== basic('client-1', 'cl13nt-s3cret'))
        return sendJson(response, 401, {});
      issued += 1;
      return sendJson(response, 200, {
        access_token: `tok-${issued}`,
        expires_in: ttl,
        token_type: 'bearer',
      });
    }
    if (!accepted(request.headers.authorization ?? ''))
      return sendJson(response, 401, { type: 'error', error: { message: 'Unauthorized' } });
    return sendJson(response, 200, USER);
  });
  return server;
}

function client(credentials: SecretProvider<Credential>, clock = fakeClock()) {
  return createBitbucketClient({
    apiUrl: server!.url,
    oauthUrl: server!.url,
    credentials,
    now: clock.now,
    sleep: clock.sleep,
  });
}

describe('auth modes', () => {
  it('sends an API token as Basic e-mail:token', async () => {
    const server = await bitbucketAccepting(
      (header) => header === basic('ada@example.com', 'sup3r-s3cret-t0ken'),
    );
    await expect(client(fixedCredential(API_TOKEN)).getCurrentUser()).resolves.toMatchObject(USER);
    expect(server.requests[0]!.url).toBe(
      '/2.0/user?fields=account_id%2Cuuid%2Cdisplay_name%2Cnickname%2Caccount_status',
    );
  });

  it('sends an access token as Bearer', async () => {
    await bitbucketAccepting((header) => header === 'Bearer acc3ss-t0ken-value');
    await expect(client(fixedCredential(ACCESS_TOKEN)).getCurrentUser()).resolves.toMatchObject(USER);
  });

  it('fetches an OAuth token with client credentials, caches it and counts the fetch', async () => {
    const server = await bitbucketAccepting((header) => header === 'Bearer tok-1');
    const bitbucket = client(fixedCredential(OAUTH));
    const budget = new RequestBudget(10);
    await bitbucket.getCurrentUser({ budget });
    await Promise.all([bitbucket.getCurrentUser({ budget }), bitbucket.getCurrentUser({ budget })]);
    const tokenRequests = server.requests.filter((request) => request.url === '/site/oauth2/access_token');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]).toMatchObject({ method: 'POST', body: 'grant_type=client_credentials' });
    expect(tokenRequests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(budget.spent).toBe(4);
  });

  it('refreshes the OAuth token a minute before it expires', async () => {
    const server = await bitbucketAccepting((header) => header.startsWith('Bearer tok-'));
    const clock = fakeClock();
    const bitbucket = client(fixedCredential(OAUTH), clock);
    await bitbucket.getCurrentUser();
    clock.time += 3600_000 - 61_000;
    await bitbucket.getCurrentUser();
    clock.time += 2000;
    await bitbucket.getCurrentUser();
    const authorizations = server.requests
      .filter((r) => r.url.startsWith('/2.0/'))
      .map((r) => r.headers.authorization);
    expect(authorizations).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('fetches a new OAuth token once when the API answers 401', async () => {
    let revoked = true;
    const server = await bitbucketAccepting((header) => {
      if (header === 'Bearer tok-1' && revoked) return false;
      return header.startsWith('Bearer tok-');
    });
    const credentials = fixedCredential(OAUTH);
    await expect(client(credentials).getCurrentUser()).resolves.toMatchObject(USER);
    revoked = false;
    expect(server.requests.map((r) => r.url.split('?')[0])).toEqual([
      '/site/oauth2/access_token',
      '/2.0/user',
      '/site/oauth2/access_token',
      '/2.0/user',
    ]);
    expect(credentials.reloads).toBe(1);
  });
});

describe('rotation on 401', () => {
  const rotated: Credential = { auth: 'api-token', email: 'ada@example.com', apiToken: 'r0tated-t0ken' };

  it('re-reads the secret once and retries with the new credential', async () => {
    const server = await bitbucketAccepting((header) => header === basic('ada@example.com', 'r0tated-t0ken'));
    const credentials = rotatingCredential(API_TOKEN, rotated);
    const bitbucket = client(credentials);
    await expect(bitbucket.getCurrentUser()).resolves.toMatchObject(USER);
    await bitbucket.getCurrentUser();
    expect(credentials.reloads).toBe(1);
    expect(server.requests).toHaveLength(3);
  });

  it('reloads once for many requests that all saw the old credential', async () => {
    await bitbucketAccepting((header) => header === basic('ada@example.com', 'r0tated-t0ken'));
    const credentials = rotatingCredential(API_TOKEN, rotated);
    const bitbucket = client(credentials);
    await Promise.all(Array.from({ length: 4 }, () => bitbucket.getCurrentUser()));
    expect(credentials.reloads).toBe(1);
  });

  it('gives up with Unauthorized on a second 401', async () => {
    const server = await bitbucketAccepting(() => false);
    const credentials = fixedCredential(API_TOKEN);
    const error = await client(credentials)
      .getCurrentUser()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Unauthorized);
    expect(error).toMatchObject({ status: 401, method: 'GET', path: '/2.0/user' });
    expect(credentials.reloads).toBe(1);
    // The re-read gave the same token back: sending it again cannot change Bitbucket's answer.
    expect(server.requests).toHaveLength(1);
  });

  it('reports refused OAuth client credentials as Unauthorized', async () => {
    await bitbucketAccepting(() => true);
    const wrong: Credential = {
      auth: 'oauth-client-credentials',
      clientId: 'client-1',
      clientSecret: 'wr0ng-s3cret',
    };
    const error = await client(fixedCredential(wrong))
      .getCurrentUser()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Unauthorized);
    expect((error as Unauthorized).path).toBe('/site/oauth2/access_token');
  });
});

/**
 * Scoped API tokens answer 401 for one endpoint they lack a scope for while others succeed (API-NOTES
 * "Authentication"): `/2.0/user` is accepted for every credential, `/2.0/workspaces/acme` only for
 * `accepted`. `slowRefusals` delays the refusals of `/2.0/workspaces/acme` itself by that many ms.
 */
async function refusingOneEndpoint(accepted: (authorization: string) => boolean, slowRefusals = 0) {
  let issued = 0;
  server = await startTestServer(async (request, response) => {
    if (request.url === '/site/oauth2/access_token') {
      issued += 1;
      return sendJson(response, 200, {
        access_token: `tok-${issued}`,
        expires_in: 3600,
        token_type: 'bearer',
      });
    }
    if (request.url.startsWith('/2.0/workspaces/acme') && !accepted(request.headers.authorization ?? '')) {
      if (slowRefusals > 0 && request.url.split('?')[0] === '/2.0/workspaces/acme')
        await new Promise((resolve) => setTimeout(resolve, slowRefusals));
      return sendJson(response, 401, { type: 'error', error: { message: 'Unauthorized' } });
    }
    if (request.url.startsWith('/2.0/workspaces/acme'))
      return sendJson(response, 200, { type: 'workspace', uuid: '{w}', slug: 'acme', name: 'Acme' });
    return sendJson(response, 200, USER);
  });
  return server;
}

const paths = (server: TestServer) => server.requests.map((r) => r.url.split('?')[0]);

describe('a 401 for one endpoint: retried only for a changed credential', () => {
  it('an unchanged API token costs exactly one request and throws Unauthorized', async () => {
    const server = await refusingOneEndpoint(() => false);
    const credentials = fixedCredential(API_TOKEN);
    const bitbucket = client(credentials);
    await expect(bitbucket.getCurrentUser()).resolves.toMatchObject(USER);
    const budget = new RequestBudget(10);
    const error = await bitbucket.getWorkspace('acme', { budget }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Unauthorized);
    expect(error).toMatchObject({ status: 401, path: '/2.0/workspaces/acme' });
    expect(budget.spent).toBe(1);
    expect(paths(server)).toEqual(['/2.0/user', '/2.0/workspaces/acme']);
    expect(credentials.reloads).toBe(1);
  });

  it('an unchanged access token costs exactly one request too', async () => {
    const server = await refusingOneEndpoint(() => false);
    const error = await client(fixedCredential(ACCESS_TOKEN))
      .getWorkspace('acme')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Unauthorized);
    expect(paths(server)).toEqual(['/2.0/workspaces/acme']);
  });

  it('a token rotated since it was read is retried once and succeeds', async () => {
    const rotated: Credential = { auth: 'api-token', email: 'ada@example.com', apiToken: 'r0tated-t0ken' };
    const server = await refusingOneEndpoint(
      (header) => header === basic('ada@example.com', 'r0tated-t0ken'),
    );
    const credentials = rotatingCredential(API_TOKEN, rotated);
    const budget = new RequestBudget(10);
    await expect(client(credentials).getWorkspace('acme', { budget })).resolves.toMatchObject({
      slug: 'acme',
    });
    expect(budget.spent).toBe(2);
    expect(paths(server)).toEqual(['/2.0/workspaces/acme', '/2.0/workspaces/acme']);
    expect(credentials.reloads).toBe(1);
  });

  it('a refusal that arrives after another request re-read the same token is not retried either', async () => {
    const server = await refusingOneEndpoint(() => false, 100);
    const credentials = fixedCredential(API_TOKEN);
    const bitbucket = client(credentials);
    const slow = bitbucket.getWorkspace('acme').catch((caught: unknown) => caught);
    // Authorised with the same reading as the slow one; its refusal comes first and re-reads the token.
    const fast = await bitbucket.getProject('acme', 'CORE').catch((caught: unknown) => caught);
    expect(fast).toBeInstanceOf(Unauthorized);
    expect(await slow).toBeInstanceOf(Unauthorized);
    expect(paths(server).filter((path) => path === '/2.0/workspaces/acme')).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(credentials.reloads).toBe(1);
  });

  it('OAuth client credentials: a refused access token is still dropped and fetched again once', async () => {
    const server = await refusingOneEndpoint(() => false);
    const credentials = fixedCredential(OAUTH);
    const error = await client(credentials)
      .getWorkspace('acme')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Unauthorized);
    expect(paths(server)).toEqual([
      '/site/oauth2/access_token',
      '/2.0/workspaces/acme',
      '/site/oauth2/access_token',
      '/2.0/workspaces/acme',
    ]);
    expect(credentials.reloads).toBe(1);
  });
});
