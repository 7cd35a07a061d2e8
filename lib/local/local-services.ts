// The local stand-in for the AWS deployment: the same four handlers, wired to DynamoDB Local and the
// configured Bitbucket. The HTTP API becomes the loopback adapter, SQS the in-process queue, and
// EventBridge Scheduler a timer that runs a sync step for every governed workspace.
import type { SecretProvider, WebhookSecrets } from '../config/index.js';
import { createApiHandler } from '../handlers/api-handler.js';
import { createApplyEventsHandler } from '../handlers/apply-events-handler.js';
import { createGrantExpiryHandler } from '../handlers/grant-expiry-handler.js';
import { createSyncHandler } from '../handlers/sync-handler.js';
import { createWebhookHandler } from '../handlers/webhook-handler.js';
import { provisioningDependenciesOf } from '../api/provisioning-handlers.js';
import { logger } from '../observability/index.js';
import { localWebhookSecretsPath, readWebhookSecretsFile } from '../webhooks/secret-file.js';
import { startLocalHttpServer } from './api-gateway-adapter.js';
import { localApiDependencies, type LocalConnector } from './connector.js';
import { localBearerTokens } from './local-authorization.js';
import { LocalEventQueue } from './event-queue.js';
import { localLambdaContext } from './lambda-context.js';

export interface LocalServicesOptions {
  port: number;
  apiToken: string;
  /** Interval of the scheduled sync step (the EventBridge schedule in AWS); 0 turns it off. */
  syncIntervalMs?: number;
  /** Interval of the expiry of time-boxed grants (default a minute); 0 turns it off. */
  expiryIntervalMs?: number;
}

export interface LocalServices {
  url: string;
  queue: LocalEventQueue;
  close(): Promise<void>;
}

/**
 * What `npm start` and `bbgov serve` print once the server answers: `api listening on URL` (its exact text
 * is a contract scripts wait for) and, on its own line after it, where the reviewer page is.
 */
export function listeningLines(url: string): [string, string] {
  return [`api listening on ${url}`, `reviewer page: ${url}/ui/`];
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

/**
 * Runs `job` every `intervalMs` (0: never) as a schedule would, one run at a time (a tick while one runs is
 * skipped), logging a failure under `what`. `stop` clears the timer and waits for a run in progress.
 */
function repeating(intervalMs: number, what: string, job: () => Promise<void>): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          running ??= job()
            .catch((error: unknown) => logger.error(`${what} failed`, { error: error as Error }))
            .finally(() => {
              running = undefined;
            });
        }, intervalMs)
      : undefined;
  timer?.unref();
  return {
    stop: async () => {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

export async function startLocalServices(
  connector: LocalConnector,
  options: LocalServicesOptions,
): Promise<LocalServices> {
  const { client } = connector;
  const { store, syncState, ledger, activity, deliveryLog } = connector.stores;
  const hourlyRequestLimit = connector.config.bitbucket.hourlyRequestLimit;

  const applyEvents = createApplyEventsHandler({
    client,
    store,
    syncState,
    ledger,
    activity,
    hourlyRequestLimit,
  });
  const queue = new LocalEventQueue({ handler: applyEvents });
  const webhook = createWebhookHandler({
    secrets: localWebhookSecrets(connector),
    allowUnsigned: connector.config.webhooks.allowUnsigned,
    recordDelivery: (workspace, id) => deliveryLog.record(workspace, id),
    forgetDelivery: (workspace, id) => deliveryLog.forget(workspace, id),
    enqueue: async (message) => {
      queue.enqueue(message);
    },
  });
  const api = createApiHandler(localApiDependencies(connector));
  const server = await startLocalHttpServer({
    handlers: { api, webhook },
    apiToken: options.apiToken,
    apiTokens: localBearerTokens(connector.config.local.apiTokens),
    port: options.port,
  });

  // EventBridge Scheduler becomes a timer invoking the same sync function with the same `{}` event.
  const sync = createSyncHandler({
    ...connector.sync,
    configuredWorkspaces: connector.config.bitbucket.workspaces,
  });
  const syncTimer = repeating(options.syncIntervalMs ?? 5 * 60_000, 'scheduled sync step', async () => {
    await sync({}, localLambdaContext('sync', 4 * 60_000));
  });

  // The every-minute expiry of time-boxed grants: the same function EventBridge Scheduler starts in AWS.
  const apiDependencies = localApiDependencies(connector);
  const expireGrants = createGrantExpiryHandler({
    ...(apiDependencies.accessRequestEvents ? { events: apiDependencies.accessRequestEvents } : {}),
    accessRequests: apiDependencies.accessRequests,
    store: apiDependencies.store,
    provisioning: provisioningDependenciesOf(apiDependencies),
    now: () => new Date(),
  });
  const expiryTimer = repeating(options.expiryIntervalMs ?? 60_000, 'grant expiry', async () => {
    await expireGrants({}, localLambdaContext('grant-expiry', 50_000));
  });

  return {
    url: server.url,
    queue,
    close: async () => {
      await Promise.all([syncTimer.stop(), expiryTimer.stop()]);
      await server.close();
      await queue.drain();
    },
  };
}
