// Per-group expansion of grants, cached per process: the project and repository grants one group holds.
// A user in a group granted on every repository of a 10,000-repository workspace would otherwise read
// those 10,000 grants on each query. Exactness: every write of a grant held by a group moves that
// group's counter in one version item per workspace (after the write, before the write call returns);
// a query reads that item (one strongly consistent GetItem) before it reads any group's grants, and
// reuses a cached expansion only if it was loaded under the same counter. So an answer asked after a
// write returns sees it, from any process. An expansion also lives at most `ttlMs` (the workspace facts'
// TTL): should a writer die between its grant write and the counter move, the cache is never staler than
// the cached workspace facts are.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Grant } from '../model/index.js';
import type { ReadTally } from './dynamodb-reads.js';
import { groupGrantsVersionAttribute, groupGrantsVersionKey } from './keys.js';
import { withThrottlingRetry } from './throttling-retry.js';

/** Counters of a workspace's groups, by group slug; a group never written has counter 0. */
export type GroupGrantsVersions = (group: string) => number;

interface Expansion {
  version: number;
  loadedAt: number;
  grants: Promise<Grant[]>;
  /** Set once the read completed. */
  count?: number;
  /** A background read of the same group is under way. */
  refreshing?: boolean;
}

/** Sizes of what the cache holds (for the bench's memory figure). */
export interface GroupGrantsCacheStats {
  groups: number;
  grants: number;
}

/** Counter moves per UpdateItem: keeps the update expression well under DynamoDB's 4 KB. */
const GROUPS_PER_UPDATE = 50;

export class GroupGrantsCache {
  /** By workspace, then group slug. */
  private readonly entries = new Map<string, Map<string, Expansion>>();

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  /** Reads the workspace's group counters (one consistent GetItem; 1 item read when it exists). */
  async versions(ws: string, tally: ReadTally): Promise<GroupGrantsVersions> {
    const { Item } = await withThrottlingRetry(() =>
      this.documentClient.send(
        new GetCommand({ TableName: this.tableName, Key: groupGrantsVersionKey(ws), ConsistentRead: true }),
      ),
    );
    if (Item) tally.itemsRead += 1;
    return (group) => {
      const value = Item?.[groupGrantsVersionAttribute(group)] as unknown;
      return typeof value === 'number' ? value : 0;
    };
  }

  /**
   * The group's grants: the cached expansion when it was loaded under `version` and within the TTL,
   * else `load(tally)` (its items count in this query's tally), kept for the next query. Past half the
   * TTL a use also starts a read in the background, so a group in steady use is never read in the
   * foreground again (its answers stay within the TTL: the refreshed copy counts from when it was read).
   */
  grantsOf(
    ws: string,
    group: string,
    version: number,
    tally: ReadTally,
    load: (tally: ReadTally) => Promise<Grant[]>,
  ): Promise<Grant[]> {
    const now = this.now().getTime();
    let groups = this.entries.get(ws);
    if (!groups) this.entries.set(ws, (groups = new Map()));
    const cached = groups.get(group);
    if (cached && cached.version === version && now - cached.loadedAt < this.ttlMs) {
      if (now - cached.loadedAt >= this.ttlMs / 2 && !cached.refreshing)
        this.refresh(groups, group, cached, load);
      return cached.grants;
    }
    // On a miss, expansions past their TTL go: a group no longer asked about holds no memory.
    for (const [slug, entry] of groups) if (now - entry.loadedAt >= this.ttlMs) groups.delete(slug);
    const grants = load(tally);
    const expansion: Expansion = { version, loadedAt: now, grants };
    groups.set(group, expansion);
    // A failed read is not kept: the next query reads again.
    grants.then(
      (list) => {
        expansion.count = list.length;
      },
      () => {
        if (groups.get(group) === expansion) groups.delete(group);
      },
    );
    return grants;
  }

  /** Reads `cached`'s group again and replaces it, unless a newer read or a counter move came first. */
  private refresh(
    groups: Map<string, Expansion>,
    group: string,
    cached: Expansion,
    load: (tally: ReadTally) => Promise<Grant[]>,
  ): void {
    cached.refreshing = true;
    const startedAt = this.now().getTime();
    load({ itemsRead: 0 }).then(
      (list) => {
        if (groups.get(group) !== cached) return;
        const grants = Promise.resolve(list);
        groups.set(group, { version: cached.version, loadedAt: startedAt, grants, count: list.length });
      },
      () => {
        cached.refreshing = false;
      },
    );
  }

  /**
   * Moves the counters of `groups` (after their grants were written), so every process's cached
   * expansion of them is read again by the next query.
   */
  async bump(ws: string, groups: ReadonlySet<string>): Promise<void> {
    const slugs = [...groups];
    for (let start = 0; start < slugs.length; start += GROUPS_PER_UPDATE) {
      const chunk = slugs.slice(start, start + GROUPS_PER_UPDATE);
      const names = Object.fromEntries(chunk.map((slug, i) => [`#g${i}`, groupGrantsVersionAttribute(slug)]));
      await withThrottlingRetry(() =>
        this.documentClient.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: groupGrantsVersionKey(ws),
            UpdateExpression: `ADD ${Object.keys(names)
              .map((name) => `${name} :one`)
              .join(', ')}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':one': 1 },
          }),
        ),
      );
    }
    // This process drops them at once too.
    for (const slug of slugs) this.entries.get(ws)?.delete(slug);
  }

  /** Groups and grants held now (loaded expansions only). */
  stats(): GroupGrantsCacheStats {
    let groups = 0;
    let grants = 0;
    for (const byGroup of this.entries.values()) {
      for (const expansion of byGroup.values()) {
        if (expansion.count === undefined) continue;
        groups += 1;
        grants += expansion.count;
      }
    }
    return { groups, grants };
  }
}
