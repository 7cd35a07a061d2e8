// Resilience against the simulator's injected faults, with exact request counts from its log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BudgetExhausted,
  createBitbucketClient,
  Gone,
  RateLimited,
  RequestBudget,
  UpstreamError,
  type BitbucketClientOptions,
} from '../../../lib/bitbucket/index.js';
import { startSimulator, type RunningSimulator } from '../../../lib/simulator/index.js';
import { fixedCredential } from '../../unit/bitbucket/support/credentials.js';
import { countFor, injectFaults, requestCounts, resetSimulator } from './simulator-control.js';

let simulator: RunningSimulator;
beforeAll(async () => {
  simulator = await startSimulator({ seed: 'generated:users=30,groups=3,projects=2,repos=150,seed=7' });
});
afterAll(() => simulator.stop());
beforeEach(() => resetSimulator(simulator.url));

/** A client on a clock that only moves when it sleeps, so backoff costs no real time. */
function client(options: Partial<BitbucketClientOptions> = {}) {
  const clock = { time: Date.now(), slept: [] as number[] };
  const bitbucket = createBitbucketClient({
    apiUrl: simulator.url,
    oauthUrl: simulator.url,
    credentials: fixedCredential({
      auth: 'api-token',
      email: 'admin@example.com',
      apiToken: 'generated-token',
    }),
    now: () => clock.time,
    sleep: async (ms) => {
      clock.slept.push(ms);
      clock.time += ms;
    },
    ...options,
  });
  return { bitbucket, clock };
}

const PROJECTS = 'GET /2.0/workspaces/{workspace}/projects';

describe('faults', () => {
  it('gives up cleanly at the deadline in a 429 storm', async () => {
    await injectFaults(simulator.url, [
      {
        match: { pathPrefix: '/2.0/workspaces/generated/projects' },
        kind: 'status',
        status: 429,
        times: 1000,
      },
    ]);
    const { bitbucket, clock } = client({ retry: { maxRetries: 100 }, random: () => 0.999 });
    const deadlineAt = clock.time + 20_000;
    const error = await bitbucket
      .listProjects('generated', { deadlineAt })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimited);
    expect(clock.time).toBeLessThan(deadlineAt);
    // Waits of 0.499 + 0.999 + 1.998 + 3.996 + 7.992 s fit in 20 s; the next (15.984 s) would not.
    expect(clock.slept).toHaveLength(5);
    expect(await countFor(simulator.url, PROJECTS)).toBe(6);
  });

  it('honours the Retry-After the simulator sends', async () => {
    await injectFaults(simulator.url, [
      {
        match: { pathPrefix: '/2.0/workspaces/generated/projects' },
        kind: 'status',
        status: 429,
        retryAfter: 3,
        times: 1,
      },
    ]);
    const { bitbucket, clock } = client();
    await bitbucket.listProjects('generated');
    expect(clock.slept).toEqual([3000]);
  });

  it('retries 5xx and then succeeds', async () => {
    await injectFaults(simulator.url, [
      { match: { pathPrefix: '/2.0/workspaces/generated/projects' }, kind: 'status', status: 503, times: 2 },
    ]);
    const { bitbucket } = client();
    await expect(bitbucket.listProjects('generated')).resolves.toHaveLength(2);
    expect(await countFor(simulator.url, PROJECTS)).toBe(3);
  });

  it('retries a dropped connection', async () => {
    await injectFaults(simulator.url, [
      { match: { pathPrefix: '/2.0/workspaces/generated' }, kind: 'drop', times: 1 },
    ]);
    const { bitbucket } = client();
    await expect(bitbucket.getWorkspace('generated')).resolves.toMatchObject({ slug: 'generated' });
  });

  it('reports malformed JSON as UpstreamError once retries are spent', async () => {
    await injectFaults(simulator.url, [
      { match: { pathPrefix: '/2.0/repositories/generated' }, kind: 'malformed-json', times: 10 },
    ]);
    const { bitbucket } = client({ retry: { maxRetries: 2 } });
    const error = await bitbucket.listRepositories('generated').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ method: 'GET', path: '/2.0/repositories/generated' });
    expect(await countFor(simulator.url, 'GET /2.0/repositories/{workspace}')).toBe(3);
  });

  it('surfaces 410 as Gone with its CHANGE notice, never retried', async () => {
    await injectFaults(simulator.url, [
      { match: { pathPrefix: '/2.0/user/workspaces' }, kind: 'gone', times: 5 },
    ]);
    const { bitbucket } = client();
    const error = await bitbucket.listUserWorkspaces().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Gone);
    expect((error as Gone).change).toBe('CHANGE-2770');
    expect((await requestCounts(simulator.url)).total).toBe(1);
  });

  it('stops with BudgetExhausted before the request that would exceed the budget', async () => {
    const { bitbucket } = client();
    const budget = new RequestBudget(1);
    // 150 repositories are two pages of 100: the second page is not sent.
    await expect(bitbucket.listRepositories('generated', {}, { budget })).rejects.toBeInstanceOf(
      BudgetExhausted,
    );
    expect(budget.spent).toBe(1);
    expect((await requestCounts(simulator.url)).total).toBe(1);
  });

  it('counts retries against the budget too', async () => {
    await injectFaults(simulator.url, [
      { match: { pathPrefix: '/2.0/workspaces/generated/projects' }, kind: 'status', status: 500, times: 10 },
    ]);
    const { bitbucket } = client();
    const budget = new RequestBudget(4);
    await expect(bitbucket.listProjects('generated', { budget })).rejects.toBeInstanceOf(BudgetExhausted);
    expect(await countFor(simulator.url, PROJECTS)).toBe(4);
  });
});
