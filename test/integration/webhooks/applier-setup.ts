// A synced connector for applier tests: the simulator seeded with test/fixtures/webhooks/seed.json, a
// fresh table holding one complete sync pass, and the applier's dependencies wired to both.
import { ActivityLog } from '../../../lib/store/activity-log.js';
import { runUntilPassComplete } from '../../../lib/sync/index.js';
import type { ApplyEventsDependencies } from '../../../lib/webhooks/apply.js';
import { IDS, SEED_PATH } from '../../fixtures/webhooks/payloads.js';
import { startHarness, type Harness } from '../../support/governance-harness.js';

export const WORKSPACE = { id: IDS.workspace, slug: 'acme' };

export interface SyncedConnector {
  harness: Harness;
  dependencies: ApplyEventsDependencies;
  activity: ActivityLog;
}

export async function startSyncedConnector(): Promise<SyncedConnector> {
  const harness = await startHarness({ seed: SEED_PATH });
  await harness.store.putWorkspace(
    { uuid: IDS.workspace, slug: 'acme', name: 'Acme' },
    new Date().toISOString(),
    {
      cause: 'sync',
      actor: 'sync',
    },
  );
  const pass = await runUntilPassComplete(harness.dependencies, WORKSPACE);
  if (!pass.completed) throw new Error(`the initial pass did not complete: ${pass.stoppedBecause}`);
  const activity = new ActivityLog({ documentClient: harness.documentClient, tableName: harness.tableName });
  return {
    harness,
    activity,
    dependencies: {
      client: harness.client,
      store: harness.store,
      syncState: harness.syncState,
      ledger: harness.ledger,
      activity,
      hourlyRequestLimit: 1000,
    },
  };
}
