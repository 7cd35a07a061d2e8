// The per-group expansion cache of user answers (lib/store/group-grants-cache.ts): a user query reuses
// a group's grants read by an earlier query, and an answer asked after a write of that group's grants
// returned (sync or provisioning, from this process or another) shows the write.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { effectiveUserAccess } from '../../../lib/access/index.js';
import type { GovernanceItem, ScopeRef } from '../../../lib/model/index.js';
import { GovernanceStore } from '../../../lib/store/index.js';
import { toStoredRecord } from '../../../lib/store/stored-items.js';
import { freshTable } from '../../support/dynamodb.js';
import {
  group,
  member,
  ORIGIN,
  project,
  repository,
  repositoryGrant,
  role,
  T1,
  user,
  uuidOf,
} from './store-fixtures.js';

const WS = uuidOf('w', 22);
const REPOS = 30;
const repoIds = Array.from({ length: REPOS }, (_, i) => uuidOf('r', i + 1));
const g = (id: string) => ({ type: 'group', id }) as const;
const PROVISIONING = { cause: 'provisioning', actor: 'admin@acme' } as const;

/** devs has write on every repository; ops admin on the first. ada is in both, bob in ops only. */
function observation(): { scope: ScopeRef; items: GovernanceItem[] }[] {
  return [
    {
      scope: { kind: 'members' },
      items: [user('ada'), user('bob'), role(WS, 'ada', 'member'), role(WS, 'bob', 'member')],
    },
    {
      scope: { kind: 'groups' },
      items: [group('devs'), group('ops'), member('devs', 'ada'), member('ops', 'ada'), member('ops', 'bob')],
    },
    { scope: { kind: 'projects' }, items: [project(1, 'CORE')] },
    {
      scope: { kind: 'repositories' },
      items: repoIds.map((_, i) => repository(i + 1, `repo-${i + 1}`, 1)),
    },
    ...repoIds.map((id, i) => ({
      scope: { kind: 'repository-grants', repositoryId: id } as ScopeRef,
      items: [
        repositoryGrant(id, g('devs'), 'write'),
        ...(i === 0 ? [repositoryGrant(id, g('ops'), 'admin')] : []),
      ],
    })),
  ];
}

let table: Awaited<ReturnType<typeof freshTable>>;
let clock = new Date('2026-11-28T12:00:00.000Z');
/** Another process: the sync or provisioning function, with its own caches. */
let writer: GovernanceStore;

const storeWithCache = () =>
  new GovernanceStore({ documentClient: table.documentClient, tableName: table.tableName, now: () => clock });

const permissionOn = async (store: GovernanceStore, accountId: string, repositoryId: string) =>
  effectiveUserAccess(await store.loadUserAccessFacts(WS, accountId), accountId)?.repositories.find(
    (entry) => entry.uuid === repositoryId,
  )?.permission ?? null;

let observedAt = Date.parse('2026-11-28T11:00:00.000Z');
const nextObservation = () => new Date((observedAt += 1000)).toISOString();

beforeAll(async () => {
  table = await freshTable('group-grants-cache');
  writer = storeWithCache();
  await writer.putWorkspace({ uuid: WS, slug: 'acme', name: 'Acme' }, T1, ORIGIN);
  for (const { scope, items } of observation()) await writer.applyScopeDiff(WS, scope, items, T1, ORIGIN);
});
afterAll(() => table.client.destroy());

