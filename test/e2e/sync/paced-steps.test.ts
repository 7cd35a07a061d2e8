// Scheduled steps are paced: each spends the hourly budget's share of one interval, so every step of the
// hour still has requests for due membership listings and for scopes webhooks marked dirty.
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
    expect(stepAllowance(settings, nothingSpent)).toBe(800);
    expect(stepAllowance({ ...settings, stepIntervalMs: 5 * 60_000 }, nothingSpent)).toBe(67);
    expect(
      stepAllowance({ ...settings, stepIntervalMs: 5 * 60_000 }, { total: 990, byPurpose: { sync: 700 } }),
    ).toBe(10);
    expect(stepAllowance(settings, { total: 100, byPurpose: { sync: 800 } })).toBe(0);
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
});
