// The connector side of a measured full pass, run in its own process so its peak RSS is the sync's
// alone (the simulator and DynamoDB Local live elsewhere). Input: one JSON argument; output: one JSON line.
import { randomUUID } from 'node:crypto';
import type { Credential } from '../../lib/config/index.js';
import { createBitbucketClient } from '../../lib/bitbucket/index.js';
import { attachRequestCounter, createDynamoDbClients, GovernanceStore } from '../../lib/store/index.js';
import { RequestLedger, SyncStateStore } from '../../lib/store/sync-state.js';
import { DEFAULT_SYNC_SETTINGS, runUntilPassComplete, type SyncSettings } from '../../lib/sync/index.js';
import { attachModelWriteCounter } from '../support/governance-harness.js';

export interface FullPassInput {
  simulatorUrl: string;
  dynamoDbEndpoint: string;
  tableName: string;
  credential: Credential;
  workspace: { id: string; slug: string };
  settings?: Partial<SyncSettings>;
}

export interface FullPassOutput {
  completed: boolean;
  stoppedBecause?: string;
  steps: number;
  /** Requests the sync counted against its budget. */
  requests: number;
  changes: number;
  modelWrites: number;
  /** Every item written (resources, grants, change records, sync state, ledger). */
  writeItems: number;
  writeRequests: number;
  elapsedMs: number;
  /** Peak resident set of this process, in kilobytes. */
  maxRssKb: number;
  /** Resident set once everything is imported, before the pass: tsx and the modules alone. */
  rssBeforePassKb: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as FullPassInput;
  const { client: dynamoDb, documentClient } = createDynamoDbClients({ endpoint: input.dynamoDbEndpoint });
  const modelWrites = attachModelWriteCounter(dynamoDb);
  const writes = attachRequestCounter(dynamoDb);
  const credential = input.credential;
  const client = createBitbucketClient({
    apiUrl: input.simulatorUrl,
    oauthUrl: input.simulatorUrl,
    credentials: { current: async () => credential, reload: async () => credential },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  const tableName = input.tableName;
  const rssBeforePassKb = Math.round(process.memoryUsage().rss / 1024);
  const started = performance.now();
  let scopesDone = 0;
  const result = await runUntilPassComplete(
    {
      client,
      store: new GovernanceStore({ documentClient, tableName }),
      syncState: new SyncStateStore({ documentClient, tableName }),
      ledger: new RequestLedger({ documentClient, tableName }),
      settings: {
        ...DEFAULT_SYNC_SETTINGS,
        hourlyRequestBudget: 10_000_000,
        hourlyRequestLimit: 10_000_000,
        ...input.settings,
      },
      runnerId: randomUUID(),
      // A full pass on L runs for many minutes in one step: say how far it got every 1,000 scopes.
      onScope: () => {
        scopesDone += 1;
        if (scopesDone % 1_000 === 0)
          process.stderr.write(
            `bench: full pass: ${scopesDone.toLocaleString('en-US')} scopes, ${Math.round((performance.now() - started) / 1000)} s\n`,
          );
      },
    },
    input.workspace,
    { stepTimeMs: 6 * 3_600_000, maxSteps: 100 },
  );
  const output: FullPassOutput = {
    completed: result.completed,
    ...(result.stoppedBecause ? { stoppedBecause: result.stoppedBecause } : {}),
    steps: result.steps.length,
    requests: result.requests,
    changes: result.steps.reduce((sum, step) => sum + step.changes, 0),
    modelWrites: modelWrites.count,
    writeItems: writes.counts.writeItems,
    writeRequests: writes.counts.writeRequests,
    elapsedMs: Math.round(performance.now() - started),
    maxRssKb: process.resourceUsage().maxRSS,
    rssBeforePassKb,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
  dynamoDb.destroy();
}

await main();
