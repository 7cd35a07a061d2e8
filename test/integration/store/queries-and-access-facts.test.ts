import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveResourceAccess, effectiveUserAccess, type AccessFacts } from '../../../lib/access/index.js';
import {
  orgGroupMembershipGrant,
  resource,
  type GovernanceItem,
  type Grant,
  type Resource,
  type ScopeRef,
} from '../../../lib/model/index.js';
import { GovernanceStore, toActivityRecord } from '../../../lib/store/index.js';
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
} from './store-fixtures.js';

const WS = uuidOf('w', 7);
const [P1, P2] = [uuidOf('p', 1), uuidOf('p', 2)];
const [R1, R2, R3, R4] = [1, 2, 3, 4].map((n) => uuidOf('r', n)) as [string, string, string, string];
const NOISE = 40;
const u = (id: string) => ({ type: 'user', id }) as const;
const g = (id: string) => ({ type: 'group', id }) as const;

/** The workspace, scope by scope, as the sync would observe it. */
function observation(): { scope: ScopeRef; items: GovernanceItem[] }[] {
  const noiseRepos = Array.from({ length: NOISE }, (_, i) => repository(100 + i, `noise-${i}`, 2));
  return [
    {
      scope: { kind: 'members' },
      items: [
        ...['ada', 'bob', 'carol', 'dan', 'eve'].map((id) => user(id)),
        role(WS, 'ada', 'member'),
        role(WS, 'bob', 'member'),
        role(WS, 'carol', 'owner'),
        role(WS, 'dan', 'collaborator'),
        role(WS, 'eve', 'member'),
      ],
    },
    {
      scope: { kind: 'groups' },
      items: [
        group('devs', 'admin'),
        group('ops'),
        member('devs', 'ada'),
        member('devs', 'bob'),
        member('ops', 'bob'),
      ],
    },
    { scope: { kind: 'projects' }, items: [project(1, 'CORE'), project(2, 'OPS')] },
    {
      scope: { kind: 'repositories' },
      items: [
        repository(1, 'api', 1),
        repository(2, 'web', 1),
        repository(3, 'deploy', 2),
        repository(4, 'site', 2, false),
        ...noiseRepos,
      ],
    },
    {
      scope: { kind: 'project-grants', projectId: P1 },
      items: [projectGrant(P1, g('devs'), 'create-repo'), projectGrant(P1, u('ada'), 'admin')],
    },
    {
      scope: { kind: 'repository-grants', repositoryId: R1 },
      items: [repositoryGrant(R1, g('devs'), 'write')],
    },
    {
      scope: { kind: 'repository-grants', repositoryId: R2 },
      items: [repositoryGrant(R2, u('bob'), 'read')],
    },
    {
      scope: { kind: 'repository-grants', repositoryId: R3 },
      items: [repositoryGrant(R3, g('ops'), 'admin')],
    },
    {
      scope: { kind: 'repository-grants', repositoryId: R4 },
      items: [repositoryGrant(R4, u('ada'), 'write')],
    },
    // Grants the user queries must not read: eve on every noise repository.
    ...noiseRepos.map((repo) => ({
      scope: { kind: 'repository-grants', repositoryId: repo.id } as ScopeRef,
      items: [repositoryGrant(repo.id, u('eve'), 'read')],
    })),
  ];
}

const ACTIVITY = { accountId: 'ada', repositoryId: R1, lastActivity: '2026-11-20T08:00:00.000Z' };

function fullFacts(): AccessFacts {
  const items = observation().flatMap((scope) => scope.items);
  return {
    workspace: { id: WS, slug: 'acme' },
    resources: items.filter((i): i is Resource => i.kind === 'resource'),
    grants: items.filter((i): i is Grant => i.kind === 'grant'),
    activity: [ACTIVITY],
    itemsRead: 0,
  };
}

let table: Awaited<ReturnType<typeof freshTable>>;
let store: GovernanceStore;
let clock = new Date('2026-11-28T12:00:00.000Z');

beforeAll(async () => {
  table = await freshTable('queries');
  store = new GovernanceStore({
    documentClient: table.documentClient,
    tableName: table.tableName,
    now: () => clock,
  });
  await store.putWorkspace({ uuid: `{${WS.toUpperCase()}}`, slug: 'acme', name: 'Acme' }, T1, ORIGIN);
  for (const { scope, items } of observation()) await store.applyScopeDiff(WS, scope, items, T1, ORIGIN);
  await table.documentClient.send(
    new PutCommand({ TableName: table.tableName, Item: toActivityRecord(WS, ACTIVITY) }),
  );
});
afterAll(() => table.client.destroy());

