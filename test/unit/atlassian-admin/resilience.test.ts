// Budget, 429 backoff (Retry-After, X-RateLimit-Reset, exponential), 5xx retries, deadline and the request
// observer, against a real HTTP server on 127.0.0.1 with an injected clock (no real waiting).
import { afterEach, describe, expect, it } from 'vitest';
import {
  AdminDeadlineExceeded,
  AdminRateLimited,
  AdminUpstreamError,
  parseRateLimitReset,
} from '../../../lib/atlassian-admin/index.js';
import { BudgetExhausted, RateLimited, RequestBudget } from '../../../lib/bitbucket/index.js';
import { adminClientFor, sendJson, sendText, type Handler, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const DIRECTORIES = { data: [{ directoryId: 'd1', name: 'One' }], links: { next: null } };

/** Answers the scripted statuses in turn, then the directories. */
function scripted(...answers: Array<[number, Record<string, string>?]>): Handler {
  let index = 0;
  return (_request, response) => {
    const answer = answers[index++];
    if (!answer) return sendJson(response, 200, DIRECTORIES);
    const [status, headers = {}] = answer;
    return sendJson(response, status, { errors: [{ status: String(status), title: 'Too many' }] }, headers);
  };
}

describe('rate limits', () => {
  it('waits what Retry-After says, then succeeds', async () => {
    const setup = await adminClientFor(scripted([429, { 'Retry-After': '7' }]));
    server = setup.server;
    await expect(setup.client.listDirectories()).resolves.toHaveLength(1);
    expect(setup.clock.sleeps).toEqual([7000]);
    expect(server.requests).toHaveLength(2);
  });

  it('waits until X-RateLimit-Reset (ISO 8601 or epoch seconds) when there is no Retry-After', async () => {
    const start = 1_800_000_000_000;
    const setup = await adminClientFor(
      scripted(
        [429, { 'X-RateLimit-Reset': new Date(start + 4000).toISOString(), 'X-RateLimit-Remaining': '0' }],
        [429, { 'X-RateLimit-Reset': String((start + 4000 + 3000) / 1000) }],
      ),
    );
    server = setup.server;
    await expect(setup.client.listDirectories()).resolves.toHaveLength(1);
    expect(setup.clock.sleeps).toEqual([4000, 3000]);
  });

  it('backs off exponentially with jitter when the 429 says nothing', async () => {
    const setup = await adminClientFor(scripted([429], [429]), {
      retry: { baseDelayMs: 1000, maxDelayMs: 60_000, maxRetries: 5 },
    });
    server = setup.server;
    await setup.client.listDirectories();
    // random() is 0.5: half of 1000·2^0, then half of 1000·2^1.
    expect(setup.clock.sleeps).toEqual([500, 1000]);
  });

  it('gives up after maxRetries with AdminRateLimited carrying retryAfterMs, not Bitbucket RateLimited', async () => {
    const setup = await adminClientFor(
      (_request, response) =>
        sendJson(
          response,
          429,
          { errors: [{ title: 'Rate limited' }] },
          {
            'Retry-After': '2',
            'X-RateLimit-Limit': '100',
            'X-RateLimit-Remaining': '0',
          },
        ),
      { retry: { maxRetries: 2 } },
    );
    server = setup.server;
    const error = await setup.client.searchGroups({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdminRateLimited);
    expect(error).not.toBeInstanceOf(RateLimited);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 2000, retryable: true });
    expect((error as AdminRateLimited).rateLimit).toMatchObject({ limit: 100, remaining: 0 });
    expect(server.requests).toHaveLength(3);
    expect(setup.clock.sleeps).toEqual([2000, 2000]);
  });

  it('gives up at once when Atlassian asks for a wait longer than the policy allows', async () => {
    const setup = await adminClientFor(scripted([429, { 'Retry-After': '3600' }]));
    server = setup.server;
    const error = await setup.client.listDirectories().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AdminRateLimited', retryAfterMs: 3_600_000 });
    expect(setup.clock.sleeps).toEqual([]);
  });

  it('never waits past the deadline', async () => {
    const setup = await adminClientFor(scripted([429, { 'Retry-After': '10' }]));
    server = setup.server;
    const deadlineAt = setup.clock.now() + 5000;
    await expect(setup.client.listDirectories({ deadlineAt })).rejects.toBeInstanceOf(AdminRateLimited);
    expect(setup.clock.sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing once the deadline has passed', async () => {
    const setup = await adminClientFor(scripted());
    server = setup.server;
    const error = await setup.client
      .listDirectories({ deadlineAt: setup.clock.now() - 1 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdminDeadlineExceeded);
    expect(server.requests).toHaveLength(0);
  });

  it('parses X-RateLimit-Reset forms', () => {
    const now = 1_800_000_000_000;
    expect(parseRateLimitReset('2027-01-15T10:00:00Z', now)).toBe(Date.parse('2027-01-15T10:00:00Z'));
    expect(parseRateLimitReset('1800000010', now)).toBe(now + 10_000);
    expect(parseRateLimitReset('30', now)).toBe(now + 30_000);
    expect(parseRateLimitReset('soon', now)).toBeUndefined();
    expect(parseRateLimitReset(undefined, now)).toBeUndefined();
  });
});

describe('upstream failures', () => {
  it('retries 5xx, also for membership writes, then succeeds', async () => {
    let calls = 0;
    const setup = await adminClientFor((_request, response) => {
      calls += 1;
      if (calls <= 2) return sendText(response, 503, 'unavailable');
      response.writeHead(204);
      response.end();
    });
    server = setup.server;
    await setup.client.addGroupMember('d1', 'g1', 'a1');
    expect(server.requests).toHaveLength(3);
  });

  it('gives up with AdminUpstreamError after maxRetries', async () => {
    const setup = await adminClientFor((_request, response) => sendText(response, 500, 'boom'), {
      retry: { maxRetries: 1 },
    });
    server = setup.server;
    const error = await setup.client.getGroup('d1', 'g1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdminUpstreamError);
    expect(error).toMatchObject({ status: 500, adminSaid: 'boom', retryable: true });
    expect(server.requests).toHaveLength(2);
  });

  it('does not follow a redirect', async () => {
    const setup = await adminClientFor((_request, response) => {
      response.writeHead(302, { Location: 'https://elsewhere.example/' });
      response.end();
    });
    server = setup.server;
    const error = await setup.client.getGroup('d1', 'g1').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AdminUpstreamError', retryable: false, status: 302 });
    expect(server.requests).toHaveLength(1);
  });

  it('maps a refused connection to a retryable AdminUpstreamError', async () => {
    const setup = await adminClientFor(scripted(), { retry: { maxRetries: 0 } });
    await setup.server.stop();
    const error = await setup.client.listDirectories().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdminUpstreamError);
    expect(String(error)).toMatch(/network failure/);
  });
});

describe('budget and observer', () => {
  it('takes one unit per request, retries and pages included', async () => {
    let calls = 0;
    const setup = await adminClientFor((request, response) => {
      calls += 1;
      if (calls === 1) return sendJson(response, 429, {}, { 'Retry-After': '1' });
      const cursor = new URL(request.url, 'http://x').searchParams.get('cursor');
      if (cursor === null) return sendJson(response, 200, { data: [], links: { next: 'p2' } });
      return sendJson(response, 200, { data: [{ directoryId: 'd2' }], links: { next: null } });
    });
    server = setup.server;
    const budget = new RequestBudget(10);
    await setup.client.listDirectories({ budget });
    expect(budget.spent).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(setup.observed.map(({ method, endpoint, status }) => [method, endpoint, status])).toEqual([
      ['GET', 'GET /admin/v2/orgs/{orgId}/directories', 429],
      ['GET', 'GET /admin/v2/orgs/{orgId}/directories', 200],
      ['GET', 'GET /admin/v2/orgs/{orgId}/directories', 200],
    ]);
    expect(setup.observed.every((observation) => observation.ms >= 0)).toBe(true);
  });

  it('throws BudgetExhausted before sending when no unit is left, also instead of a retry', async () => {
    const setup = await adminClientFor(scripted([503]));
    server = setup.server;
    await expect(setup.client.listDirectories({ budget: new RequestBudget(0) })).rejects.toBeInstanceOf(
      BudgetExhausted,
    );
    expect(server.requests).toHaveLength(0);
    const one = new RequestBudget(1);
    const error = await setup.client.listDirectories({ budget: one }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExhausted);
    expect((error as Error).cause).toBeInstanceOf(AdminUpstreamError);
    expect(server.requests).toHaveLength(1);
    expect(setup.clock.sleeps).toEqual([]);
  });

  it('a throwing observer does not fail the call', async () => {
    const setup = await adminClientFor(scripted(), {
      onRequest: () => {
        throw new Error('metrics down');
      },
    });
    server = setup.server;
    await expect(setup.client.listDirectories()).resolves.toHaveLength(1);
  });
});
