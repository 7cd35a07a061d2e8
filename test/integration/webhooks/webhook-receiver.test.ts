// The real webhook function, through the local API Gateway adapter, on DynamoDB Local.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHttpServer } from '../../../lib/local/api-gateway-adapter.js';
import type { WebhookEventMessage } from '../../../lib/webhooks/event-message.js';
import { signBody } from '../../../lib/webhooks/signature.js';
import { freshTable } from '../../support/dynamodb.js';
import { fixedSecrets, startReceiver } from './support/receiver.js';

const secret = 'acme-webhook-secret-0123456789';
const body = readFileSync(new URL('../../fixtures/webhooks/repo-push.json', import.meta.url));
const queued: WebhookEventMessage[] = [];
let server: LocalHttpServer;

beforeAll(async () => {
  server = await startReceiver({
    table: await freshTable('webhook'),
    secrets: fixedSecrets({ acme: secret }),
    enqueue: async (message) => {
      queued.push(message);
    },
  });
});
afterAll(() => server.close());

function deliver(payload: Buffer, headers: Record<string, string>) {
  return fetch(`${server.url}/webhooks/bitbucket/acme`, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', 'x-event-key': 'repo:push', ...headers },
  });
}

describe('webhook receiver', () => {
  it('accepts a signed delivery once and drops its replays', async () => {
    const headers = { 'x-hub-signature': signBody(body, secret), 'x-request-uuid': 'delivery-1' };
    const first = await deliver(body, headers);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ status: 'accepted' });
    const replay = await deliver(body, { ...headers, 'x-attempt-number': '2' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ status: 'duplicate' });
    expect(queued.filter((message) => message.deliveryId === 'delivery-1')).toHaveLength(1);
  });

  it('answers 401 for a bad signature and queues nothing', async () => {
    const response = await deliver(body, {
      'x-hub-signature': signBody(body, 'not-the-secret'),
      'x-request-uuid': 'delivery-2',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    expect(queued.some((message) => message.deliveryId === 'delivery-2')).toBe(false);
  });

  it('answers 404 for a workspace without a secret and 413 for an oversized body', async () => {
    const unknown = await fetch(`${server.url}/webhooks/bitbucket/unknown`, { method: 'POST', body });
    expect(unknown.status).toBe(404);
    const big = Buffer.alloc(300 * 1024, 'x');
    const tooLarge = await deliver(big, {
      'x-hub-signature': signBody(big, secret),
      'x-request-uuid': 'big',
    });
    expect(tooLarge.status).toBe(413);
  });
});
