// Figure 4: a user's effective access and a repository's "who can reach it", loaded from DynamoDB Local
// and computed as the API does, on a workspace a full pass has filled.
import { effectiveResourceAccess, effectiveUserAccess } from '../../lib/access/index.js';
import { normalizeUuid } from '../../lib/model/index.js';
import { GovernanceStore } from '../../lib/store/index.js';
import { percentile, round, type Figure } from './figures.js';
import type { FilledWorkspace } from './full-pass.js';

const SAMPLES = 200;

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

export async function measureQueryLatency(filled: FilledWorkspace, size: string): Promise<Figure[]> {
  const { harness, seed, workspace } = filled;
  const store = new GovernanceStore({ documentClient: harness.documentClient, tableName: harness.tableName });
  const ws = seed.workspaces[0]!;
  const users = spread(ws.members, SAMPLES).map((member) => member.accountId);
  const repositories = spread(ws.repositories, SAMPLES).map((repository) => normalizeUuid(repository.uuid));

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

  // The first query also loads the workspace-wide facts (every project and repository) into the cache.
  const cold = await userQuery(users[0]!);
  const figures: Figure[] = [
    {
      figure: 4,
      name: 'first query (loads workspace facts cache)',
      size,
      value: round(cold.ms, 1),
      unit: 'ms',
      note: `${cold.value.toLocaleString('en-US')} items read`,
    },
  ];
  for (const [name, ids, query] of [
    ['user effective access', users, userQuery],
    ['repository: who can reach it', repositories, repositoryQuery],
  ] as const) {
    const runs = [];
    for (const id of ids) runs.push(await query(id));
    const ms = runs.map((run) => run.ms);
    const items = runs.map((run) => run.value);
    const note = `${runs.length} queries, warm cache; items read p50 ${percentile(items, 50)}, p99 ${percentile(items, 99)}`;
    figures.push(
      { figure: 4, name: `${name} p50`, size, value: round(percentile(ms, 50), 2), unit: 'ms', note },
      { figure: 4, name: `${name} p99`, size, value: round(percentile(ms, 99), 2), unit: 'ms' },
    );
  }
  return figures;
}