describe('workspace directory', () => {
  it('lists and resolves workspaces by slug or uuid', async () => {
    const acme = { uuid: WS, slug: 'acme', name: 'Acme' };
    expect(await store.listWorkspaces()).toEqual([acme]);
    expect(await store.resolveWorkspace('acme')).toEqual(acme);
    expect(await store.resolveWorkspace(`{${WS.toUpperCase()}}`)).toEqual(acme);
    expect(await store.resolveWorkspace(WS)).toEqual(acme);
    expect(await store.resolveWorkspace('nope')).toBeNull();
    expect((await store.getResource(WS, 'workspace', WS))?.item).toEqual(
      resource('workspace', WS, { slug: 'acme', name: 'Acme' }),
    );
  });
});

describe('queries', () => {
  it('a principal’s explicit grants through GSI1 (activity items excluded)', async () => {
    const ada = await store.listGrantsOfPrincipal(WS, 'user', 'ada');
    expect(
      ada.map((e) => `${e.item.resource.type}/${e.item.resource.id}=${e.item.entitlement}`).sort(),
    ).toEqual(
      [`group/devs=member`, `project/${P1}=admin`, `repository/${R4}=write`, `workspace/${WS}=member`].sort(),
    );
    const devs = await store.listGrantsOfPrincipal(WS, 'group', 'devs');
    expect(devs.map((e) => [e.item.resource.id, e.item.entitlement, e.observedAt])).toEqual([
      [P1, 'create-repo', T1],
      [R1, 'write', T1],
    ]);
    expect(await store.listGrantsOfPrincipal(WS, 'user', 'nobody')).toEqual([]);
  });

  it('resources and grants on a resource', async () => {
    expect((await store.listResources(WS, 'project')).map((e) => e.item.attributes.key)).toEqual([
      'CORE',
      'OPS',
    ]);
    expect((await store.listResources(WS, 'repository')).length).toBe(4 + NOISE);
    expect((await store.getResource(WS, 'user', 'ada'))?.item.attributes.displayName).toBe('Name ada');
    expect(await store.getResource(WS, 'user', 'nobody')).toBeNull();
    expect((await store.listGrantsOnResource(WS, 'group', 'devs')).map((e) => e.item.principal.id)).toEqual([
      'ada',
      'bob',
    ]);
  });

  it('the change log since a time, paged with a cursor', async () => {
    const everything = await store.listChangesSince(WS, '2000-01-01T00:00:00.000Z', { limit: 1000 });
    const total = observation().reduce((sum, s) => sum + s.items.length, 0) + 1; // + the workspace resource
    expect(everything.changes).toHaveLength(total);
    expect(everything.cursor).toBeUndefined();
    const paged = [];
    let cursor: string | undefined;
    do {
      const page = await store.listChangesSince(WS, '2000-01-01T00:00:00.000Z', {
        limit: 7,
        ...(cursor ? { cursor } : {}),
      });
      paged.push(...page.changes);
      cursor = page.cursor;
    } while (cursor);
    expect(paged).toEqual(everything.changes);

    clock = new Date('2026-11-28T13:00:00.000Z');
    await store.applyScopeDiff(
      WS,
      { kind: 'repository-grants', repositoryId: R2 },
      [],
      '2026-11-28T12:30:00.000Z',
      {
        cause: 'webhook',
        actor: 'repo:deleted',
      },
    );
    const recent = await store.listChangesSince(WS, '2026-11-28T13:00:00.000Z');
    expect(recent.changes).toEqual([
      expect.objectContaining({
        at: '2026-11-28T13:00:00.000Z',
        before: repositoryGrant(R2, u('bob'), 'read'),
        after: null,
      }),
    ]);
    await store.applyScopeDiff(
      WS,
      { kind: 'repository-grants', repositoryId: R2 },
      [repositoryGrant(R2, u('bob'), 'read')],
      '2026-11-28T12:45:00.000Z',
      ORIGIN,
    );
    await expect(store.listChangesSince(WS, T1, { cursor: 'garbage' })).rejects.toMatchObject({
      name: 'InvalidCursorError',
    });
  });
});

