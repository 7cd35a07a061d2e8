// The queue between the webhook receiver and the applier: SQS, its client built on first use. Only the
// receiver imports this, so no other bundle carries the SQS client.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookEventMessage } from '../../lib/webhooks/event-message.js';
import { once } from './once.js';

const sqsClient = once(() => new SQSClient({}));

/** Sends one verified delivery to `queueUrl`, its event key as the `eventKey` message attribute. */
export async function sendToEventQueue(queueUrl: string, message: WebhookEventMessage): Promise<void> {
  await sqsClient().send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message),
      MessageAttributes: { eventKey: { DataType: 'String', StringValue: message.eventKey } },
    }),
  );
}
