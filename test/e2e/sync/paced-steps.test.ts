// Scheduled steps are paced: each spends the hourly budget's share of one interval, so every step of the
// hour still has requests for due membership listings and for scopes webhooks marked dirty. A listing
// longer than one share still completes: it starts alone and finishes on what the hour has left.
import { afterEach, describe, expect, it } from 'vitest';
import {
  runSyncStep,
  stepAllowance,
  DEFAULT_SYNC_SETTINGS,
  type WorkspaceRef,
} from '../../../lib/sync/index.js';
import { startHarness, type Harness } from '../../support/governance-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

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
    const seed = await harness.groundTruth();
    const workspace: WorkspaceRef = {
      id: seed.workspaces[0]!.uuid.replace(/[{}]/g, '').toLowerCase(),
      slug: 'generated',
    };
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
    // 250 members are 3 pages; 24/h every 5 minutes is a share of 2 requests a step.
    harness = await startHarness({
      seed: 'generated:users=250,groups=3,projects=2,repos=30,seed=7',
      settings: { hourlyRequestBudget: 24, hourlyRequestLimit: 1000, stepIntervalMs: 5 * 60_000 },
    });
    const seed = await harness.groundTruth();
    const workspace: WorkspaceRef = {
      id: seed.workspaces[0]!.uuid.replace(/[{}]/g, '').toLowerCase(),
      slug: 'generated',
    };
    const first = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(first.requests).toBe(3);
    const members = async () =>
      (await harness!.syncState.listScopeStates(workspace.id)).find((entry) => entry.scope === 'members');
    expect((await members())?.refreshedAt).toBeDefined();
    expect((await members())?.requests).toBe(3);

    const spent: number[] = [first.requests];
    for (let step = 0; step < 20; step++) {
      const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
      spent.push(report.requests);
      if (report.outcome === 'no-budget-left') break;
      // Grant scopes of 1–2 requests fit a share of 2: steps after the first stay within it.
      expect(report.requests).toBeLessThanOrEqual(2);
    }
    expect(spent.reduce((sum, requests) => sum + requests, 0)).toBe(24);

    // With 2 requests left in the hour, a members listing that cost 3 is not started at all.
    const hour = await harness.ledger.spentInLastHour(new Date());
    await harness.ledger.record('sync', 22 - (hour.byPurpose.sync ?? 0), new Date());
    await harness.syncState.markDirty(workspace.id, ['members'], 'test: member left');
    const before = await harness.requestTotal();
    const held = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(held.requests).toBe(0);
    expect(await harness.requestTotal()).toBe(before);
    expect((await members())?.dirty).toBe(true);
  });
});
