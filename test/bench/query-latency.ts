// Figure 4: a user's effective access and a repository's "who can reach it", loaded from DynamoDB Local
// and computed as the API does, on a workspace a full pass has filled. Also what the answers' caches cost:
// the first query (workspace facts), the first query of a member of the group granted most widely (its
// grants into the per-group expansion cache), and the heap those caches hold.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { effectiveResourceAccess, effectiveUserAccess } from '../../lib/access/index.js';
import { normalizeUuid } from '../../lib/model/index.js';
import { GovernanceStore } from '../../lib/store/index.js';
import { percentile, round, type Figure } from './figures.js';
import type { FilledWorkspace } from './full-pass.js';

const SAMPLES = 200;
/** Members of the most widely granted group also timed as before (their groups' grants read per query). */
const UNCACHED_SAMPLES = 10;
/**
 * Cache lifetime of the measured store: long enough that the warm figures are warm (a 2-core machine
 * shared with other work takes minutes to load 200 users' groups once). The 30 s default bounds how stale
 * a cached fact can be; what a load costs is the first-query figures.
 */
const MEASURED_TTL_MS = 15 * 60_000;
const MIB = 1024 * 1024;

/** Every `step`-th entry, so samples cover the whole list deterministically. */
function spread<T>(entries: readonly T[], count: number): T[] {
  const step = Math.max(1, Math.floor(entries.length / count));
  return entries.filter((_, index) => index % step === 0).slice(0, count);
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** Heap in use after a full collection (the bench runs without --expose-gc, so it is enabled here). */
function settledHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export async function measureQueryLatency(filled: FilledWorkspace, size: string): Promise<Figure[]> {
  const { harness, seed, workspace } = filled;
  const store = new GovernanceStore({
    documentClient: harness.documentClient,
    tableName: harness.tableName,
    workspaceFactsTtlMs: MEASURED_TTL_MS,
  });
  const ws = seed.workspaces[0]!;
  const users = spread(ws.members, SAMPLES).map((member) => member.accountId);
  const repositories = spread(ws.repositories, SAMPLES).map((repository) => normalizeUuid(repository.uuid));
  // The group granted on the most repositories (at L: one group of 3,590 members, on every repository).
  const grantsByGroup = new Map<string, number>();
  for (const repository of ws.repositories)
    for (const grant of repository.groupGrants)
      grantsByGroup.set(grant.group, (grantsByGroup.get(grant.group) ?? 0) + 1);
  const [widest, widestGrants] = [...grantsByGroup].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const widestMembers = new Set(ws.groups.find((group) => group.slug === widest)?.members ?? []);
  const inWidest = users.filter((accountId) => widestMembers.has(accountId));
  const outsider = users.find((accountId) => !widestMembers.has(accountId)) ?? users[0]!;

  const userQuery = (accountId: string) =>
    timed(async () => {
      const facts = await store.loadUserAccessFacts(workspace.id, accountId);
      if (!effectiveUserAccess(facts, accountId)) throw new Error(`user ${accountId} not in the store`);
      return facts.itemsRead;
    });
  const repositoryQuery = (id: string) =>
    timed(async () => {
      const facts = await store.loadResourceAccessFacts(workspace.id, 'repository', id);
      if (!facts) throw new Error(`repository ${id} not in the store`);
      effectiveResourceAccess(facts, { type: 'repository', id });
      return facts.itemsRead;
    });

  const heapBefore = settledHeap();
  // The first query also loads the workspace-wide facts (every project and repository) into the cache.
  const cold = await userQuery(outsider);
  const heapWithFacts = settledHeap();
  const figures: Figure[] = [
    {
      figure: 4,
      name: 'first query (loads workspace facts cache)',
      size,
      value: round(cold.ms, 1),
      unit: 'ms',
      note: `${cold.value.toLocaleString('en-US')} items read; facts cache ≈ ${round((heapWithFacts - heapBefore) / MIB, 1)} MiB heap`,
    },
  ];
  if (inWidest[0] !== undefined) {
    const first = await userQuery(inWidest[0]);
    const heapWithWidest = settledHeap();
    figures.push({
      figure: 4,
      name: 'first query in the most widely granted group (loads its grants into the cache)',
      size,
      value: round(first.ms, 1),
      unit: 'ms',
      note: `group ${widest}: ${widestGrants.toLocaleString('en-US')} repository grants, ${widestMembers.size.toLocaleString('en-US')} members; ${first.value.toLocaleString('en-US')} items read; its expansion ≈ ${round((heapWithWidest - heapWithFacts) / MIB, 1)} MiB heap`,
    });
  }
  // Warm: every sampled user once, so each of their groups' expansions is loaded (the cost of that is
  // the first-query figure above).
  const warmUp = await timed(async () => {
    for (const accountId of users) await userQuery(accountId);
  });
  // As before the per-group cache: a fresh memo per query reads every group's grants (warm facts).
  const uncachedQuery = (accountId: string) =>
    timed(async () => {
      const { facts } = await store.loadUserReviewFacts(workspace.id, accountId, { groupGrants: new Map() });
      if (!effectiveUserAccess(facts, accountId)) throw new Error(`user ${accountId} not in the store`);
      return facts.itemsRead;
    });
  const uncached = [];
  for (const accountId of inWidest.slice(0, UNCACHED_SAMPLES)) uncached.push(await uncachedQuery(accountId));
  if (uncached.length > 0) {
    const ms = uncached.map((run) => run.ms);
    const items = uncached.map((run) => run.value);
    figures.push(
      {
        figure: 4,
        name: 'user effective access p50, group grants read per query (as before)',
        size,
        value: round(percentile(ms, 50), 2),
        unit: 'ms',
        note: `${uncached.length} members of ${widest}, same run; items read p50 ${percentile(items, 50)}, max ${Math.max(...items)}`,
      },
      {
        figure: 4,
        name: 'user effective access max, group grants read per query (as before)',
        size,
        value: round(Math.max(...ms), 2),
        unit: 'ms',
      },
    );
  }
  for (const [name, ids, query] of [
    ['user effective access', users, userQuery],
    ['repository: who can reach it', repositories, repositoryQuery],
  ] as const) {
    const runs = [];
    for (const id of ids) runs.push(await query(id));
    const ms = runs.map((run) => run.ms);
    const items = runs.map((run) => run.value);
    const warmed = name === 'user effective access' ? ` (warm-up pass ${round(warmUp.ms / 1000, 1)} s)` : '';
    const note = `${runs.length} queries, warm caches${warmed}; items read p50 ${percentile(items, 50)}, p99 ${percentile(items, 99)}`;
    figures.push(
      { figure: 4, name: `${name} p50`, size, value: round(percentile(ms, 50), 2), unit: 'ms', note },
      { figure: 4, name: `${name} p99`, size, value: round(percentile(ms, 99), 2), unit: 'ms' },
    );
    if (name === 'user effective access' && inWidest.length > 0) {
      const widestMs = runs.filter((_, i) => widestMembers.has(ids[i]!)).map((run) => run.ms);
      figures.push({
        figure: 4,
        name: 'user effective access p99, members of the most widely granted group',
        size,
        value: round(percentile(widestMs, 99), 2),
        unit: 'ms',
        note: `${widestMs.length} of the ${runs.length} queries`,
      });
    }
  }
  const cached = store.groupGrantsCacheStats();
  const heapAfter = settledHeap();
  figures.push({
    figure: 4,
    name: 'group expansion cache after the queries',
    size,
    value: round((heapAfter - heapWithFacts) / MIB, 1),
    unit: 'MiB',
    note: `${cached.groups} groups, ${cached.grants.toLocaleString('en-US')} grants held (heap growth since the facts cache loaded)`,
  });
  return figures;
}
