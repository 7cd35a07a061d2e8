// The store for local commands: DYNAMODB_ENDPOINT when set, otherwise an embedded DynamoDB Local whose
// data lives under DATA_DIR, so `bbgov sync` followed by `bbgov serve` share one picture.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../config/index.js';
import { createDynamoDbClients, createGovernanceTable } from '../store/dynamodb-client.js';
import { startEmbeddedDynamoDb } from './embedded-dynamodb.js';

export interface LocalStore {
  endpoint: string;
  tableName: string;
  documentClient: ReturnType<typeof createDynamoDbClients>['documentClient'];
  /** True when this process started DynamoDB Local (and stops it in close()). */
  embedded: boolean;
  /** Set when embedded: the warning that the engine listens on every interface, to show once. */
  exposure?: string;
  close(): Promise<void>;
}

export async function openLocalStore(
  config: AppConfig,
  options: { fresh?: boolean } = {},
): Promise<LocalStore> {
  let endpoint = config.store.endpoint;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let exposure: string | undefined;
  if (!endpoint) {
    const dataDir = resolve(config.local.dataDir, 'dynamodb');
    if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
    // The local picture of who can reach what is for its owner alone (0700 for folders it creates).
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const embedded = await startEmbeddedDynamoDb({ dataDir });
    endpoint = embedded.endpoint;
    stopEmbedded = embedded.stop;
    exposure = embedded.exposure;
  }
  const { client, documentClient } = createDynamoDbClients({ endpoint });
  await createGovernanceTable(client, config.store.tableName);
  return {
    endpoint,
    tableName: config.store.tableName,
    documentClient,
    embedded: stopEmbedded !== undefined,
    ...(exposure ? { exposure } : {}),
    close: async () => {
      client.destroy();
      await stopEmbedded?.();
    },
  };
}

export function localFile(config: AppConfig, ...parts: string[]): string {
  return join(resolve(config.local.dataDir), ...parts);
}
