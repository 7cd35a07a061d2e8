// Retries, deadline, budget and concurrency, against a real HTTP server on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BudgetExhausted,
  createBitbucketClient,
  DeadlineExceeded,
  Forbidden,
  Gone,
  PlanLimit,
  RateLimited,
  RequestBudget,
  UpstreamError,
  type BitbucketClientOptions,
} from '../../../lib/bitbucket/index.js';
import { API_TOKEN, fixedCredential } from './support/credentials.js';
import {
  fakeClock,
  sendJson,
  sendText,
  startTestServer,
  type Handler,
  type TestServer,
} from './support/test-server.js';

const WORKSPACE = { uuid: '{w}', slug: 'acme', name: 'Acme' };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function clientFor(handler: Handler, options: Partial<BitbucketClientOptions> = {}) {
  server = await startTestServer(handler);
  const clock = fakeClock();
  const client = createBitbucketClient({
    apiUrl: server.url,
    oauthUrl: server.url,
    credentials: fixedCredential(API_TOKEN),
    sleep: clock.sleep,
    now: clock.now,
    ...options,
  });
  return { client, clock, server };
}

/** Answers the scripted statuses in turn, then the workspace. */
function scripted(...answers: Array<[number, string?, Record<string, string>?]>): Handler {
  let index = 0;
  return (_request, response) => {
    const answer = answers[index++];
    if (!answer) return sendJson(response, 200, WORKSPACE);
    const [status, body = '', headers = {}] = answer;
    return sendText(response, status, body, headers);
  };
}

