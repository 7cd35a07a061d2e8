import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  orgGroupMembershipGrant,
  resource,
  scopeId,
  type GovernanceItem,
  type ScopeRef,
} from '../../../lib/model/index.js';
import { attachRequestCounter, GovernanceStore, type RequestCounter } from '../../../lib/store/index.js';
import { canonicalJson } from '../../../lib/store/stored-items.js';
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
  T2,
  T3,
  user,
  uuidOf,
} from './store-fixtures.js';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: GovernanceStore;
let counter: RequestCounter;
let workspaceCounter = 0;
/** Each test gets its own workspace partition in the file's table. */
const nextWorkspace = () => uuidOf('w', ++workspaceCounter);

beforeAll(async () => {
  table = await freshTable('scope-diff');
  store = new GovernanceStore({ documentClient: table.documentClient, tableName: table.tableName });
  counter = attachRequestCounter(table.documentClient);
});
afterAll(() => table.client.destroy());

const orgGroup = (id: string, workspaceRole: 'member' | 'admin') =>
  resource('org-group', id, { name: id, slug: id, directoryId: 'dir-1', idpManaged: false, workspaceRole });
const orgMember = (id: string, accountId: string) => orgGroupMembershipGrant(id, accountId);

const P = uuidOf('p', 1);
const R = uuidOf('r', 1);

/** For each scope kind: a first observation, and a second one that adds, changes and removes. */
function scenarios(ws: string): { scope: ScopeRef; first: GovernanceItem[]; second: GovernanceItem[] }[] {
  return [
    {
      scope: { kind: 'members' },
      first: [user('ada'), user('bob'), role(ws, 'ada', 'owner'), role(ws, 'bob', 'member')],
      second: [user('ada', 'Ada L.'), user('cy'), role(ws, 'ada', 'member'), role(ws, 'cy', 'collaborator')],
    },
    {
      scope: { kind: 'groups' },
      first: [group('devs'), group('ops', 'write'), member('devs', 'ada'), member('ops', 'bob')],
      second: [group('devs', 'admin'), member('devs', 'ada'), member('devs', 'bob')],
    },
    {
      scope: { kind: 'org-groups' },
      first: [
        orgGroup('g-1', 'member'),
        orgGroup('g-2', 'admin'),
        orgMember('g-1', 'ada'),
        orgMember('g-2', 'bob'),
      ],
      second: [orgGroup('g-1', 'admin'), orgMember('g-1', 'ada'), orgMember('g-1', 'bob')],
    },
    {
      scope: { kind: 'projects' },
      first: [project(1, 'CORE'), project(2, 'OPS')],
      second: [
        { ...project(1, 'CORE'), attributes: { key: 'CORE', name: 'Core!', isPrivate: false } },
        project(3, 'NEW'),
      ],
    },
    {
      scope: { kind: 'repositories' },
      first: [repository(1, 'api', 1), repository(2, 'web', 1)],
      second: [repository(1, 'api', 2), repository(3, 'cli', 1)],
    },
    {
      scope: { kind: 'project-grants', projectId: P },
      first: [
        projectGrant(P, { type: 'user', id: 'ada' }, 'read'),
        projectGrant(P, { type: 'group', id: 'devs' }, 'write'),
      ],
      second: [
        projectGrant(P, { type: 'user', id: 'ada' }, 'create-repo'),
        projectGrant(P, { type: 'user', id: 'bob' }, 'admin'),
      ],
    },
    {
      scope: { kind: 'repository-grants', repositoryId: R },
      first: [
        repositoryGrant(R, { type: 'user', id: 'ada' }, 'read'),
        repositoryGrant(R, { type: 'group', id: 'ops' }, 'admin'),
      ],
      second: [
        repositoryGrant(R, { type: 'user', id: 'ada' }, 'write'),
        repositoryGrant(R, { type: 'group', id: 'devs' }, 'read'),
      ],
    },
  ];
}

