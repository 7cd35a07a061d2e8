// A 20,000-grant scope applied, then re-applied unchanged: the second apply must send no write at
// all (counted by the SDK middleware). Durations are logged for the report, never asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryGrant, type RepositoryGrant } from '../../../lib/model/index.js';
import { attachRequestCounter, GovernanceStore } from '../../../lib/store/index.js';
import { freshTable } from '../../support/dynamodb.js';
import { ORIGIN, T1, T2, uuidOf } from './store-fixtures.js';

const GRANTS = 20_000;

let table: Awaited<ReturnType<typeof freshTable>>;
beforeAll(async () => {
  table = await freshTable('large-scope');
});
afterAll(() => table.client.destroy());

describe('a 20,000-grant scope', () => {
  it('is applied once, then re-applied with zero writes', { timeout: 600_000 }, async () => {
    const ws = uuidOf('w', 1);
    const repositoryId = uuidOf('r', 1);
    const store = new GovernanceStore({ documentClient: table.documentClient, tableName: table.tableName });
    const counter = attachRequestCounter(table.documentClient);
    const grants: RepositoryGrant[] = Array.from({ length: GRANTS }, (_, i) =>
      repositoryGrant(repositoryId, { type: 'user', id: `557058:user-${i}` }, i % 3 === 0 ? 'admin' : 'read'),
    );
    const scope = { kind: 'repository-grants', repositoryId } as const;

    let started = performance.now();
    const first = await store.applyScopeDiff(ws, scope, grants, T1, ORIGIN);
    const firstMs = performance.now() - started;
    expect(first).toMatchObject({ put: GRANTS, deleted: 0, unchanged: 0, skippedStale: 0 });
    expect(first.changes).toHaveLength(GRANTS);
    const firstWrites = { ...counter.counts };

    counter.reset();
    started = performance.now();
    const second = await store.applyScopeDiff(ws, scope, grants, T2, ORIGIN);
    const secondMs = performance.now() - started;
    expect(second).toEqual({ put: 0, deleted: 0, unchanged: GRANTS, skippedStale: 0, changes: [] });
    expect(counter.counts.writeRequests).toBe(0);
    expect(counter.counts.writeItems).toBe(0);

    console.log(
      `[large-scope] first apply ${GRANTS} grants: ${Math.round(firstMs)} ms, ${firstWrites.writeRequests} write requests, ` +
        `${firstWrites.writeItems} items; re-apply: ${Math.round(secondMs)} ms, ` +
        `${counter.counts.byCommand.QueryCommand ?? 0} queries, 0 writes`,
    );
    counter.detach();
  });
});
