// A refused OAuth token request (issue 17, case 3): Bitbucket's `error_description` reaches the error,
// the credential does not, and the token endpoint is asked once, not again after re-reading an
// unchanged secret. A secret rotated since it was read still gets its one more try.
import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketClient, OAuthTokenRefused, Unauthorized } from '../../../lib/bitbucket/index.js';
import type { Credential } from '../../../lib/config/schemas.js';
import type { SecretProvider } from '../../../lib/config/secrets.js';
import { fixedCredential, OAUTH, rotatingCredential } from './support/credentials.js';
import { fakeClock, sendJson, sendText, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const TOKEN_PATH = '/site/oauth2/access_token';
const PUBLIC_CONSUMER =
  'Cannot use client_credentials with a consumer marked as "public". Calls for auto generated consumers should use urn:bitbucket:oauth2:jwt instead.';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const USER = { account_id: '557058:ada', uuid: '{u}', display_name: 'Ada' };

/** Refuses every token request with `status` and `body`; the API accepts any Bearer token. */
async function tokenEndpointRefusing(status: number, body: (authorization: string) => string | object) {
  server = await startTestServer((request, response) => {
    if (request.url === TOKEN_PATH) {
      const answer = body(request.headers.authorization ?? '');
      return typeof answer === 'string'
        ? sendText(response, status, answer)
        : sendJson(response, status, answer);
    }
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

const tokenRequests = () => server!.requests.filter((request) => request.url === TOKEN_PATH);

describe('a refused OAuth token request', () => {
  it("keeps Bitbucket's error_description, asks the token endpoint once and never calls the API", async () => {
    await tokenEndpointRefusing(400, () => ({ error: 'invalid_grant', error_description: PUBLIC_CONSUMER }));
    const credentials = fixedCredential(OAUTH);
    const error = await client(credentials)
      .getCurrentUser()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OAuthTokenRefused);
    // Callers that treat Unauthorized as "the credential is refused" keep doing so.
    expect(error).toBeInstanceOf(Unauthorized);
    const refused = error as OAuthTokenRefused;
    expect(refused.message).toContain(PUBLIC_CONSUMER);
    expect(refused.message).toContain('invalid_grant');
    expect(refused).toMatchObject({
      status: 400,
      path: TOKEN_PATH,
      oauthError: 'invalid_grant',
      description: PUBLIC_CONSUMER,
    });
    expect(JSON.stringify(refused)).toContain('consumer marked as');
    expect(tokenRequests()).toHaveLength(1);
    expect(server!.requests.filter((request) => request.url.startsWith('/2.0/'))).toHaveLength(0);
    // The secret was re-read (it might have been rotated), found unchanged, and not tried again.
    expect(credentials.reloads).toBe(1);
  });

  it('answers the calls of the next minute from memory, then asks again', async () => {
    await tokenEndpointRefusing(400, () => ({ error: 'invalid_grant', error_description: PUBLIC_CONSUMER }));
    const clock = fakeClock();
    const credentials = fixedCredential(OAUTH);
    const bitbucket = client(credentials, clock);
    const first = await bitbucket.getCurrentUser().catch((caught: unknown) => caught);
    const second = await bitbucket.listUserWorkspaces().catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(OAuthTokenRefused);
    expect((second as Error).message).toBe((first as Error).message);
    expect(tokenRequests()).toHaveLength(1);
    // Nor is the secret re-read for a refusal answered from memory.
    expect(credentials.reloads).toBe(1);
    clock.time += 61_000;
    await expect(bitbucket.getCurrentUser()).rejects.toBeInstanceOf(OAuthTokenRefused);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('cuts the client secret out of a description that echoes it', async () => {
    await tokenEndpointRefusing(401, (authorization) => ({
      error: 'invalid_client',
      error_description: `bad client ${authorization} (secret ${OAUTH.auth === 'oauth-client-credentials' ? OAUTH.clientSecret : ''})`,
    }));
    const error = (await client(fixedCredential(OAUTH))
      .getCurrentUser()
      .catch((caught: unknown) => caught)) as OAuthTokenRefused;
    expect(error).toBeInstanceOf(OAuthTokenRefused);
    expect(error.message).toContain('bad client');
    const encoded = Buffer.from('client-1:cl13nt-s3cret').toString('base64');
    for (const view of [error.message, JSON.stringify(error), String(error), error.stack ?? '']) {
      expect(view).not.toContain('cl13nt-s3cret');
      expect(view).not.toContain(encoded);
    }
    expect(tokenRequests()).toHaveLength(1);
  });

  it('describes a refusal that is not OAuth JSON by its text', async () => {
    await tokenEndpointRefusing(400, () => 'consumer disabled by its owner');
    const error = await client(fixedCredential(OAUTH))
      .getCurrentUser()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuthTokenRefused);
    expect((error as Error).message).toContain('consumer disabled by its owner');
    expect(tokenRequests()).toHaveLength(1);
  });

  it('tries a secret rotated since it was read once more, and uses it', async () => {
    const fresh: Credential = {
      auth: 'oauth-client-credentials',
      clientId: 'client-1',
      clientSecret: 'r0tated-s3cret',
    };
    server = await startTestServer((request, response) => {
      if (request.url === TOKEN_PATH) {
        if (request.headers.authorization !== basic('client-1', 'r0tated-s3cret'))
          return sendJson(response, 401, { error: 'invalid_client', error_description: 'wrong secret' });
        return sendJson(response, 200, { access_token: 'tok-1', expires_in: 3600, token_type: 'bearer' });
      }
      return sendJson(response, 200, USER);
    });
    const credentials = rotatingCredential(OAUTH, fresh);
    await expect(client(credentials).getCurrentUser()).resolves.toMatchObject(USER);
    expect(tokenRequests()).toHaveLength(2);
    expect(credentials.reloads).toBe(1);
  });
});
