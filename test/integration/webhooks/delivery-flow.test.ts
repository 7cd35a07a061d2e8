// 1,000 signed deliveries, 30 % of them repeats, through the real receiver (local API Gateway adapter),
// the in-process queue and the real apply-events handler: every distinct delivery is applied exactly
// once, repeats never reach the queue, and the stored activity is the latest time of each pair: a pull
// request's updated_on, or for a push the time it was received (its commits carry their authors' dates).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHttpServer } from '../../../lib/local/api-gateway-adapter.js';
import type { LocalEventQueue } from '../../../lib/local/event-queue.js';
import { fromActivityRecord } from '../../../lib/store/activity-records.js';
import { queryPrefix } from '../../../lib/store/dynamodb-reads.js';
import type { WebhookEventMessage } from '../../../lib/webhooks/event-message.js';
import { signBody } from '../../../lib/webhooks/signature.js';
import { fixtureJson } from '../../fixtures/webhooks/payloads.js';
import { fixedSecrets, startDeliveryPipeline } from './support/receiver.js';
import { startSyncedConnector, WORKSPACE, type SyncedConnector } from './support/synced-connector.js';

const SECRET = 'delivery-flow-secret-0123456789abcdef';
const UNIQUE = 700;
const REPEATS = 300;

interface Delivery {
  requestUuid: string;
  eventKey: string;
  body: Buffer;
  /** For activity: account, repository and the time the payload states (none for a push). */
  activity?: { accountId: string; repositoryId: string; at?: string };
}

let connector: SyncedConnector;
let server: LocalHttpServer;
let queue: LocalEventQueue;
const dequeued: string[] = [];
const batchSizes: number[] = [];

const repositoryIds = Array.from({ length: 20 }, () => randomUUID());

/** A deterministic mix: pushes and pull request events by 40 accounts on 20 repositories, and some keys we do not use. */
function makeDelivery(index: number): Delivery {
  const requestUuid = `{${randomUUID()}}`;
  const accountId = `557058:user-${index % 40}`;
  const repositoryId = repositoryIds[index % repositoryIds.length]!;
  const at = new Date(Date.UTC(2026, 10, 1) + index * 60_000).toISOString();
  const repository = {
    ...(fixtureJson('repo-push').repository as Record<string, unknown>),
    uuid: `{${repositoryId}}`,
    full_name: `acme/repo-${index % repositoryIds.length}`,
  };
  const actor = { type: 'user', account_id: accountId, display_name: `User ${index % 40}` };
  if (index % 10 === 9) {
    // Not an event the applier uses: counted and dropped.
    const body = Buffer.from(
      JSON.stringify({ actor, repository, commit_status: { state: 'SUCCESSFUL', created_on: at } }),
    );
    return { requestUuid, eventKey: 'repo:commit_status_created', body };
  }
  if (index % 3 === 0) {
    const payload = fixtureJson('pullrequest-created');
    const pullrequest = { ...(payload.pullrequest as Record<string, unknown>), updated_on: at };
    const body = Buffer.from(JSON.stringify({ ...payload, actor, repository, pullrequest }));
    return { requestUuid, eventKey: 'pullrequest:updated', body, activity: { accountId, repositoryId, at } };
  }
  // Commits dated years before the push (a rebased branch): the push is timed by its receipt.
  const commitDate = new Date(Date.UTC(2019, 0, 1) + index * 60_000).toISOString();
  const push = {
    changes: [
      {
        new: {
          type: 'branch',
          name: 'main',
          target: { type: 'commit', hash: 'f'.repeat(40), date: commitDate },
        },
      },
    ],
  };
  const body = Buffer.from(JSON.stringify({ actor, repository, push }));
  return { requestUuid, eventKey: 'repo:push', body, activity: { accountId, repositoryId } };
}