async function storedItems(ws: string, scope: ScopeRef): Promise<GovernanceItem[]> {
  switch (scope.kind) {
    case 'members':
      return [
        ...(await store.listResources(ws, 'user')).map((e) => e.item),
        ...(await store.listGrantsOnResource(ws, 'workspace', ws)).map((e) => e.item),
      ];
    case 'groups': {
      const groups = (await store.listResources(ws, 'group')).map((e) => e.item);
      const grants = await Promise.all(groups.map((g) => store.listGrantsOnResource(ws, 'group', g.id)));
      return [...groups, ...grants.flat().map((e) => e.item)];
    }
    case 'org-groups': {
      const groups = (await store.listResources(ws, 'org-group')).map((e) => e.item);
      const grants = await Promise.all(groups.map((g) => store.listGrantsOnResource(ws, 'org-group', g.id)));
      return [...groups, ...grants.flat().map((e) => e.item)];
    }
    case 'projects':
      return (await store.listResources(ws, 'project')).map((e) => e.item);
    case 'repositories':
      return (await store.listResources(ws, 'repository')).map((e) => e.item);
    case 'project-grants':
      return (await store.listGrantsOnResource(ws, 'project', scope.projectId)).map((e) => e.item);
    case 'repository-grants':
      return (await store.listGrantsOnResource(ws, 'repository', scope.repositoryId)).map((e) => e.item);
  }
}

const sortById = (items: GovernanceItem[]) =>
  [...items].sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : 1));

describe('applyScopeDiff', () => {
  it.each([
    'members',
    'groups',
    'org-groups',
    'projects',
    'repositories',
    'project-grants',
    'repository-grants',
  ])(
    '%s: adds, changes and removes exactly what the observation says, and nothing outside the scope',
    async (kind) => {
      const ws = nextWorkspace();
      const all = scenarios(ws);
      const scenario = all.find((s) => s.scope.kind === kind)!;
      // Other scopes hold items too: they must survive this scope's diff.
      for (const other of all) await store.applyScopeDiff(ws, other.scope, other.first, T1, ORIGIN);

      const result = await store.applyScopeDiff(ws, scenario.scope, scenario.second, T2, ORIGIN);
      expect(sortById(await storedItems(ws, scenario.scope))).toEqual(sortById(scenario.second));
      for (const other of all.filter((s) => s !== scenario)) {
        expect(sortById(await storedItems(ws, other.scope))).toEqual(sortById(other.first));
      }
      const firstIds = new Set(scenario.first.map((i) => JSON.stringify(i)));
      const unchanged = scenario.second.filter((i) => firstIds.has(JSON.stringify(i))).length;
      expect(result.unchanged).toBe(unchanged);
      expect(result.put).toBe(scenario.second.length - unchanged);
      expect(result.skippedStale).toBe(0);
      expect(result.changes).toHaveLength(result.put + result.deleted);
      expect(result.changes.every((change) => change.scope === scopeId(scenario.scope))).toBe(true);
    },
  );

  it('applying the same observation twice writes nothing the second time', async () => {
    const ws = nextWorkspace();
    for (const { scope, first } of scenarios(ws)) {
      await store.applyScopeDiff(ws, scope, first, T1, ORIGIN);
      counter.reset();
      const again = await store.applyScopeDiff(ws, scope, first, T2, ORIGIN);
      expect(again).toEqual({ put: 0, deleted: 0, unchanged: first.length, skippedStale: 0, changes: [] });
      expect(counter.counts.writeRequests).toBe(0);
      expect(counter.counts.byCommand.QueryCommand).toBeGreaterThan(0);
    }
    expect((await store.listChangesSince(ws, T1, { limit: 1000 })).changes).toHaveLength(
      scenarios(ws).reduce((sum, s) => sum + s.first.length, 0),
    );
  });

  it('an older observation loses, for puts and for deletes', async () => {
    const ws = nextWorkspace();
    const scope: ScopeRef = { kind: 'project-grants', projectId: P };
    const ada = (permission: 'read' | 'write' | 'admin') =>
      projectGrant(P, { type: 'user', id: 'ada' }, permission);
    const bob = projectGrant(P, { type: 'user', id: 'bob' }, 'read');
    await store.applyScopeDiff(ws, scope, [ada('write'), bob], T2, ORIGIN);

    // A slow writer observed at T1 would downgrade ada, drop bob and add cy: none of it lands.
    const cy = projectGrant(P, { type: 'user', id: 'cy' }, 'read');
    const stale = await store.applyScopeDiff(ws, scope, [ada('read'), cy], T1, ORIGIN);
    expect(stale).toMatchObject({ put: 1, deleted: 0, skippedStale: 2, unchanged: 0 });
    // cy did not exist, so nothing newer stood in its way (attribute_not_exists).
    expect(stale.changes.map((c) => c.item)).toEqual([`grant/project/${P}/user/cy`]);
    const grants = await store.listGrantsOnResource(ws, 'project', P);
    expect(grants.map((g) => [g.item.principal.id, g.item.entitlement, g.observedAt])).toEqual([
      ['ada', 'write', T2],
      ['bob', 'read', T2],
      ['cy', 'read', T1],
    ]);

    // The same observation time does not win either: only strictly newer writes land.
    expect(await store.applyScopeDiff(ws, scope, [ada('admin'), bob, cy], T2, ORIGIN)).toMatchObject({
      put: 0,
      skippedStale: 1,
    });
    // A newer observation wins for a put and a delete.
    expect(await store.applyScopeDiff(ws, scope, [ada('admin'), cy], T3, ORIGIN)).toMatchObject({
      put: 1,
      deleted: 1,
      skippedStale: 0,
    });
  });

  it('writes one change record per applied change: before, after, cause, actor, scope', async () => {
    const ws = nextWorkspace();
    const scope: ScopeRef = { kind: 'repository-grants', repositoryId: R };
    const read = repositoryGrant(R, { type: 'user', id: 'ada' }, 'read');
    const write = repositoryGrant(R, { type: 'user', id: 'ada' }, 'write');
    const devs = repositoryGrant(R, { type: 'group', id: 'devs' }, 'admin');
    await store.applyScopeDiff(ws, scope, [read, devs], T1, { cause: 'sync', actor: 'sync-step-1' });
    const second = await store.applyScopeDiff(ws, scope, [write], T2, { cause: 'webhook', actor: 'hook-42' });

    const { changes } = await store.listChangesSince(ws, '2000-01-01T00:00:00.000Z');
    expect(changes).toHaveLength(4);
    const latest = changes.slice(2);
    expect(latest).toEqual(second.changes);
    expect(
      latest.map(({ before, after, cause, actor, scope: s, observedAt }) => ({
        before,
        after,
        cause,
        actor,
        s,
        observedAt,
      })),
    ).toEqual(
      expect.arrayContaining([
        {
          before: read,
          after: write,
          cause: 'webhook',
          actor: 'hook-42',
          s: `repository-grants/${R}`,
          observedAt: T2,
        },
        {
          before: devs,
          after: null,
          cause: 'webhook',
          actor: 'hook-42',
          s: `repository-grants/${R}`,
          observedAt: T2,
        },
      ]),
    );
    expect(changes[0]).toMatchObject({ before: null, cause: 'sync', actor: 'sync-step-1', workspaceId: ws });
    // Sort keys are time then ULID: the log reads in order of application.
    const keys = changes.map((c) => `${c.at}#${c.id}`);
    expect([...keys].sort()).toEqual(keys);
  });

  it('refuses items that do not belong to the scope, before writing anything', async () => {
    const ws = nextWorkspace();
    counter.reset();
    await expect(
      store.applyScopeDiff(
        ws,
        { kind: 'projects' },
        [project(1, 'CORE'), repository(1, 'api', 1)],
        T1,
        ORIGIN,
      ),
    ).rejects.toMatchObject({ name: 'InvalidItemError' });
    await expect(
      store.applyScopeDiff(ws, { kind: 'projects' }, [project(1, 'CORE'), project(1, 'CORE')], T1, ORIGIN),
    ).rejects.toMatchObject({ name: 'InvalidItemError' });
    expect(counter.counts.writeRequests).toBe(0);
  });
});

