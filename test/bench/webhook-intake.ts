// Figure 5: signed deliveries through the real webhook function behind the local API Gateway adapter,
// deduplicated in DynamoDB Local, queued in memory. Receiver time is the handler's own time; the
// round trip adds the loopback HTTP client.
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createWebhookHandler } from '../../lib/handlers/webhook-handler.js';
import { startLocalHttpServer } from '../../lib/local/api-gateway-adapter.js';
import { DeliveryLog } from '../../lib/store/delivery-log.js';
import { signBody } from '../../lib/webhooks/signature.js';
import { freshTableAt } from '../support/dynamodb.js';
import { percentile, round, type Figure } from './figures.js';

const DELIVERIES = 1_000;
const SECRET = 'bench-webhook-secret-0123456789';

export async function measureWebhookIntake(dynamoDbEndpoint: string): Promise<Figure[]> {
  const table = await freshTableAt(dynamoDbEndpoint, 'bench-webhook');
  const deliveryLog = new DeliveryLog({ documentClient: table.documentClient, tableName: table.tableName });
  let queued = 0;
  const webhook = createWebhookHandler({
    secrets: { current: async () => ({ acme: SECRET }), reload: async () => ({ acme: SECRET }) },
    allowUnsigned: [],
    recordDelivery: (workspace, id) => deliveryLog.record(workspace, id),
    forgetDelivery: (workspace, id) => deliveryLog.forget(workspace, id),
    enqueue: async () => {
      queued += 1;
    },
  });
  const receiverMs: number[] = [];
  const timedWebhook = async (event: APIGatewayProxyEventV2, context: Context) => {
    const started = performance.now();
    try {
      return await webhook(event, context);
    } finally {
      receiverMs.push(performance.now() - started);
    }
  };
  const server = await startLocalHttpServer({
    apiToken: 'bench-unused-token-0123456789',
    handlers: { webhook: timedWebhook, api: async () => ({ statusCode: 404 }) },
  });
  const push = JSON.parse(
    readFileSync(new URL('../fixtures/webhooks/repo-push.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const roundTripMs: number[] = [];
  try {
    for (let index = 0; index < DELIVERIES; index++) {
      // Every push is its own event (the same signed body twice is a duplicate by its digest).
      const body = Buffer.from(JSON.stringify({ ...push, push: { changes: [], bench: index } }));
      const started = performance.now();
      const response = await fetch(`${server.url}/webhooks/bitbucket/acme`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-event-key': 'repo:push',
          'x-hub-signature': signBody(body, SECRET),
          'x-request-uuid': `bench-delivery-${index}`,
        },
      });
      await response.arrayBuffer();
      roundTripMs.push(performance.now() - started);
      if (response.status !== 202) throw new Error(`delivery ${index} answered ${response.status}`);
    }
  } finally {
    await server.close();
    table.client.destroy();
  }
  if (queued !== DELIVERIES) throw new Error(`queued ${queued} of ${DELIVERIES} deliveries`);
  const note = `${DELIVERIES} distinct signed repo:push deliveries, one at a time; dedup by id and body digest in DynamoDB Local`;
  return [
    {
      figure: 5,
      name: 'webhook receiver time p50',
      value: round(percentile(receiverMs, 50), 2),
      unit: 'ms',
      note,
    },
    { figure: 5, name: 'webhook receiver time p99', value: round(percentile(receiverMs, 99), 2), unit: 'ms' },
    {
      figure: 5,
      name: 'webhook HTTP round trip p50',
      value: round(percentile(roundTripMs, 50), 2),
      unit: 'ms',
      note: 'loopback client + local adapter + receiver',
    },
    {
      figure: 5,
      name: 'webhook HTTP round trip p99',
      value: round(percentile(roundTripMs, 99), 2),
      unit: 'ms',
    },
  ];
}
