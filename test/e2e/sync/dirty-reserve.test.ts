// Scopes marked dirty (by webhooks or provisioning) must not wait for the next hour: a share of the
// sync's hourly budget is kept for them, so a later step of the same hour still refreshes them.
import { afterEach, describe, expect, it } from 'vitest';
import { runSyncStep, type WorkspaceRef } from '../../../lib/sync/index.js';
import { startHarness, type Harness } from '../../support/governance-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('dirty reserve', () => {
  it('keeps part of the hour for dirty scopes after ordinary refreshes spent the rest', async () => {
    harness = await startHarness({
      seed: 'generated:users=60,groups=4,projects=3,repos=120,seed=5',
      settings: { hourlyRequestBudget: 100, dirtyReserveShare: 0.1 },
    });
    const seed = await harness.groundTruth();
    const workspace: WorkspaceRef = {
      id: seed.workspaces[0]!.uuid.replace(/[{}]/g, '').toLowerCase(),
      slug: 'generated',
    };

    const first = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(first.outcome).toBe('budget-exhausted');
    // Ordinary refreshes stop at the reserve: 10 of the 100 requests are left.
    expect(first.requests).toBeLessThanOrEqual(90);
    expect(first.requests).toBeGreaterThan(80);

    const nothingDirty = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(nothingDirty.requests).toBe(0);

    const repositories = await harness.store.listResources(workspace.id, 'repository');
    const hinted = `repository-grants/${repositories.at(-1)!.item.id}`;
    await harness.syncState.markDirty(workspace.id, [hinted], 'webhook repo:updated');
    const second = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(second.scopesRefreshed).toBe(1);
    expect(second.requests).toBe(2);
    const state = (await harness.syncState.listScopeStates(workspace.id)).find(
      (entry) => entry.scope === hinted,
    );
    expect(state?.dirty).toBeUndefined();
    expect(state?.refreshedAt).toBeDefined();
  });
});
