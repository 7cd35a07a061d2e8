// A synced connector for applier tests: the simulator seeded with test/fixtures/webhooks/seed.json, a
// fresh table holding one complete sync pass, and the applier's dependencies wired to both.
import { expect } from 'vitest';
import { ActivityLog } from '../../../../lib/store/activity-log.js';
import { runUntilPassComplete } from '../../../../lib/sync/index.js';
import type { ApplyEventsDependencies } from '../../../../lib/webhooks/apply.js';
import { IDS, SEED_PATH } from '../../../fixtures/webhooks/payloads.js';
import { expectedPicture, startHarness, type Harness } from '../../../support/governance-harness.js';

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

/** The stored picture of the workspace is what a full sync of Bitbucket now would store. */
export async function expectStoreFollowsBitbucket(connector: SyncedConnector): Promise<void> {
  const truth = await connector.harness.groundTruth();
  expect(await connector.harness.storedPicture(WORKSPACE.id)).toEqual(expectedPicture(truth, WORKSPACE.slug));
}

/** Simulator mutations creating repository `deploy` (uuid IDS.deploy) in CORE, with grace granted on it. */
export function createDeployRepository(gracePermission: 'read' | 'write' | 'admin') {
  return [
    {
      op: 'createRepository',
      workspace: 'acme',
      repository: { slug: 'deploy', project: 'CORE', uuid: `{${IDS.deploy}}` },
    },
    {
      op: 'grantRepository',
      workspace: 'acme',
      repository: 'deploy',
      user: IDS.grace,
      permission: gracePermission,
    },
  ];
}
