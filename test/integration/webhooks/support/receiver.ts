// The local path of a delivery: the real webhook function behind the local API Gateway adapter,
// recording deliveries in a DynamoDB Local table, and (for the whole flow) the in-process queue that the
// real apply-events handler drains.
import type { SQSEvent } from 'aws-lambda';
import { createApplyEventsHandler } from '../../../../lib/handlers/apply-events-handler.js';
import { createWebhookHandler } from '../../../../lib/handlers/webhook-handler.js';
import type { SecretProvider, WebhookSecrets } from '../../../../lib/config/index.js';
import { startLocalHttpServer, type LocalHttpServer } from '../../../../lib/local/api-gateway-adapter.js';
import { LocalEventQueue } from '../../../../lib/local/event-queue.js';
import { DeliveryLog } from '../../../../lib/store/delivery-log.js';
import type { WebhookIntakeDependencies } from '../../../../lib/webhooks/intake.js';
import type { SyncedConnector } from './synced-connector.js';

type DocumentTable = ConstructorParameters<typeof DeliveryLog>[0];

/** Secrets that never change, e.g. `{ acme: SECRET }`. */
export function fixedSecrets(secrets: WebhookSecrets): SecretProvider<WebhookSecrets> {
  return { current: async () => secrets, reload: async () => secrets };
}

export interface ReceiverOptions {
  table: DocumentTable;
  secrets: SecretProvider<WebhookSecrets>;
  enqueue: WebhookIntakeDependencies['enqueue'];
}

/** The webhook function on a loopback port; the API route answers 404. */
export function startReceiver(options: ReceiverOptions): Promise<LocalHttpServer> {
  const deliveryLog = new DeliveryLog({
    documentClient: options.table.documentClient,
    tableName: options.table.tableName,
  });
  const webhook = createWebhookHandler({
    secrets: options.secrets,
    allowUnsigned: [],
    recordDelivery: (workspace, id) => deliveryLog.record(workspace, id),
    forgetDelivery: (workspace, id) => deliveryLog.forget(workspace, id),
    enqueue: options.enqueue,
  });
  return startLocalHttpServer({
    apiToken: 'unused-token-0123456789',
    handlers: { webhook, api: async () => ({ statusCode: 404 }) },
  });
}

export interface DeliveryPipeline {
  server: LocalHttpServer;
  queue: LocalEventQueue;
}

/** Receiver, queue and applier wired to a synced connector; `onBatch` sees each batch before the applier. */
export async function startDeliveryPipeline(
  connector: SyncedConnector,
  options: { secrets: SecretProvider<WebhookSecrets>; onBatch?: (event: SQSEvent) => void },
): Promise<DeliveryPipeline> {
  const applyEvents = createApplyEventsHandler(connector.dependencies);
  const queue = new LocalEventQueue({
    handler: async (event, context) => {
      options.onBatch?.(event);
      return applyEvents(event, context);
    },
    retryDelayMs: 0,
  });
  const server = await startReceiver({
    table: connector.harness,
    secrets: options.secrets,
    enqueue: (message) => queue.enqueue(message),
  });
  return { server, queue };
}
