// Pages are not a snapshot (API-NOTES): a refresh over a listing that moved between page reads merges
// what came twice, and removes nothing a walk merely skipped until the source confirms it is gone, every
// confirmation request paid from the refresh's budget. Store: DynamoDB Local; source: a scripted pager.
import { beforeAll, describe, expect, it } from 'vitest';
import { BudgetExhausted, RequestBudget } from '../../../lib/bitbucket/index.js';
import { itemIdentity, type GovernanceItem, type ScopeRef } from '../../../lib/model/index.js';
import { GovernanceStore } from '../../../lib/store/index.js';
import { refreshScope, type RefreshContext } from '../../../lib/sync/scope-refresh.js';
import { freshTable } from '../../support/dynamodb.js';
import {
  group,
  member,
  ORIGIN,
  project,
  projectGrant,
  repository,
  repositoryGrant,
  role,
  T1,
  user,
  uuidOf,
} from '../store/store-fixtures.js';
import { DriftingSource, type Row } from './support/drifting-source.js';

let store: GovernanceStore;
let workspaceCounter = 0;

beforeAll(async () => {
  const table = await freshTable('page-drift');
  store = new GovernanceStore({ documentClient: table.documentClient, tableName: table.tableName });
  return () => table.client.destroy();
});

/** A fresh workspace partition, a source and a refresh with `budget` requests. */
function setup(budget = 1000) {
  const ws = uuidOf('w', ++workspaceCounter);
  const source = new DriftingSource();
  const call = { budget: new RequestBudget(budget) };
  const context = (overrides: Partial<RefreshContext> = {}): RefreshContext => ({
    source,
    store,
    workspace: { id: ws, slug: 'acme' },
    call,
    guard: { maxRemovalShare: 0.25, minimumStoredItems: 20 },
    releasedRemovals: undefined,
    now: () => new Date(),
    ...overrides,
  });
  return { ws, source, call, context };
}

const accountOf = (n: number) => `557058:m${String(n).padStart(3, '0')}`;
const memberRows = (ws: string, count: number): Row[] =>
  Array.from({ length: count }, (_, n) => [user(accountOf(n)), role(ws, accountOf(n), 'member')]);

async function storedIdentities(ws: string, scope: ScopeRef): Promise<string[]> {
  return (await store.readScope(ws, scope)).map(({ item }) => itemIdentity(item)).sort();
}

const identities = (rows: Row[]) => rows.flat().map(itemIdentity).sort();

describe('repeats across pages', () => {
  it('a members listing of 238 whose page 2 repeats the last member of page 1 stores all 238, the repeat merged and counted', async () => {
    const { ws, source, call, context } = setup();
    const rows = memberRows(ws, 238);
    source.set('members', rows);
    source.drift('members', { drift: 'insert' });

    const outcome = await refreshScope(context(), { kind: 'members' });

    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(await storedIdentities(ws, { kind: 'members' })).toEqual(identities(rows));
    // The member on two pages: their user and their role, each once more.
    expect(outcome.drift.repeatsMerged).toBe(2);
    expect(outcome.drift.repeatsConflicting).toBe(0);
    expect(outcome.reread).toBeUndefined();
    // Three pages, nothing to confirm (nothing was stored).
    expect(call.budget.spent).toBe(3);
    expect(outcome.drift.confirmationRequests).toBe(0);
  });

  it('a repeat with other content keeps the later page and asks for a re-read', async () => {
    const { ws, source, context } = setup();
    const rows = memberRows(ws, 150);
    source.set('members', rows);
    // Between the two page reads member 99 became an owner; page 2 serves them again, now as owner.
    source.drift('members', {
      drift: 'insert',
      replace: { index: 99, row: [user(accountOf(99)), role(ws, accountOf(99), 'owner')] },
    });

    const outcome = await refreshScope(context(), { kind: 'members' });

    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    const stored = await store.readScope(ws, { kind: 'members' });
    const roleOf99 = stored.find(({ item }) => item.kind === 'grant' && item.principal.id === accountOf(99))
      ?.item as GovernanceItem & { entitlement: string };
    expect(roleOf99.entitlement).toBe('owner');
    expect(stored).toHaveLength(300);
    expect(outcome.drift).toMatchObject({ repeatsMerged: 2, repeatsConflicting: 1 });
    expect(outcome.reread?.reason).toMatch(/different content/);
  });
});

