// Scheduled steps are paced: each spends the hourly budget's share of one interval, so every step of the
// hour still has requests for due membership listings and for scopes webhooks marked dirty. A listing
// longer than one share still completes (it starts alone and finishes on what the hour has left), one
// longer than the whole hour is reported and skipped, and grant scopes share the rest by age, so passes
// complete even when re-reading every project each hour would take all that grant scopes get.
import { afterEach, describe, expect, it } from 'vitest';
import {
  runSyncStep,
  stepAllowance,
  DEFAULT_SYNC_SETTINGS,
  type SyncSettings,
} from '../../../lib/sync/index.js';
import { startHarness, workspaceRefOf, type Harness } from '../../support/governance-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A harness whose sync and simulator share one clock the test moves; `step()` runs a scheduled step. */
async function startClockedHarness(seed: string, settings: Partial<SyncSettings>) {
  const clock = { now: Date.now() };
  const started = await startHarness({
    seed,
    settings: { hourlyRequestLimit: 1000, ...settings },
    now: () => new Date(clock.now),
    simulatorNow: () => clock.now,
  });
  harness = started;
  const workspace = workspaceRefOf(await started.groundTruth());
  const step = () => runSyncStep(started.dependencies, workspace, clock.now + 60_000);
  return { harness: started, workspace, clock, step };
}

