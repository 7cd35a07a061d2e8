// The composition root for local use (`npm start` and the CLI): configuration, the store (embedded or
// DYNAMODB_ENDPOINT), and a Bitbucket client for real credentials or, without any, for the bundled
// simulator with its demo workspace.
import { bitbucketClientFromConfig, type BitbucketClient } from '../bitbucket/index.js';
import {
  credentialProvider,
  loadConfig,
  type AppConfig,
  type Credential,
  type SecretProvider,
} from '../config/index.js';
import { loadSeed, startSimulator, type RunningSimulator } from '../simulator/index.js';
import { GovernanceStore } from '../store/index.js';
import { RequestLedger, SyncStateStore } from '../store/sync-state.js';
import { syncSettingsFromConfig, type SyncDependencies } from '../sync/index.js';
import { openLocalStore, type LocalStore } from './local-store.js';

export interface LocalConnector {
  config: AppConfig;
  /** Set when no credential was configured and the bundled simulator stands in for Bitbucket. */
  simulator?: RunningSimulator;
  credentials: SecretProvider<Credential>;
  client: BitbucketClient;
  store: GovernanceStore;
  localStore: LocalStore;
  sync: SyncDependencies;
  close(): Promise<void>;
}

export interface OpenConnectorOptions {
  env?: NodeJS.ProcessEnv;
  /** Wipe the embedded database first. */
  fresh?: boolean;
  /** Seed for the simulator when no credential is configured (default `demo`). */
  simulatorSeed?: string;
}

function demoCredential(seedSpec: string): Credential {
  const token = loadSeed(seedSpec).credentials.find((entry) => entry.kind === 'api-token');
  if (!token || token.kind !== 'api-token')
    throw new Error(`simulator seed ${seedSpec} has no api-token credential`);
  return { auth: 'api-token', email: token.email, apiToken: token.token };
}

export async function openConnector(options: OpenConnectorOptions = {}): Promise<LocalConnector> {
  let config = loadConfig(options.env ?? process.env);
  let simulator: RunningSimulator | undefined;
  let credentials: SecretProvider<Credential>;
  if (config.bitbucket.credentials.from === 'none') {
    const seed = options.simulatorSeed ?? 'demo';
    simulator = await startSimulator({ seed });
    const credential = demoCredential(seed);
    credentials = { current: async () => credential, reload: async () => credential };
    config = {
      ...config,
      bitbucket: { ...config.bitbucket, apiUrl: simulator.url, oauthUrl: simulator.url },
    };
  } else {
    credentials = credentialProvider(config.bitbucket.credentials);
  }
  let localStore: LocalStore;
  try {
    localStore = await openLocalStore(config, { fresh: options.fresh ?? false });
  } catch (error) {
    await simulator?.stop();
    throw error;
  }
  const tables = { documentClient: localStore.documentClient, tableName: localStore.tableName };
  const client = bitbucketClientFromConfig(config, credentials);
  const store = new GovernanceStore(tables);
  const sync: SyncDependencies = {
    client,
    store,
    syncState: new SyncStateStore(tables),
    ledger: new RequestLedger(tables),
    settings: syncSettingsFromConfig(config),
    runnerId: `local-${process.pid}`,
  };
  return {
    config,
    ...(simulator ? { simulator } : {}),
    credentials,
    client,
    store,
    localStore,
    sync,
    close: async () => {
      await localStore.close();
      await simulator?.stop();
    },
  };
}