/** Each paged listing kind with the scope it fills and rows for n items (grants hang on stored resources). */
const P = uuidOf('p', 1);
const R = uuidOf('r', 1);
const KINDS: {
  name: string;
  scope: ScopeRef;
  key: string;
  rows: (ws: string, count: number) => Row[];
}[] = [
  { name: 'members', scope: { kind: 'members' }, key: 'members', rows: memberRows },
  {
    name: 'projects',
    scope: { kind: 'projects' },
    key: 'projects',
    rows: (_ws, count) => Array.from({ length: count }, (_, n) => [project(n + 10, `P${n}`)]),
  },
  {
    name: 'repositories',
    scope: { kind: 'repositories' },
    key: 'repositories',
    rows: (_ws, count) => Array.from({ length: count }, (_, n) => [repository(n + 10, `repo-${n}`, 1)]),
  },
  {
    name: 'project grants',
    scope: { kind: 'project-grants', projectId: P },
    key: `project-grants/${P}`,
    rows: (_ws, count) =>
      Array.from({ length: count }, (_, n) => [
        projectGrant(P, { type: 'user', id: accountOf(n) }, n % 2 ? 'write' : 'read'),
      ]),
  },
  {
    name: 'repository grants',
    scope: { kind: 'repository-grants', repositoryId: R },
    key: `repository-grants/${R}`,
    rows: (_ws, count) =>
      Array.from({ length: count }, (_, n) => [
        repositoryGrant(R, { type: n % 3 ? 'user' : 'group', id: n % 3 ? accountOf(n) : `g${n}` }, 'read'),
      ]),
  },
];

/** Stores the resources a per-resource scope hangs on, then one clean refresh of the scope. */
async function seeded(kind: (typeof KINDS)[number], count: number) {
  const env = setup();
  await store.applyScopeDiff(env.ws, { kind: 'projects' }, [project(1, 'CORE')], T1, ORIGIN);
  await store.applyScopeDiff(env.ws, { kind: 'repositories' }, [repository(1, 'api', 1)], T1, ORIGIN);
  const rows = kind.rows(env.ws, count);
  env.source.set(kind.key, rows);
  const first = await refreshScope(env.context(), kind.scope);
  expect(first.status).toBe('applied');
  env.call.budget = new RequestBudget(1000);
  return { ...env, rows };
}

