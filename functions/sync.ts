// The scheduled sync step Lambda (EventBridge Scheduler): lib/handlers/sync-handler.ts over AWS.
import { createSyncHandler, type SyncHandlerDependencies } from '../lib/handlers/sync-handler.js';
import { additionalSyncIdentities, syncSettingsFromConfig } from '../lib/sync/index.js';
import { bitbucketClient, organizationAccess } from './commons/bitbucket.js';
import { config, stores } from './commons/clients.js';

function syncDependencies(): SyncHandlerDependencies {
  const { store, syncState, ledger } = stores();
  return {
    client: bitbucketClient(),
    store,
    syncState,
    ledger,
    settings: syncSettingsFromConfig(config()),
    organization: organizationAccess(),
    // The credentials secret's `syncIdentities`: further service accounts, each with its own hour.
    additionalIdentities: additionalSyncIdentities(config(), stores().ledgerOf),
    runnerId: `sync-${process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? process.pid}`,
    configuredWorkspaces: config().bitbucket.workspaces,
  };
}

export const handler = createSyncHandler(syncDependencies);