describe('paced sync steps', () => {
  it('gives each step the budget share of its interval, bounded by what the hour has left', () => {
    const settings = { ...DEFAULT_SYNC_SETTINGS, hourlyRequestBudget: 800, hourlyRequestLimit: 1000 };
    const nothingSpent = { total: 0, byPurpose: {} };
    const paced = { ...settings, stepIntervalMs: 5 * 60_000 };
    expect(stepAllowance(settings, nothingSpent)).toEqual({ hourLeft: 800, share: 800 });
    expect(stepAllowance(paced, nothingSpent)).toEqual({ hourLeft: 800, share: 67 });
    expect(stepAllowance(paced, { total: 990, byPurpose: { sync: 700 } })).toEqual({
      hourLeft: 10,
      share: 10,
    });
    expect(stepAllowance(settings, { total: 100, byPurpose: { sync: 800 } })).toEqual({
      hourLeft: 0,
      share: 0,
    });
  });

  it('refreshes a scope marked dirty in the very next step, after earlier steps of the hour spent their share', async () => {
    harness = await startHarness({
      seed: 'generated:users=60,groups=4,projects=3,repos=120,seed=5',
      settings: { hourlyRequestBudget: 240, stepIntervalMs: 5 * 60_000 },
    });
    const workspace = workspaceRefOf(await harness.groundTruth());
    // 240/h every 5 minutes: 20 requests a step.
    for (let step = 0; step < 3; step++) {
      const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
      expect(report.requests).toBeLessThanOrEqual(20);
      expect(report.outcome).toBe('budget-exhausted');
    }
    const repositories = await harness.store.listResources(workspace.id, 'repository');
    const hinted = `repository-grants/${repositories.at(-1)!.item.id}`;
    await harness.syncState.markDirty(workspace.id, [hinted], 'webhook repo:updated');
    await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    const state = (await harness.syncState.listScopeStates(workspace.id)).find(
      (entry) => entry.scope === hinted,
    );
    expect(state?.dirty).toBeUndefined();
    expect(state?.refreshedAt).toBeDefined();
  });

  it('completes a listing longer than one step share, and never spends more than the hour allows', async () => {
    // 450 members are 5 pages; 48/h every 5 minutes is a share of 4 requests a step.
    const { harness, workspace, clock, step } = await startClockedHarness(
      'generated:users=450,groups=3,projects=2,repos=30,seed=7',
      { hourlyRequestBudget: 48, stepIntervalMs: 5 * 60_000 },
    );
    const first = await step();
    expect(first.requests).toBe(5);
    const members = async () =>
      (await harness.syncState.listScopeStates(workspace.id)).find((entry) => entry.scope === 'members');
    expect((await members())?.refreshedAt).toBeDefined();
    expect((await members())?.requests).toBe(5);
    const membersRefreshedAt = (await members())?.refreshedAt;

    const spent: number[] = [first.requests];
    for (let count = 0; count < 20; count++) {
      const report = await step();
      spent.push(report.requests);
      if (report.outcome === 'no-budget-left') break;
      // Scopes of 1–2 requests fit a share of 4: steps after the first stay within it.
      expect(report.requests).toBeLessThanOrEqual(4);
    }
    expect(spent.reduce((sum, requests) => sum + requests, 0)).toBe(48);

    // An hour later, with 4 requests left in it, the members listing (5 last time) is not started; the
    // stale grant scopes wait with it so the hour fills up again, and only a scope a webhook marked dirty
    // goes ahead.
    clock.now += 61 * 60_000;
    await harness.ledger.record('sync', 44, new Date(clock.now));
    const repositories = await harness.store.listResources(workspace.id, 'repository');
    const hinted = `repository-grants/${repositories[0]!.item.id}`;
    await harness.syncState.markDirty(workspace.id, [hinted], 'webhook repo:updated');
    const before = await harness.requestTotal();
    const held = await step();
    expect(held.requests).toBe(2);
    expect(await harness.requestTotal()).toBe(before + 2);
    const states = await harness.syncState.listScopeStates(workspace.id);
    expect(states.find((entry) => entry.scope === hinted)?.dirty).toBeUndefined();
    expect((await members())?.refreshedAt).toBe(membersRefreshedAt);

    // Once the hour has room for it, the members listing is read first.
    clock.now += 61 * 60_000;
    const refilled = await step();
    expect(refilled.requests).toBeGreaterThanOrEqual(5);
    expect((await members())?.refreshedAt).toBe(new Date(clock.now).toISOString());
  });

  it('reports a listing larger than the whole hourly budget and keeps reading the other scopes', async () => {
    // 450 members are 5 pages; an hourly budget of 4 can never pay for them.
    const { harness, workspace, clock, step } = await startClockedHarness(
      'generated:users=450,groups=3,projects=2,repos=10,seed=7',
      { hourlyRequestBudget: 4 },
    );
    const stateOf = async (scope: string) =>
      (await harness.syncState.listScopeStates(workspace.id)).find((entry) => entry.scope === scope);

    // The first try learns the cost the hard way: the budget runs out on page 5.
    const first = await step();
    expect(first.outcome).toBe('budget-exhausted');
    expect((await stateOf('members'))?.requests).toBe(5);

    clock.now += 61 * 60_000;
    const second = await step();
    // groups, projects and repositories (1 each); the 1 request left cannot pay for a grant scope (2).
    expect(second.requests).toBe(3);
    expect((await stateOf('members'))?.lastError?.message).toBe(
      "members needs at least 5 requests, more than the sync's hourly budget of 4 (SYNC_HOURLY_REQUEST_BUDGET); it is not read",
    );
    expect((await stateOf('groups'))?.refreshedAt).toBe(new Date(clock.now).toISOString());
  });

  it('completes passes when re-reading every project each hour would take all that grant scopes get', async () => {
    // 20 projects are 40 requests an hour at the 60-minute grant interval: the whole budget of 40/h.
    // Stale project grants must not keep the never-read repository grants waiting forever.
    const { clock, step } = await startClockedHarness(
      'generated:users=40,groups=3,projects=20,repos=20,seed=3',
      {
        hourlyRequestBudget: 40,
        stepIntervalMs: 5 * 60_000,
      },
    );
    const completedAt: number[] = [];
    const started = clock.now;
    for (let count = 0; count < 12 * 12; count++, clock.now += 5 * 60_000) {
      const report = await step();
      if (report.passCompleted) completedAt.push((clock.now - started) / 3_600_000);
    }
    // 84 requests a pass at 40/h: the first pass ends after about 2–3 hours, and passes keep ending.
    expect(completedAt.length).toBeGreaterThanOrEqual(3);
    expect(completedAt[0]).toBeLessThan(4);
  });
});
