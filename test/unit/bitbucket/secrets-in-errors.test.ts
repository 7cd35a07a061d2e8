// No error the client raises carries the credential: not in its message, not in its JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketClient, RequestBudget } from '../../../lib/bitbucket/index.js';
import type { Credential } from '../../../lib/config/schemas.js';
import { ACCESS_TOKEN, API_TOKEN, fixedCredential, OAUTH } from './support/credentials.js';
import { fakeClock, sendJson, sendText, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const SECRETS = ['sup3r-s3cret-t0ken', 'acc3ss-t0ken-value', 'cl13nt-s3cret', 'issued-0auth-t0ken'];
const encoded = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
const FORBIDDEN_TEXT = [
  ...SECRETS,
  encoded('ada@example.com', 'sup3r-s3cret-t0ken'),
  encoded('client-1', 'cl13nt-s3cret'),
];

/** A hostile server: every error echoes the Authorization header it received. */
async function echoingServer(status: number, shape: 'json' | 'text' | 'bad-json' | 'bad-shape') {
  server = await startTestServer((request, response) => {
    if (request.url === '/site/oauth2/access_token') {
      return sendJson(response, 200, { access_token: 'issued-0auth-t0ken', expires_in: 3600 });
    }
    const echoed = `${request.headers.authorization ?? ''} / ${request.headers.authorization?.split(' ')[1] ?? ''}`;
    const decoded = Buffer.from(request.headers.authorization?.split(' ')[1] ?? '', 'base64').toString();
    if (shape === 'bad-json') return sendText(response, 200, `{"oops": "${echoed}"`);
    if (shape === 'bad-shape') return sendJson(response, 200, { slug: echoed });
    if (shape === 'text') return sendText(response, status, `denied for ${echoed} ${decoded}`);
    return sendJson(response, status, {
      type: 'error',
      error: { message: `denied for ${echoed}`, detail: decoded },
    });
  });
  return server;
}

function expectNoSecret(error: unknown) {
  expect(error).toBeInstanceOf(Error);
  const views = [
    String(error),
    JSON.stringify(error),
    (error as Error).message,
    (error as Error).stack ?? '',
  ];
  for (const view of views) for (const secret of FORBIDDEN_TEXT) expect(view).not.toContain(secret);
}

const credentials: Array<[string, Credential]> = [
  ['api-token', API_TOKEN],
  ['access-token', ACCESS_TOKEN],
  ['oauth', OAUTH],
];

describe.each(credentials)('errors with a %s credential', (_name, credential) => {
  const cases: Array<[string, number, 'json' | 'text' | 'bad-json' | 'bad-shape']> = [
    ['401', 401, 'json'],
    ['403', 403, 'json'],
    ['404 text', 404, 'text'],
    ['410', 410, 'json'],
    ['429', 429, 'text'],
    ['500', 500, 'json'],
    ['malformed JSON', 200, 'bad-json'],
    ['wrong shape', 200, 'bad-shape'],
  ];
  it.each(cases)('%s carries no credential', async (_label, status, shape) => {
    const target = await echoingServer(status, shape);
    const clock = fakeClock();
    const client = createBitbucketClient({
      apiUrl: target.url,
      oauthUrl: target.url,
      credentials: fixedCredential(credential),
      now: clock.now,
      sleep: clock.sleep,
      retry: { maxRetries: 1 },
    });
    const error = await client.getWorkspace('acme').catch((caught: unknown) => caught);
    expectNoSecret(error);
  });

  it('budget exhaustion carries no credential', async () => {
    const target = await echoingServer(500, 'json');
    const client = createBitbucketClient({
      apiUrl: target.url,
      oauthUrl: target.url,
      credentials: fixedCredential(credential),
      sleep: async () => undefined,
    });
    const error = await client
      .getWorkspace('acme', { budget: new RequestBudget(2) })
      .catch((caught: unknown) => caught);
    expectNoSecret(error);
    expectNoSecret((error as Error).cause);
  });
});