describe('access facts loaded from the store', () => {
  const accounts = ['ada', 'bob', 'carol', 'dan', 'eve', 'nobody'];

  it('give the same user answers as the full in-memory facts', async () => {
    for (const accountId of accounts) {
      const loaded = await store.loadUserAccessFacts(WS, accountId);
      for (const includePublic of [false, true]) {
        expect(effectiveUserAccess(loaded, accountId, { includePublic })).toEqual(
          effectiveUserAccess(fullFacts(), accountId, { includePublic }),
        );
      }
    }
    const ada = effectiveUserAccess(await store.loadUserAccessFacts(WS, 'ada'), 'ada');
    expect(ada?.repositories.find((r) => r.uuid === R1)?.lastActivity).toBe(ACTIVITY.lastActivity);
    expect(effectiveUserAccess(await store.loadUserAccessFacts(WS, 'nobody'), 'nobody')).toBeNull();
  });

  it('give the same resource answers as the full in-memory facts', async () => {
    const targets = [
      ...[P1, P2].map((id) => ({ type: 'project', id }) as const),
      ...[R1, R2, R3, R4, uuidOf('r', 100)].map((id) => ({ type: 'repository', id }) as const),
      ...['devs', 'ops'].map((id) => ({ type: 'group', id }) as const),
    ];
    for (const target of targets) {
      for (const includePublic of [false, true]) {
        const loaded = await store.loadResourceAccessFacts(WS, target.type, target.id, { includePublic });
        expect(loaded, `${target.type} ${target.id}`).not.toBeNull();
        expect(effectiveResourceAccess(loaded!, target, { includePublic })).toEqual(
          effectiveResourceAccess(fullFacts(), target, { includePublic }),
        );
      }
    }
    expect(await store.loadResourceAccessFacts(WS, 'repository', uuidOf('r', 999))).toBeNull();
    expect(await store.loadResourceAccessFacts(WS, 'group', 'ghosts')).toBeNull();
  });

  it('read only what the user touches once the workspace-wide facts are cached', async () => {
    const cold = new GovernanceStore({
      documentClient: table.documentClient,
      tableName: table.tableName,
      now: () => clock,
    });
    const first = await cold.loadUserAccessFacts(WS, 'ada');
    // Workspace resource, 5 roles, 5 users, 2 groups, 3 memberships, 2 projects, 44 repositories, then
    // ada's own items.
    const workspaceWide = 1 + 5 + 5 + 2 + 3 + 2 + (4 + NOISE);
    // ada's 4 grants and 1 activity record (one GSI1 query), the group counters (1 item), the 2 grants
    // of devs: none of eve's 40 grants.
    const adaOwn = 4 + 1 + 1;
    const devs = 2;
    expect(first.itemsRead).toBe(workspaceWide + adaOwn + devs);
    // devs' grants are cached while its counter has not moved.
    expect((await cold.loadUserAccessFacts(WS, 'ada')).itemsRead).toBe(adaOwn);
    expect((await cold.loadUserAccessFacts(WS, 'dan')).itemsRead).toBe(1 + 1);
    expect((await cold.loadUserAccessFacts(WS, 'eve')).itemsRead).toBe(1 + NOISE + 1);
  });

  it("read a group's grants once for the users of one export", async () => {
    const store = new GovernanceStore({ documentClient: table.documentClient, tableName: table.tableName });
    await store.loadUserAccessFacts(WS, 'dan'); // fills the workspace facts cache
    const bobAlone = await store.loadUserAccessFacts(WS, 'bob');
    const groupGrants = new Map();
    const ada = (await store.loadUserReviewFacts(WS, 'ada', { groupGrants })).facts;
    const review = await store.loadUserReviewFacts(WS, 'bob', { groupGrants });
    const bob = review.facts;
    // The review also gets bob's own grants as stored, from the same read.
    expect(review.ownGrants.map((entry) => entry.item)).toEqual(
      (await store.listGrantsOfPrincipal(WS, 'user', 'bob')).map((entry) => entry.item),
    );
    // ada read devs' grants; bob (in devs and ops) reads only ops' and his own.
    const devsGrants = (await store.listGrantsOfPrincipal(WS, 'group', 'devs')).length;
    expect(devsGrants).toBeGreaterThan(0);
    // (An export's memo replaces the process cache: it reads no group counters.)
    expect(bob.itemsRead).toBe(bobAlone.itemsRead - devsGrants - 1);
    expect(effectiveUserAccess(bob, 'bob')).toEqual(effectiveUserAccess(bobAlone, 'bob'));
    expect(effectiveUserAccess(ada, 'ada')).toEqual(effectiveUserAccess(fullFacts(), 'ada'));
  });

  it('refresh the cached workspace facts after the TTL, and at once after this store changes them', async () => {
    let now = new Date('2026-11-28T12:00:00.000Z');
    const cached = new GovernanceStore({
      documentClient: table.documentClient,
      tableName: table.tableName,
      now: () => now,
      workspaceFactsTtlMs: 30_000,
    });
    const workspaceWide = 1 + 5 + 5 + 2 + 3 + 2 + (4 + NOISE);
    // dan's one grant and the group counters (1 item).
    expect((await cached.loadUserAccessFacts(WS, 'dan')).itemsRead).toBe(workspaceWide + 2);
    now = new Date(now.getTime() + 29_000);
    expect((await cached.loadUserAccessFacts(WS, 'dan')).itemsRead).toBe(2);
    now = new Date(now.getTime() + 2_000);
    expect((await cached.loadUserAccessFacts(WS, 'dan')).itemsRead).toBe(workspaceWide + 2);
    // Callers that find the facts expired at the same time share one read (an export asks for many users).
    now = new Date(now.getTime() + 31_000);
    const together = await Promise.all([1, 2, 3].map(() => cached.loadUserAccessFacts(WS, 'dan')));
    expect(together.reduce((sum, facts) => sum + facts.itemsRead, 0)).toBe(workspaceWide + 3 * 2);

    // A new owner, written through this store, counts at once.
    await cached.applyItemChanges(
      WS,
      { upsert: [role(WS, 'dan', 'owner')] },
      '2026-11-28T12:00:20.000Z',
      ORIGIN,
    );
    const dan = effectiveUserAccess(await cached.loadUserAccessFacts(WS, 'dan'), 'dan');
    expect(dan?.user.role).toBe('owner');
    expect(dan?.repositories).toHaveLength(4 + NOISE);
    await cached.applyItemChanges(
      WS,
      { upsert: [role(WS, 'dan', 'collaborator')] },
      '2026-11-28T12:00:21.000Z',
      ORIGIN,
    );

    // Group members are cached too: a membership written through this store shows at once.
    const opsMembers = async () =>
      effectiveResourceAccess((await cached.loadResourceAccessFacts(WS, 'group', 'ops'))!, {
        type: 'group',
        id: 'ops',
      }).users.map((entry) => entry.accountId);
    expect(await opsMembers()).toEqual(['bob']);
    await cached.applyItemChanges(WS, { upsert: [member('ops', 'eve')] }, '2026-11-28T12:00:22.000Z', ORIGIN);
    expect(await opsMembers()).toEqual(['bob', 'eve']);
    await cached.applyItemChanges(WS, { remove: [member('ops', 'eve')] }, '2026-11-28T12:00:23.000Z', ORIGIN);

    // So are organization groups: a membership alone, written through this store, shows at once.
    const orgOps = resource('org-group', 'g-ops', {
      name: 'ops',
      slug: 'ops',
      directoryId: 'dir-1',
      idpManaged: false,
      workspaceRole: 'member',
    });
    await cached.applyItemChanges(WS, { upsert: [orgOps] }, '2026-11-28T12:00:24.000Z', ORIGIN);
    const bobRolePaths = async () =>
      effectiveResourceAccess((await cached.loadResourceAccessFacts(WS, 'group', 'ops'))!, {
        type: 'group',
        id: 'ops',
      }).users.find((entry) => entry.accountId === 'bob')?.rolePaths;
    expect(await bobRolePaths()).toBeUndefined();
    const bobInOrgOps = orgGroupMembershipGrant('g-ops', 'bob');
    await cached.applyItemChanges(WS, { upsert: [bobInOrgOps] }, '2026-11-28T12:00:25.000Z', ORIGIN);
    expect(await bobRolePaths()).toEqual([{ via: 'org-group', group: 'ops', permission: 'member' }]);
    await cached.applyItemChanges(WS, { remove: [bobInOrgOps, orgOps] }, '2026-11-28T12:00:26.000Z', ORIGIN);
  });
});