describe('cached group expansions', () => {
  it('are read once, then reused by every member while the group has no new write', async () => {
    const store = storeWithCache();
    const first = await store.loadUserAccessFacts(WS, 'ada');
    const again = await store.loadUserAccessFacts(WS, 'ada');
    // ada's own items: 1 role, 2 memberships; the group counters: 1 item; devs 30 grants, ops 1.
    expect(again.itemsRead).toBe(3 + 1);
    expect(first.itemsRead - again.itemsRead).toBeGreaterThanOrEqual(REPOS + 1);
    // bob (ops only) reuses ops' grants that ada's query read.
    expect((await store.loadUserAccessFacts(WS, 'bob')).itemsRead).toBe(2 + 1);
    expect(effectiveUserAccess(again, 'ada')).toEqual(effectiveUserAccess(first, 'ada'));
    expect(effectiveUserAccess(again, 'ada')?.repositories).toHaveLength(REPOS);
  });

  it('show a provisioning write from another process in the next answer', async () => {
    const store = storeWithCache();
    expect(await permissionOn(store, 'bob', repoIds[5]!)).toBeNull();
    expect(await permissionOn(store, 'ada', repoIds[5]!)).toBe('write');

    await writer.applyItemChanges(
      WS,
      { upsert: [repositoryGrant(repoIds[5]!, g('ops'), 'admin')] },
      nextObservation(),
      PROVISIONING,
    );
    expect(await permissionOn(store, 'bob', repoIds[5]!)).toBe('admin');
    expect(await permissionOn(store, 'ada', repoIds[5]!)).toBe('admin');

    await writer.applyItemChanges(
      WS,
      { remove: [repositoryGrant(repoIds[5]!, g('ops'), 'admin')] },
      nextObservation(),
      PROVISIONING,
    );
    expect(await permissionOn(store, 'bob', repoIds[5]!)).toBeNull();
    expect(await permissionOn(store, 'ada', repoIds[5]!)).toBe('write');
  });

  it("show a sync step's change from another process in the next answer; other groups stay cached", async () => {
    const store = storeWithCache();
    expect(await permissionOn(store, 'ada', repoIds[9]!)).toBe('write');
    const cachedAda = (await store.loadUserAccessFacts(WS, 'ada')).itemsRead;

    // The sync observes devs dropped to read on one repository.
    await writer.applyScopeDiff(
      WS,
      { kind: 'repository-grants', repositoryId: repoIds[9]! },
      [repositoryGrant(repoIds[9]!, g('devs'), 'read')],
      nextObservation(),
      ORIGIN,
    );
    const after = await store.loadUserAccessFacts(WS, 'ada');
    expect(
      effectiveUserAccess(after, 'ada')?.repositories.find((r) => r.uuid === repoIds[9])?.permission,
    ).toBe('read');
    // Only devs was read again; ops' expansion was kept.
    expect(after.itemsRead).toBe(cachedAda + REPOS);
    expect((await store.loadUserAccessFacts(WS, 'bob')).itemsRead).toBe(2 + 1);

    await writer.applyScopeDiff(
      WS,
      { kind: 'repository-grants', repositoryId: repoIds[9]! },
      [repositoryGrant(repoIds[9]!, g('devs'), 'write')],
      nextObservation(),
      ORIGIN,
    );
    expect(await permissionOn(store, 'ada', repoIds[9]!)).toBe('write');
  });

  it('are read again after the workspace facts TTL even when a write moved no counter', async () => {
    const store = storeWithCache();
    expect(await permissionOn(store, 'bob', repoIds[7]!)).toBeNull();
    // A grant written behind the store's back (a writer that died before moving the counter).
    const grant = repositoryGrant(repoIds[7]!, g('ops'), 'read');
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: toStoredRecord(WS, grant, nextObservation()),
      }),
    );
    expect(await permissionOn(store, 'bob', repoIds[7]!)).toBeNull();
    clock = new Date(clock.getTime() + 30_000);
    expect(await permissionOn(store, 'bob', repoIds[7]!)).toBe('read');
  });

  it('are read again in the background past half the TTL, so steady use never waits for them', async () => {
    const store = storeWithCache();
    expect(await permissionOn(store, 'ada', repoIds[11]!)).toBe('write');
    // devs raised to admin behind the store's back (no counter move): only a new read shows it.
    const grant = repositoryGrant(repoIds[11]!, g('devs'), 'admin');
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: toStoredRecord(WS, grant, nextObservation()) }),
    );
    clock = new Date(clock.getTime() + 10_000);
    expect(await permissionOn(store, 'ada', repoIds[11]!)).toBe('write');
    // Past half the TTL the answer still comes from the cache, and a fresh read starts behind it.
    clock = new Date(clock.getTime() + 6_000);
    await vi.waitFor(async () => expect(await permissionOn(store, 'ada', repoIds[11]!)).toBe('admin'));
    // Past the first read's TTL the workspace facts are read again, but not devs' or ops' grants.
    clock = new Date(clock.getTime() + 20_000);
    const workspaceWide = 1 + 2 + 2 + 2 + 3 + 1 + REPOS;
    const ada = await store.loadUserAccessFacts(WS, 'ada');
    expect(ada.itemsRead).toBe(workspaceWide + 3 + 1);
    expect(
      effectiveUserAccess(ada, 'ada')?.repositories.find((r) => r.uuid === repoIds[11])?.permission,
    ).toBe('admin');
  });
});
