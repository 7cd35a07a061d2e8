// The idempotency engine on DynamoDB Local: first call, replay, reused key, duplicate in flight, retry
// after a transient failure, takeover of an abandoned claim.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  idempotentRequestId,
  newRequestId,
  ProvisioningRequestStore,
} from '../../../lib/store/provisioning-requests.js';
import { freshTable } from '../../support/dynamodb.js';

let store: ProvisioningRequestStore;
const T0 = new Date('2026-11-20T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  const table = await freshTable('requests');
  store = new ProvisioningRequestStore({
    documentClient: table.documentClient,
    tableName: table.tableName,
    inFlightLeaseMs: 60_000,
  });
});

function attempt(id: string, bodyHash = 'hash-a') {
  return {
    id,
    workspaceId: 'b5f1c0de-0000-4000-8000-000000000001',
    workspaceSlug: 'acme',
    action: 'grant' as const,
    actor: 'arn:aws:iam::123456789012:role/reviewer',
    receivedAt: T0.toISOString(),
    idempotencyKey: 'k',
    bodyHash,
    request: { permission: 'write' },
  };
}

describe('ProvisioningRequestStore', () => {
  it('derives one id per workspace, caller and key', () => {
    expect(idempotentRequestId('w1', 'alice', 'k')).toBe(idempotentRequestId('w1', 'alice', 'k'));
    expect(idempotentRequestId('w1', 'alice', 'k')).not.toBe(idempotentRequestId('w2', 'alice', 'k'));
    // Another caller's same key is another request, never a replay of the first caller's answer.
    expect(idempotentRequestId('w1', 'alice', 'k')).not.toBe(idempotentRequestId('w1', 'bob', 'k'));
    expect(newRequestId()).not.toBe(newRequestId());
  });

  it('starts once, answers in flight to a duplicate, replays once completed, refuses another body', async () => {
    const id = idempotentRequestId('w1', 'alice', 'first');
    expect((await store.begin(attempt(id), T0)).kind).toBe('started');
    expect((await store.begin(attempt(id), later(1000))).kind).toBe('in-flight');
    const calls = [{ method: 'PUT', endpoint: 'PUT /x', path: '/x', sent: true, outcome: 'ok' as const }];
    await store.finish(
      id,
      {
        state: 'completed',
        answer: { status: 200, body: '{"changed":true}' },
        calls,
        startedAt: T0.toISOString(),
      },
      later(2000),
    );
    const replay = await store.begin(attempt(id), later(3000));
    expect(replay).toMatchObject({
      kind: 'replay',
      record: { answer: { status: 200, body: '{"changed":true}' }, calls },
    });
    expect((await store.begin(attempt(id, 'hash-b'), later(4000))).kind).toBe('key-reused');
    const record = await store.get(id);
    expect(record).toMatchObject({ state: 'completed', actor: 'arn:aws:iam::123456789012:role/reviewer' });
    expect(record).not.toHaveProperty('PK');
  });

  it('frees the key after a transient failure, for the same body only, and keeps every attempt', async () => {
    const id = idempotentRequestId('w1', 'alice', 'failing');
    await store.begin(attempt(id), T0);
    const failedCalls = [
      { method: 'PUT', endpoint: 'PUT /x', path: '/x', sent: true, outcome: 'failed' as const, status: 502 },
    ];
    await store.finish(
      id,
      {
        state: 'failed',
        answer: { status: 502, body: '{}' },
        calls: failedCalls,
        startedAt: T0.toISOString(),
      },
      later(10),
    );
    expect((await store.begin(attempt(id, 'hash-b'), later(20))).kind).toBe('key-reused');
    expect((await store.begin(attempt(id), later(30))).kind).toBe('started');
    const okCalls = [{ method: 'PUT', endpoint: 'PUT /x', path: '/x', sent: true, outcome: 'ok' as const }];
    await store.finish(
      id,
      {
        state: 'completed',
        answer: { status: 200, body: '{}' },
        calls: okCalls,
        startedAt: later(30).toISOString(),
      },
      later(40),
    );
    const record = await store.get(id);
    expect(record).toMatchObject({ state: 'completed', calls: okCalls });
    // The retry did not erase the first attempt's calls.
    expect(record?.attempts).toEqual([
      {
        startedAt: T0.toISOString(),
        completedAt: later(10).toISOString(),
        state: 'failed',
        status: 502,
        calls: failedCalls,
      },
      {
        startedAt: later(30).toISOString(),
        completedAt: later(40).toISOString(),
        state: 'completed',
        status: 200,
        calls: okCalls,
      },
    ]);
  });

  it('lets a claim abandoned past its lease be taken over', async () => {
    const id = idempotentRequestId('w1', 'alice', 'abandoned');
    await store.begin(attempt(id), T0);
    expect((await store.begin(attempt(id), later(59_000))).kind).toBe('in-flight');
    expect((await store.begin(attempt(id), later(61_000))).kind).toBe('started');
  });

  it('answers null for unknown or malformed ids', async () => {
    expect(await store.get('req-unknown')).toBeNull();
    expect(await store.get('bad#id')).toBeNull();
  });
});
