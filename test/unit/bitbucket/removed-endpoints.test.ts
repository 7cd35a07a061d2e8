// Endpoints Atlassian announced as removed (CHANGE-2770 / CHANGE-3022, 2026-04-14): since about 2026-08
// some answer 404 instead of 410. A 404 there is reported as Gone with the announcement, like a 410, and
// neither is retried; a 404 anywhere else stays NotFound.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, Gone, NotFound } from '../../../lib/bitbucket/index.js';
import { announcedRemoval, REMOVED_ENDPOINTS } from '../../../lib/bitbucket/removed-endpoints.js';
import { Transport } from '../../../lib/bitbucket/transport.js';
import { API_TOKEN, fixedCredential } from './support/credentials.js';
import { fakeClock, sendJson, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A transport on a server answering every request with `status` and Bitbucket's error body. */
async function transportAnswering(status: number, message: string, basePath = '') {
  server = await startTestServer((_request, response) =>
    sendJson(response, status, { type: 'error', error: { message } }),
  );
  const clock = fakeClock();
  const transport = new Transport({
    apiUrl: `${server.url}${basePath}`,
    oauthUrl: server.url,
    credentials: fixedCredential(API_TOKEN),
    maxConcurrency: 2,
    retry: DEFAULT_RETRY_POLICY,
    sleep: clock.sleep,
    now: clock.now,
  });
  return { transport, clock };
}

describe('the table of announced removals', () => {
  it.each([
    ['GET', '/2.0/workspaces', 'CHANGE-2770'],
    ['GET', '/2.0/workspaces/', 'CHANGE-2770'],
    ['GET', '/2.0/user/permissions/workspaces', 'CHANGE-2770'],
    ['GET', '/2.0/user/permissions/repositories', 'CHANGE-2770'],
    ['get', '/2.0/repositories', 'CHANGE-3022'],
  ])('%s %s is announced as removed (%s)', (method, path, change) => {
    expect(announcedRemoval(method, path)).toMatchObject({ change, removedOn: '2026-04-14' });
  });

  it.each([
    ['GET', '/2.0/workspaces/acme'],
    ['GET', '/2.0/workspaces/acme/projects'],
    ['GET', '/2.0/user/workspaces'],
    ['GET', '/2.0/user/permissions'],
    ['GET', '/2.0/repositories/acme'],
    ['POST', '/2.0/workspaces'],
    ['GET', '/2.0/user'],
  ])('%s %s is not', (method, path) => {
    expect(announcedRemoval(method, path)).toBeUndefined();
  });

  it('names an announcement and a date for every entry', () => {
    for (const entry of REMOVED_ENDPOINTS) {
      expect(entry.change).toMatch(/^CHANGE-\d+$/);
      expect(entry.removedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});

describe('a 404 on a removed endpoint', () => {
  it('is Gone with the announcement, keeps the status Bitbucket sent, and is sent once', async () => {
    const { transport, clock } = await transportAnswering(404, 'Resource not found');
    const error = await transport
      .send({
        method: 'GET',
        url: transport.url('/2.0/workspaces?pagelen=100'),
        endpoint: 'GET /2.0/workspaces',
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Gone);
    const gone = error as Gone;
    expect(gone).toMatchObject({ status: 404, change: 'CHANGE-2770', removedOn: '2026-04-14' });
    expect(gone.message).toContain('removed by Atlassian on 2026-04-14 (CHANGE-2770)');
    expect(gone.message).toContain('Resource not found');
    expect(gone.toJSON()).toMatchObject({ name: 'Gone', change: 'CHANGE-2770', status: 404 });
    expect(server!.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('is matched under an API base with its own path prefix', async () => {
    const { transport } = await transportAnswering(404, 'gone', '/bitbucket');
    const error = await transport
      .send({
        method: 'GET',
        url: transport.url('/2.0/user/permissions/repositories'),
        endpoint: 'GET /2.0/user/permissions/repositories',
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'Gone', change: 'CHANGE-2770' });
    expect(server!.requests).toHaveLength(1);
  });

  it('the global repository list answers Gone with CHANGE-3022', async () => {
    const { transport } = await transportAnswering(404, 'not found');
    const error = await transport
      .send({ method: 'GET', url: transport.url('/2.0/repositories'), endpoint: 'GET /2.0/repositories' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'Gone', change: 'CHANGE-3022', status: 404 });
  });

  it('a 410 there keeps its own CHANGE id and is not retried either', async () => {
    const { transport, clock } = await transportAnswering(
      410,
      'This API is no longer available. See CHANGE-3022.',
    );
    const error = await transport
      .send({ method: 'GET', url: transport.url('/2.0/workspaces'), endpoint: 'GET /2.0/workspaces' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'Gone', status: 410, change: 'CHANGE-3022' });
    expect(server!.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('a 404 on an endpoint that still exists stays NotFound', async () => {
    const { transport } = await transportAnswering(404, 'No workspace with identifier acme');
    const error = await transport
      .send({
        method: 'GET',
        url: transport.url('/2.0/workspaces/acme'),
        endpoint: 'GET /2.0/workspaces/{workspace}',
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).not.toBeInstanceOf(Gone);
  });
});