describe('retries', () => {
  it('retries a 5xx and then succeeds', async () => {
    const { client, server, clock } = await clientFor(scripted([502], [503]));
    await expect(client.getWorkspace('acme')).resolves.toMatchObject({ slug: 'acme' });
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('waits what Retry-After says on a 429', async () => {
    const { client, clock } = await clientFor(scripted([429, 'Rate limit exceeded', { 'Retry-After': '7' }]));
    await client.getWorkspace('acme');
    expect(clock.sleeps).toEqual([7000]);
  });

  it('gives up after maxRetries with the last error', async () => {
    const always429: Handler = (_request, response) =>
      sendText(response, 429, 'Rate limit for this resource has been exceeded');
    const { client, server } = await clientFor(always429, { retry: { maxRetries: 2 } });
    const error = await client.getWorkspace('acme').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBeUndefined();
    expect(server.requests).toHaveLength(3);
  });

  it('gives up at once when Retry-After is beyond the longest wait it would accept', async () => {
    const { client, server, clock } = await clientFor(
      scripted([429, 'slow down', { 'Retry-After': '3600' }]),
    );
    const error = await client.getWorkspace('acme').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBe(3_600_000);
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('never retries a 410 and reports the CHANGE notice', async () => {
    const body = JSON.stringify({
      type: 'error',
      error: { message: 'This API is no longer available. See CHANGE-2770.' },
    });
    const { client, server } = await clientFor(scripted([410, body]));
    const error = await client.listUserWorkspaces().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Gone);
    expect((error as Gone).change).toBe('CHANGE-2770');
    expect((error as Gone).status).toBe(410);
    expect(String(error)).toContain('CHANGE-2770');
    expect(String(error)).toMatch(/^Gone: GET \/2\.0\/user\/workspaces answered 410: /);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry other 4xx and types them', async () => {
    const { client, server } = await clientFor(scripted([403, '{"error":{"message":"not an admin"}}']));
    const error = await client.getWorkspace('acme').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ method: 'GET', path: '/2.0/workspaces/acme', status: 403 });
    expect(server.requests).toHaveLength(1);
  });

  it('types 402 as PlanLimit', async () => {
    const { client } = await clientFor(scripted([402, '{"error":{"message":"plan user limit"}}']));
    await expect(client.putProjectUserGrant('acme', 'CORE', '557058:x', 'write')).rejects.toBeInstanceOf(
      PlanLimit,
    );
  });

  it('does not retry a POST after a 5xx (it may have been applied)', async () => {
    const { client, server } = await clientFor(scripted([500]));
    const hook = { description: 'h', url: 'https://example.com/h', active: true, events: ['repo:push'] };
    await expect(client.createHook('acme', hook)).rejects.toBeInstanceOf(UpstreamError);
    expect(server.requests).toHaveLength(1);
  });

  it('treats a malformed JSON body as an upstream failure, retried then reported', async () => {
    const { client, server } = await clientFor(
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{"uuid": "{w}", "slug": ');
      },
      { retry: { maxRetries: 1 } },
    );
    const error = await client.getWorkspace('acme').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(String(error)).toContain('not valid JSON');
    expect(server.requests).toHaveLength(2);
  });

  it('turns a dropped connection into an UpstreamError', async () => {
    const { client } = await clientFor((request) => void request, { retry: { maxRetries: 0 } });
    await server!.stop();
    server = undefined;
    const error = await client.getWorkspace('acme').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(String(error)).toMatch(/network failure \(ECONNREFUSED\)/);
  });
});

describe('deadline', () => {
  it('never sleeps or sends past the deadline in a 429 storm', async () => {
    const sentAt: number[] = [];
    let clockNow = () => 0;
    const { client, clock } = await clientFor(
      (_request, response) => {
        sentAt.push(clockNow());
        sendText(response, 429, 'Rate limit for this resource has been exceeded');
      },
      { retry: { maxRetries: 50 }, random: () => 0.999 },
    );
    clockNow = clock.now;
    const deadlineAt = clock.time + 20_000;
    const error = await client.getWorkspace('acme', { deadlineAt }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimited);
    expect(clock.time).toBeLessThan(deadlineAt);
    expect(Math.max(...sentAt)).toBeLessThan(deadlineAt);
    // With delays just under 0.5, 1, 2, 4, 8 s the next (16 s) would pass the deadline: 6 requests.
    expect(sentAt).toHaveLength(6);
  });

  it('does not attempt a Retry-After wait that ends after the deadline', async () => {
    const { client, server, clock } = await clientFor(scripted([429, 'later', { 'Retry-After': '10' }]));
    const error = await client
      .getWorkspace('acme', { deadlineAt: clock.time + 5000 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBe(10_000);
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('sends nothing when the deadline has already passed', async () => {
    const { client, server, clock } = await clientFor(scripted());
    await expect(client.getWorkspace('acme', { deadlineAt: clock.time })).rejects.toBeInstanceOf(
      DeadlineExceeded,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('request budget', () => {
  it('stops before sending the request that would exceed it, retries included', async () => {
    const { client, server } = await clientFor((_request, response) => sendText(response, 503, 'busy'));
    const budget = new RequestBudget(3);
    const error = await client.getWorkspace('acme', { budget }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExhausted);
    expect((error as Error).cause).toBeInstanceOf(UpstreamError);
    expect(server.requests).toHaveLength(3);
    expect([budget.spent, budget.remaining]).toEqual([3, 0]);
  });

  it('sends nothing with an empty budget', async () => {
    const { client, server } = await clientFor(scripted());
    await expect(client.getWorkspace('acme', { budget: new RequestBudget(0) })).rejects.toBeInstanceOf(
      BudgetExhausted,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('counts every page of a listing', async () => {
    let page = 0;
    const { client, server } = await clientFor((_request, response) => {
      page += 1;
      sendJson(response, 200, {
        values: [],
        ...(page < 5 ? { next: `${server.url}/2.0/workspaces/acme/projects?page=${page + 1}` } : {}),
      });
    });
    const budget = new RequestBudget(10);
    await client.listProjects('acme', { budget });
    expect(budget.spent).toBe(5);
    const small = new RequestBudget(3);
    page = 0;
    await expect(client.listProjects('acme', { budget: small })).rejects.toBeInstanceOf(BudgetExhausted);
    expect(server.requests).toHaveLength(8);
  });
});

describe('concurrency', () => {
  /** Holds each request until `release` many are waiting (or all that will come have arrived). */
  function holding(release: number, total: number): Handler {
    const held: Array<() => void> = [];
    let seen = 0;
    return (_request, response) => {
      seen += 1;
      held.push(() => sendJson(response, 200, WORKSPACE));
      if (held.length >= release || seen === total) held.splice(0).forEach((answer) => answer());
    };
  }

  it('keeps at most 4 requests in flight by default', async () => {
    const { client, server } = await clientFor(holding(4, 12));
    await Promise.all(Array.from({ length: 12 }, () => client.getWorkspace('acme')));
    expect(server.requests).toHaveLength(12);
    expect(server.maxInFlight()).toBe(4);
  });

  it('honours maxConcurrency', async () => {
    const { client, server } = await clientFor(holding(2, 9), { maxConcurrency: 2 });
    await Promise.all(Array.from({ length: 9 }, () => client.getWorkspace('acme')));
    expect(server.maxInFlight()).toBe(2);
  });
});
