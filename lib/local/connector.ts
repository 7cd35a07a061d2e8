// The composition root for local use (`npm start` and the CLI): configuration, the store (embedded or
// DYNAMODB_ENDPOINT), and a Bitbucket client for real credentials or, without any, for the bundled
// simulator with its demo workspace.
import { localAuthorizationPolicy } from './local-authorization.js';
import type { ApiDependencies } from '../api/index.js';
import { organizationAccess, type OrganizationAccess } from '../atlassian-admin/index.js';
import { bitbucketClientFromConfig, type BitbucketClient } from '../bitbucket/index.js';
import {
  credentialProvider,
  loadConfig,
  organizationCredentialProvider,
  type AppConfig,
  type Credential,
  type OrganizationCredential,
  type SecretProvider,
} from '../config/index.js';
import { loadSeed, startSimulator, type RunningSimulator } from '../simulator/index.js';
import { LocalExportWriter } from '../store/export-files.js';
import { governanceStores, type GovernanceStore, type GovernanceStores } from '../store/index.js';
import { additionalSyncIdentities, syncSettingsFromConfig, type SyncDependencies } from '../sync/index.js';
import { openLocalStore, type LocalStore } from './local-store.js';

export interface LocalConnector {
  config: AppConfig;
  /** Set when no credential was configured and the bundled simulator stands in for Bitbucket. */
  simulator?: RunningSimulator;
  credentials: SecretProvider<Credential>;
  client: BitbucketClient;
  store: GovernanceStore;
  /** Every store of the table (store above is stores.store). */
  stores: GovernanceStores;
  localStore: LocalStore;
  sync: SyncDependencies;
  /** The Atlassian organization side (Admin API); its credential may be none. */
  organization: OrganizationAccess;
  close(): Promise<void>;
}

/** The API's collaborators on this machine: exports go under DATA_DIR/exports. */
export function localApiDependencies(connector: LocalConnector): ApiDependencies {
  const { store, syncState, ledger, requests, accessRequests, reviews } = connector.stores;
  return {
    authorization: localAuthorizationPolicy(connector.config.local.apiTokens),
    client: connector.client,
    store,
    syncState,
    ledger,
    requests,
    accessRequests,
    reviews,
    exportWriter: new LocalExportWriter(connector.config.local.dataDir),
    hourlyRequestLimit: connector.config.bitbucket.hourlyRequestLimit,
    organization: { access: connector.organization, statuses: syncState },
  };
}

export interface OpenConnectorOptions {
  env?: NodeJS.ProcessEnv;
  /** Wipe the embedded database first. */
  fresh?: boolean;
  /** Seed for the simulator when no credential is configured (default `demo`). */
  simulatorSeed?: string;
}

/** The first organization of a simulator seed as an organization credential, or null when it has none. */
function seedOrganizationCredential(seedSpec: string): OrganizationCredential | null {
  const [organization] = loadSeed(seedSpec).organizations ?? [];
  return organization ? { orgId: organization.id, apiKey: organization.apiKey } : null;
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
    // A seed with an organization stands in for admin.atlassian.com too, on the simulator's port.
    const organization =
      config.organization.credentials.from === 'none' ? seedOrganizationCredential(seed) : null;
    if (organization) {
      config = {
        ...config,
        organization: {
          ...config.organization,
          apiUrl: simulator.url,
          credentials: { from: 'environment', credential: organization },
        },
      };
    }
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
  const stores = governanceStores({
    documentClient: localStore.documentClient,
    tableName: localStore.tableName,
  });
  const client = bitbucketClientFromConfig(config, credentials);
  const { store, syncState, ledger } = stores;
  const organization = organizationAccess(
    config.organization,
    organizationCredentialProvider(config.organization.credentials),
    stores.adminLedger,
  );
  const sync: SyncDependencies = {
    client,
    store,
    syncState,
    ledger,
    settings: syncSettingsFromConfig(config),
    organization,
    additionalIdentities: additionalSyncIdentities(config, stores.ledgerOf),
    runnerId: `local-${process.pid}`,
  };
  return {
    config,
    ...(simulator ? { simulator } : {}),
    credentials,
    client,
    store,
    stores,
    localStore,
    sync,
    organization,
    close: async () => {
      await localStore.close();
      await simulator?.stop();
    },
  };
}