describe('a walk that skips an item', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: the skipped item stays; one confirmation read, paid from the budget`, async () => {
      const { ws, source, call, context, rows } = await seeded(kind, 150);
      source.drift(kind.key, { drift: 'delete' });

      const outcome = await refreshScope(context(), kind.scope);

      expect(outcome.status).toBe('applied');
      if (outcome.status !== 'applied') return;
      expect(await storedIdentities(ws, kind.scope)).toEqual(identities(rows));
      expect(outcome.result.deleted).toBe(0);
      expect(outcome.drift).toMatchObject({
        removalsConfirmed: 0,
        removalsKept: rows[100]!.length,
        removalsUnconfirmed: 0,
        confirmationRequests: 1,
      });
      expect(outcome.reread).toBeUndefined();
      // Two pages and the direct read of what page 2 skipped.
      expect(call.budget.spent).toBe(3);
      expect(source.requests.at(-1)).toBe(`read ${rows[100]!.map(itemIdentity).join(' ')}`);
    });

    it(`${kind.name}: an item really gone is removed after the read that confirms it`, async () => {
      const { ws, source, call, context, rows } = await seeded(kind, 150);
      const remaining = rows.filter((_, n) => n !== 42);
      source.set(kind.key, remaining);

      const outcome = await refreshScope(context(), kind.scope);

      expect(outcome.status).toBe('applied');
      if (outcome.status !== 'applied') return;
      expect(await storedIdentities(ws, kind.scope)).toEqual(identities(remaining));
      expect(outcome.result.deleted).toBe(rows[42]!.length);
      expect(outcome.drift).toMatchObject({
        removalsConfirmed: rows[42]!.length,
        removalsKept: 0,
        confirmationRequests: 1,
      });
      expect(call.budget.spent).toBe(3);
    });
  }
});

describe('confirming many, running out, snapshots and the guard', () => {
  it('more missing than the limit: a second walk first, direct reads only for what both walks missed', async () => {
    const { ws, source, call, context, rows } = await seeded(KINDS[2]!, 250);
    // Twelve repositories really deleted, and the first walk also skips one that exists.
    const remaining = rows.filter((_, n) => n < 30 || n >= 42);
    source.set('repositories', remaining);
    source.drift('repositories', { drift: 'delete' });

    const outcome = await refreshScope(context({ confirmationLimit: 10 }), { kind: 'repositories' });

    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(outcome.drift.secondWalks).toBe(1);
    // The skipped one was found by the second walk; ten of the twelve gone confirmed, two kept for later.
    expect(outcome.drift).toMatchObject({
      removalsConfirmed: 10,
      removalsKept: 3,
      removalsUnconfirmed: 2,
      confirmationRequests: 3 + 10,
    });
    expect(outcome.reread?.reason).toMatch(/2 missing item\(s\) not confirmed gone/);
    expect(await storedIdentities(ws, { kind: 'repositories' })).toHaveLength(remaining.length + 2);
    expect(call.budget.spent).toBe(3 + 3 + 10);
  });

  it('a mass leave seen alike by two walks is confirmed by the second walk and a sample of reads', async () => {
    const { ws, source, call, context, rows } = await seeded(KINDS[0]!, 150);
    const remaining = rows.filter((_, n) => n < 10 || n >= 40);
    source.set('members', remaining);

    const outcome = await refreshScope(context({ confirmationLimit: 10 }), { kind: 'members' });

    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(await storedIdentities(ws, { kind: 'members' })).toEqual(identities(remaining));
    expect(outcome.drift).toMatchObject({
      secondWalks: 1,
      removalsConfirmed: 60,
      removalsKept: 0,
      confirmationRequests: 2 + 10,
    });
    expect(outcome.reread).toBeUndefined();
    expect(call.budget.spent).toBe(2 + 2 + 10);
  });

  it('two walks that skip the same member agree, but a sampled read finds it: nothing unchecked is removed', async () => {
    const { ws, source, context, rows } = await seeded(KINDS[0]!, 150);
    // Eleven members at the end leave; both walks also skip the member page 2 should start with.
    source.set('members', rows.slice(0, 139));
    source.drift('members', { drift: 'delete' }, { drift: 'delete' });

    const outcome = await refreshScope(context({ confirmationLimit: 10 }), { kind: 'members' });

    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    // Sampled (stored order): the skipped member 100 (present) and 9 leavers (gone); 2 leavers unchecked.
    expect(outcome.drift).toMatchObject({
      secondWalks: 1,
      removalsConfirmed: 18,
      removalsKept: 2 + 4,
      removalsUnconfirmed: 4,
    });
    expect(outcome.reread?.reason).toMatch(/not confirmed gone/);
    const stored = await storedIdentities(ws, { kind: 'members' });
    expect(stored).toContain(`resource/user/${accountOf(100)}`);
    expect(stored).toContain(`resource/user/${accountOf(149)}`);
    expect(stored).not.toContain(`resource/user/${accountOf(139)}`);
    expect(stored).toHaveLength(2 * (139 + 2));
  });

  it('the budget running out while confirming keeps the unconfirmed items and still applies the listing', async () => {
    const { ws, source, context, rows } = await seeded(KINDS[0]!, 150);
    source.set(
      'members',
      rows.filter((_, n) => n !== 5 && n !== 6 && n !== 7),
    );
    // Two pages and one read fit; the second read does not.
    const outcome = await refreshScope(context({ call: { budget: new RequestBudget(3) } }), {
      kind: 'members',
    });

    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(outcome.drift).toMatchObject({
      removalsConfirmed: 2,
      removalsKept: 4,
      removalsUnconfirmed: 4,
      confirmationRequests: 1,
    });
    expect(outcome.reread?.reason).toMatch(/BudgetExhausted/);
    expect(await storedIdentities(ws, { kind: 'members' })).toHaveLength(298);
  });

  it('a listing that cannot finish writes nothing (as before)', async () => {
    const { ws, source, context, rows } = await seeded(KINDS[0]!, 150);
    source.set('members', rows.slice(0, 120));
    await expect(
      refreshScope(context({ call: { budget: new RequestBudget(1) } }), { kind: 'members' }),
    ).rejects.toBeInstanceOf(BudgetExhausted);
    expect(await storedIdentities(ws, { kind: 'members' })).toEqual(identities(rows));
  });

  it('groups come in one answer: what it omits is removed without a confirmation read', async () => {
    const { ws, source, call, context } = setup();
    source.set('groups', [
      [group('devs'), member('devs', accountOf(1))],
      [group('ops'), member('ops', accountOf(2))],
    ]);
    await refreshScope(context(), { kind: 'groups' });
    source.set('groups', [[group('devs'), member('devs', accountOf(1))]]);
    const spentBefore = call.budget.spent;

    const outcome = await refreshScope(context(), { kind: 'groups' });

    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(outcome.result.deleted).toBe(2);
    expect(outcome.drift).toMatchObject({ removalsConfirmed: 2, confirmationRequests: 0 });
    expect(call.budget.spent - spentBefore).toBe(1);
    expect(await storedIdentities(ws, { kind: 'groups' })).toHaveLength(2);
  });

  it('confirmed removals above the guard share are still held', async () => {
    const { ws, source, context, rows } = await seeded(KINDS[0]!, 40);
    source.set('members', rows.slice(0, 25));

    const outcome = await refreshScope(context({ confirmationLimit: 20 }), { kind: 'members' });

    expect(outcome.status).toBe('held');
    if (outcome.status !== 'held') return;
    expect(outcome.hold).toMatchObject({ removals: 15, storedCount: 40, observedCount: 25 });
    expect(await storedIdentities(ws, { kind: 'members' })).toHaveLength(80);
  });
});