beforeAll(async () => {
  connector = await startSyncedConnector();
  ({ server, queue } = await startDeliveryPipeline(connector, {
    secrets: fixedSecrets({ acme: SECRET }),
    onBatch: (event) => {
      batchSizes.push(event.Records.length);
      for (const record of event.Records) {
        dequeued.push((JSON.parse(record.body) as WebhookEventMessage).deliveryId);
      }
    },
  }));
});

afterAll(async () => {
  await server?.close();
  await connector?.harness.close();
});

async function send(delivery: Delivery, attempt: number): Promise<string> {
  const response = await fetch(`${server.url}/webhooks/bitbucket/acme`, {
    method: 'POST',
    body: delivery.body,
    headers: {
      'content-type': 'application/json',
      'x-event-key': delivery.eventKey,
      'x-request-uuid': delivery.requestUuid,
      'x-attempt-number': String(attempt),
      'x-hub-signature': signBody(delivery.body, SECRET),
    },
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { status: string }).status;
}

describe('webhook delivery flow', () => {
  it('applies 1,000 deliveries with 30 % repeats exactly once each', async () => {
    const unique = Array.from({ length: UNIQUE }, (_, index) => makeDelivery(index));
    // One repeat each of 300 distinct deliveries (Bitbucket's retries, manual resends), sent right beside
    // the original so both race through the receiver at once.
    const stream = [
      ...unique.map((delivery) => ({ delivery, attempt: 1 })),
      ...Array.from({ length: REPEATS }, (_, index) => ({
        delivery: unique[(index * 3) % UNIQUE]!,
        attempt: 2,
      })),
    ].sort((a, b) => (a.delivery.requestUuid + a.attempt < b.delivery.requestUuid + b.attempt ? -1 : 1));
    expect(stream).toHaveLength(1000);

    const sendingFrom = new Date().toISOString();
    const statuses: Record<string, number> = {};
    for (let start = 0; start < stream.length; start += 25) {
      const answers = await Promise.all(
        stream.slice(start, start + 25).map(({ delivery, attempt }) => send(delivery, attempt)),
      );
      for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const sendingUntil = new Date().toISOString();
    await queue.drain();

    expect(statuses).toEqual({ accepted: UNIQUE, duplicate: REPEATS });
    expect(queue.sentCount).toBe(UNIQUE);
    expect(queue.deadLetters).toEqual([]);
    expect(dequeued).toHaveLength(UNIQUE);
    console.info(`delivery flow: ${batchSizes.length} batches, largest ${Math.max(...batchSizes)} records`);
    expect(new Set(dequeued)).toEqual(new Set(unique.map((delivery) => delivery.requestUuid)));

    // Stored activity: the latest time of each (account, repository) pair, nothing else. Every pull
    // request time lies before the test, so a pair with a push is timed by a receipt during the sends.
    const expected = new Map<string, string>();
    const pushed = new Set<string>();
    for (const delivery of unique) {
      if (!delivery.activity) continue;
      const key = `${delivery.activity.accountId}/${delivery.activity.repositoryId}`;
      if (delivery.activity.at === undefined) pushed.add(key);
      else if ((expected.get(key) ?? '') < delivery.activity.at) expected.set(key, delivery.activity.at);
    }
    const stored = (
      await queryPrefix(
        connector.harness.documentClient,
        connector.harness.tableName,
        `WS#${WORKSPACE.id}`,
        'ACT#',
      )
    )
      .map(fromActivityRecord)
      .filter((fact) => fact !== null);
    const storedTimes = new Map(
      stored.map((fact) => [`${fact.accountId}/${fact.repositoryId}`, fact.lastActivity]),
    );
    expect(new Set(storedTimes.keys())).toEqual(new Set([...expected.keys(), ...pushed]));
    for (const [key, time] of storedTimes) {
      if (pushed.has(key))
        expect(time >= sendingFrom && time <= sendingUntil, `${key} at ${time}`).toBe(true);
      else expect(time).toBe(expected.get(key));
    }
  }, 180_000); // 1,000 deliveries through the real receiver and applier: a minute alone, more on a loaded machine
});
