// The access-request store against DynamoDB Local: a listing by status reads only that status (the index
// sort key moves with every transition), a transition lands once, and each step writes its change record
// in the same transaction (none for a transition that lost).
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRequestStore, type AccessRequestRecord } from '../../../lib/store/access-requests.js';
import { GovernanceStore } from '../../../lib/store/index.js';
import { accessRequestsPartition } from '../../../lib/store/keys.js';
import { freshTable } from '../../support/dynamodb.js';

let table: Awaited<ReturnType<typeof freshTable>>;
let requests: AccessRequestStore;
let store: GovernanceStore;
beforeAll(async () => {
  table = await freshTable('access-requests');
  requests = new AccessRequestStore(table);
  store = new GovernanceStore(table);
});
afterAll(() => table.client.destroy());

const WS = 'ws-access-requests';

function pending(id: string, minute: number): AccessRequestRecord {
  return {
    id,
    workspaceId: WS,
    workspaceSlug: 'acme',
    status: 'pending',
    resource: { type: 'repository', slug: 'api' },
    principal: { type: 'user', accountId: '557058:ada' },
    permission: 'write',
    reason: 'on call',
    requestedBy: 'reza',
    createdAt: `2026-12-07T10:0${minute}:00.000Z`,
  };
}

/** Index entries of the workspace whose sort key starts with `prefix`: what a listing by status reads. */
async function indexEntries(prefix: string): Promise<number> {
  const answer = await table.documentClient.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :prefix)',
      ExpressionAttributeValues: { ':pk': accessRequestsPartition(WS), ':prefix': prefix },
    }),
  );
  return answer.Count ?? 0;
}

describe('AccessRequestStore', () => {
  it('lists by status from the index alone, the sort key following each transition', async () => {
    for (const [index, id] of ['ar-1', 'ar-2', 'ar-3'].entries()) await requests.create(pending(id, index));
    const first = (await requests.get('ar-1'))!;
    const step = { actor: 'april', at: '2026-12-07T10:05:00.000Z' };
    expect(await requests.transition(first, { status: 'denied', decidedBy: 'april' }, step)).toBe(true);
    // The one that lost the race writes nothing.
    expect(await requests.transition(first, { status: 'approved', decidedBy: 'bob' }, step)).toBe(false);

    expect((await requests.list(WS, 'pending')).map((record) => record.id)).toEqual(['ar-3', 'ar-2']);
    expect((await requests.list(WS, 'denied')).map((record) => record.id)).toEqual(['ar-1']);
    expect((await requests.list(WS)).map((record) => record.id)).toEqual(['ar-3', 'ar-2', 'ar-1']);
    expect(await indexEntries('pending#')).toBe(2);
    expect(await indexEntries('denied#')).toBe(1);
    expect(await indexEntries('approved#')).toBe(0);

    const changes = (await store.listChangesSince(WS, '2026-12-07T00:00:00.000Z')).changes;
    expect(
      changes.filter((change) => change.item === 'access-request/ar-1').map((change) => change.actor),
    ).toEqual(['reza', 'april']);
  });
});
