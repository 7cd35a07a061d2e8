// POST /webhooks/bitbucket/{workspace}: verify, deduplicate, queue, answer 202. Never calls Bitbucket.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig, webhookSecretProvider } from '../lib/config/index.js';
import { errorResponse, jsonAnswer } from '../lib/errors/index.js';
import { logger, metrics } from '../lib/observability/index.js';
import { DeliveryLog } from '../lib/store/delivery-log.js';
import { governanceTableFromConfig } from '../lib/store/dynamodb-client.js';
import type { WebhookEventMessage } from '../lib/webhooks/event-message.js';
import { receiveWebhook, type WebhookIntakeDependencies } from '../lib/webhooks/intake.js';

const config = loadConfig();
if (config.webhooks.allowUnsigned) {
  logger.warn('WEBHOOK_ALLOW_UNSIGNED is on: deliveries without X-Hub-Signature are accepted');
}
const deliveryLog = new DeliveryLog(governanceTableFromConfig(config));
const sqs = new SQSClient({});

async function sendToQueue(message: WebhookEventMessage): Promise<void> {
  if (!config.webhooks.queueUrl)
    throw new Error('EVENTS_QUEUE_URL is not set: the receiver has nowhere to queue events');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: config.webhooks.queueUrl,
      MessageBody: JSON.stringify(message),
      MessageAttributes: { eventKey: { DataType: 'String', StringValue: message.eventKey } },
    }),
  );
}

/** The receiver with its collaborators passed in: AWS below, the in-process queue in the local server. */
export function createWebhookHandler(dependencies: WebhookIntakeDependencies) {
  return middy(async (event: APIGatewayProxyEventV2) => {
    const workspace = event.pathParameters?.workspace ?? '';
    try {
      const outcome = await receiveWebhook(
        {
          workspace,
          headers: event.headers,
          rawBody: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
        },
        dependencies,
      );
      metrics.addMetric(
        outcome.status === 'accepted' ? 'WebhookAccepted' : 'WebhookDuplicate',
        MetricUnit.Count,
        1,
      );
      return jsonAnswer(202, { status: outcome.status });
    } catch (error) {
      const answer = errorResponse(error);
      metrics.addMetric('WebhookRejected', MetricUnit.Count, 1);
      logger.warn('webhook rejected', {
        workspace,
        status: answer.statusCode,
        reason: (error as Error).message,
      });
      return answer;
    }
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const handler = createWebhookHandler({
  secrets: webhookSecretProvider(config.webhooks.secrets),
  allowUnsigned: config.webhooks.allowUnsigned,
  recordDelivery: (workspace, id) => deliveryLog.record(workspace, id),
  forgetDelivery: (workspace, id) => deliveryLog.forget(workspace, id),
  enqueue: sendToQueue,
});