describe('applyItemChanges', () => {
  it('upserts and removes single items with the same guard and change records', async () => {
    const ws = nextWorkspace();
    const grant = projectGrant(P, { type: 'group', id: 'devs' }, 'write');
    const origin = { cause: 'provisioning', actor: 'arn:aws:iam::123:user/alice' } as const;
    expect(await store.applyItemChanges(ws, { upsert: [grant] }, T2, origin)).toMatchObject({ put: 1 });
    // Already true: nothing written.
    counter.reset();
    expect(await store.applyItemChanges(ws, { upsert: [grant] }, T3, origin)).toMatchObject({
      put: 0,
      unchanged: 1,
    });
    expect(counter.counts.writeRequests).toBe(0);
    // An older removal loses; a newer one lands.
    expect(await store.applyItemChanges(ws, { remove: [grant] }, T1, origin)).toMatchObject({
      deleted: 0,
      skippedStale: 1,
    });
    const removed = await store.applyItemChanges(ws, { remove: [grant] }, T3, origin);
    expect(removed).toMatchObject({ deleted: 1 });
    expect(removed.changes[0]).toMatchObject({
      before: grant,
      after: null,
      cause: 'provisioning',
      actor: origin.actor,
    });
    expect(await store.listGrantsOnResource(ws, 'project', P)).toEqual([]);
    // Removing what is not there is a no-op.
    expect(await store.applyItemChanges(ws, { remove: [grant] }, T3, origin)).toMatchObject({
      deleted: 0,
      unchanged: 1,
    });
  });
});
