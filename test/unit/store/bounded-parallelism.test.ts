// The store's fan-outs (batch reads, guarded write transactions) keep a bounded number of DynamoDB
// calls in flight and pass the first failure to their caller.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { resource } from '../../../lib/model/index.js';
import { batchGetAll } from '../../../lib/store/dynamodb-reads.js';
import { applyGuardedChanges } from '../../../lib/store/guarded-writes.js';

const WS = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** A document client whose every call takes a few milliseconds; counts calls in flight. */
function slowClient(answer: (input: Record<string, unknown>) => unknown) {
  let inFlight = 0;
  const seen = { calls: 0, maxInFlight: 0 };
  const client = {
    async send(command: { input: Record<string, unknown> }) {
      seen.calls += 1;
      inFlight += 1;
      seen.maxInFlight = Math.max(seen.maxInFlight, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 3));
        return answer(command.input);
      } finally {
        inFlight -= 1;
      }
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, seen };
}

function keys(count: number) {
  return Array.from({ length: count }, (_, index) => ({ PK: `WS#${WS}`, SK: `K#${index}` }));
}

describe('batchGetAll', () => {
  it('reads 100 keys a call with at most 8 calls in flight', async () => {
    const { client, seen } = slowClient((input) => {
      const { Keys } = (input.RequestItems as Record<string, { Keys: unknown[] }>).t!;
      return { Responses: { t: Keys } };
    });
    const items = await batchGetAll(client, 't', keys(2_000));
    expect(items).toHaveLength(2_000);
    expect(seen.calls).toBe(20);
    expect(seen.maxInFlight).toBe(8);
  });

  it('rejects with the first failure', async () => {
    const failure = Object.assign(new Error('bad key'), { name: 'ValidationException' });
    const { client } = slowClient(() => {
      throw failure;
    });
    await expect(batchGetAll(client, 't', keys(300))).rejects.toBe(failure);
  });
});

describe('applyGuardedChanges', () => {
  const changes = Array.from({ length: 400 }, (_, index) => ({
    before: null,
    after: resource('user', `user-${index}`, {
      uuid: `user-${index}`,
      displayName: `User ${index}`,
      nickname: null,
      accountStatus: 'active',
    }),
  }));
  const context = (documentClient: DynamoDBDocumentClient) => ({
    documentClient,
    tableName: 't',
    workspaceId: WS,
    observedAt: '2026-11-01T00:00:00.000Z',
    origin: { cause: 'sync' as const, actor: 'test' },
    now: () => new Date('2026-11-01T00:00:01.000Z'),
    nextId: (ms: number) => `${ms}-${Math.random()}`,
    parallelism: 3,
  });

  it('sends 50 changes a transaction with at most `parallelism` transactions in flight', async () => {
    const { client, seen } = slowClient(() => ({}));
    const result = await applyGuardedChanges(context(client), changes);
    expect(result.put).toBe(400);
    expect(seen.calls).toBe(8);
    expect(seen.maxInFlight).toBe(3);
  });

  it('rejects with the first failure that is not a stale guard', async () => {
    const failure = Object.assign(new Error('too big'), { name: 'ValidationException' });
    const { client } = slowClient(() => {
      throw failure;
    });
    await expect(applyGuardedChanges(context(client), changes)).rejects.toBe(failure);
  });
});
