// The webhook receiver Lambda (POST /webhooks/bitbucket/{workspace}): lib/handlers/webhook-handler.ts over AWS.
// It verifies, records the delivery and queues it: the table, the webhook secrets and SQS, nothing else
// (no Bitbucket client, no API), so its bundle stays small.
import { webhookSecretProvider } from '../lib/config/index.js';
import { createWebhookHandler } from '../lib/handlers/webhook-handler.js';
import { logger } from '../lib/observability/index.js';
import type { WebhookEventMessage } from '../lib/webhooks/event-message.js';
import type { WebhookIntakeDependencies } from '../lib/webhooks/intake.js';
import { config, stores } from './commons/clients.js';
import { sendToEventQueue } from './commons/event-queue.js';

function webhookDependencies(): WebhookIntakeDependencies {
  const { webhooks } = config();
  const { deliveryLog } = stores();
  if (webhooks.allowUnsigned.length > 0) {
    logger.warn('WEBHOOK_ALLOW_UNSIGNED lists workspaces whose unsigned deliveries only mark scopes dirty', {
      workspaces: webhooks.allowUnsigned,
    });
  }
  return {
    secrets: webhookSecretProvider(webhooks.secrets),
    allowUnsigned: webhooks.allowUnsigned,
    recordDelivery: (workspace, id) => deliveryLog.record(workspace, id),
    forgetDelivery: (workspace, id) => deliveryLog.forget(workspace, id),
    enqueue: async (message: WebhookEventMessage) => {
      if (!webhooks.queueUrl)
        throw new Error('EVENTS_QUEUE_URL is not set: the receiver has nowhere to queue events');
      await sendToEventQueue(webhooks.queueUrl, message);
    },
  };
}

export const handler = createWebhookHandler(webhookDependencies);
