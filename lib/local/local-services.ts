// The local stand-in for the AWS deployment: the same four handlers, wired to DynamoDB Local and the
// configured Bitbucket. The HTTP API becomes the loopback adapter, SQS the in-process queue, and
// EventBridge Scheduler a timer that runs a sync step for every governed workspace.
import { createApiHandler } from '../../functions/api.js';
import { createSyncHandler } from '../../functions/sync.js';
import { createApplyEventsHandler } from '../../functions/apply-events.js';
import { createWebhookHandler } from '../../functions/webhook.js';
import type { SecretProvider, WebhookSecrets } from '../config/index.js';
import { logger } from '../observability/index.js';
import { ActivityLog } from '../store/activity-log.js';
import { DeliveryLog } from '../store/delivery-log.js';
import { LocalExportWriter } from '../store/export-files.js';
import { ProvisioningRequestStore } from '../store/provisioning-requests.js';
import { localWebhookSecretsPath, readWebhookSecretsFile } from '../webhooks/secret-file.js';
import { startLocalHttpServer } from './api-gateway-adapter.js';
import type { LocalConnector } from './connector.js';
import { LocalEventQueue } from './event-queue.js';
import { localLambdaContext } from './lambda-context.js';

export interface LocalServicesOptions {
  port: number;
  apiToken: string;
  /** Interval of the scheduled sync step (the EventBridge schedule in AWS); 0 turns it off. */
  syncIntervalMs?: number;
}

export interface LocalServices {
  url: string;
  queue: LocalEventQueue;
  close(): Promise<void>;
}

/** Webhook secrets from WEBHOOK_SECRETS plus those `bbgov webhooks install` wrote under DATA_DIR. */
function localWebhookSecrets(connector: LocalConnector): SecretProvider<WebhookSecrets> {
  const fromEnvironment =
    connector.config.webhooks.secrets.from === 'environment' ? connector.config.webhooks.secrets.secrets : {};
  const read = async () => ({
    ...(await readWebhookSecretsFile(localWebhookSecretsPath(connector.config.local.dataDir))),
    ...fromEnvironment,
  });
  return { current: read, reload: read };
}

export async function startLocalServices(
  connector: LocalConnector,
  options: LocalServicesOptions,
): Promise<LocalServices> {
  const tables = {
    documentClient: connector.localStore.documentClient,
    tableName: connector.localStore.tableName,
  };
  const { client, store, syncState, ledger } = connector.sync;
  const hourlyRequestLimit = connector.config.bitbucket.hourlyRequestLimit;

  const applyEvents = createApplyEventsHandler({
    client,
    store,
    syncState,
    ledger,
    activity: new ActivityLog(tables),
    hourlyRequestLimit,
  });
  const queue = new LocalEventQueue({ handler: applyEvents });
  const deliveryLog = new DeliveryLog(tables);
  const webhook = createWebhookHandler({
    secrets: localWebhookSecrets(connector),
    allowUnsigned: connector.config.webhooks.allowUnsigned,
    recordDelivery: (workspace, id) => deliveryLog.record(workspace, id),
    forgetDelivery: (workspace, id) => deliveryLog.forget(workspace, id),
    enqueue: async (message) => {
      queue.enqueue(message);
    },
  });
  const api = createApiHandler({
    client,
    store,
    syncState,
    ledger,
    requests: new ProvisioningRequestStore(tables),
    exportWriter: new LocalExportWriter(connector.config.local.dataDir),
    hourlyRequestLimit,
  });
  const server = await startLocalHttpServer({
    handlers: { api, webhook },
    apiToken: options.apiToken,
    port: options.port,
  });

  // EventBridge Scheduler becomes a timer invoking the same sync function with the same `{}` event.
  const sync = createSyncHandler(connector.sync, connector.config.bitbucket.workspaces);
  let running: Promise<void> | undefined;
  const syncAll = async () => {
    await sync({}, localLambdaContext('sync', 4 * 60_000));
  };
  const interval = options.syncIntervalMs ?? 5 * 60_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          running ??= syncAll()
            .catch((error: unknown) => logger.error('scheduled sync step failed', { error: error as Error }))
            .finally(() => {
              running = undefined;
            });
        }, interval)
      : undefined;
  timer?.unref();

  return {
    url: server.url,
    queue,
    close: async () => {
      if (timer) clearInterval(timer);
      await running;
      await server.close();
      await queue.drain();
    },
  };
}
