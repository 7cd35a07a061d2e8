// The store of the governance picture: scope diffs and targeted changes (guarded by observedAt, with
// a change record each), and the queries the API and the access answers need.
import { refuseFutureTime } from './observation-time.js';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessFacts } from '../access/index.js';
import {
  InvalidItemError,
  isUuid,
  itemIdentity,
  normalizeUuid,
  resource,
  scopeId,
  scopeOwnsItem,
  validateItem,
  type GovernanceItem,
  type Grant,
  type PrincipalType,
  type ResourceOf,
  type ResourceType,
  type ScopeRef,
} from '../model/index.js';
import { AccessFactsLoader, type AccessTarget, type GroupGrantsMemo } from './access-facts-loader.js';
import { fromChangeRecordItem, type ChangeOrigin, type ChangeRecord } from './change-records.js';
import { batchGetAll, queryIndexPrefix, queryPrefix } from './dynamodb-reads.js';
import { applyGuardedChanges } from './guarded-writes.js';
import {
  GRANT_PREFIX,
  changesPartition,
  grantsOnPrefix,
  itemKey,
  principalPartition,
  resourceKey,
  resourceTypePrefix,
  scopeKeyPrefixes,
  workspaceDirectoryKey,
  workspacePartition,
  WORKSPACES_PARTITION,
  type TableKey,
} from './keys.js';
import { diffScope, type ItemChange } from './scope-diff.js';
import { GroupGrantsCache, type GroupGrantsCacheStats } from './group-grants-cache.js';
import { fromStoredRecord, sameItem, type Observed } from './stored-items.js';
import { monotonicUlid } from './ulid.js';
import { DEFAULT_WORKSPACE_FACTS_TTL_MS, WorkspaceFactsCache } from './workspace-facts-cache.js';

export interface GovernanceStoreOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  /** How long workspace-wide access facts stay cached in this process (default 30 s). */
  workspaceFactsTtlMs?: number;
  /** Conditional writes in flight at once (default 16). */
  writeParallelism?: number;
}

export interface ApplyResult {
  put: number;
  deleted: number;
  unchanged: number;
  skippedStale: number;
  changes: ChangeRecord<GovernanceItem>[];
}

export interface WorkspaceEntry {
  uuid: string;
  slug: string;
  name: string;
}

export interface ChangePage {
  changes: ChangeRecord[];
  /** Opaque; pass back to read the next page. Absent on the last page. */
  cursor?: string;
}

/** A grant or resource removal names only the item's identity: the resource, or resource + principal. */
export type ItemRef =
  { kind: 'resource'; type: ResourceType; id: string } | Pick<Grant, 'kind' | 'resource' | 'principal'>;

export class GovernanceStore {
  private readonly documentClient: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => Date;
  private readonly writeParallelism: number;
  private readonly nextId = monotonicUlid();
  private readonly workspaceFacts: WorkspaceFactsCache;
  private readonly groupGrants: GroupGrantsCache;
  private readonly accessFacts: AccessFactsLoader;

  constructor(options: GovernanceStoreOptions) {
    this.documentClient = options.documentClient;
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.writeParallelism = options.writeParallelism ?? 16;
    this.workspaceFacts = new WorkspaceFactsCache(
      this.documentClient,
      this.tableName,
      options.workspaceFactsTtlMs ?? DEFAULT_WORKSPACE_FACTS_TTL_MS,
      this.now,
    );
    this.groupGrants = new GroupGrantsCache(
      this.documentClient,
      this.tableName,
      options.workspaceFactsTtlMs ?? DEFAULT_WORKSPACE_FACTS_TTL_MS,
      this.now,
    );
    this.accessFacts = new AccessFactsLoader(
      this.documentClient,
      this.tableName,
      this.workspaceFacts,
      this.groupGrants,
    );
  }

  // Writes ---------------------------------------------------------------------------------------

  /** What is stored for a scope now: the items a scope diff compares against. */
  async readScope(workspaceId: string, scope: ScopeRef): Promise<Observed[]> {
    const pk = workspacePartition(workspaceId);
    const pages = await Promise.all(
      scopeKeyPrefixes(scope).map((prefix) => queryPrefix(this.documentClient, this.tableName, pk, prefix)),
    );
    return pages.flat().map(fromStoredRecord);
  }

  /**
   * Makes the stored scope match one complete observation of it: puts what is new or different,
   * deletes what the observation no longer lists, each only if the stored item is older. A caller that
   * already read the scope (the sync's deletion guard) passes what it read, so it is not read twice.
   */
  async applyScopeDiff(
    workspaceId: string,
    scope: ScopeRef,
    observedItems: readonly GovernanceItem[],
    observedAt: string,
    origin: ChangeOrigin,
    options: { stored?: readonly Observed[] } = {},
  ): Promise<ApplyResult> {
    for (const item of observedItems) {
      validateItem(item);
      if (!scopeOwnsItem(scope, item)) {
        throw new InvalidItemError(`${itemIdentity(item)} does not belong to scope ${scopeId(scope)}`);
      }
    }
    const stored = options.stored ?? (await this.readScope(workspaceId, scope));
    const diff = diffScope(stored, observedItems);
    return this.apply(workspaceId, diff.changes, diff.unchanged, observedAt, origin);
  }

  /** Targeted writes (provisioning, webhooks): upserts and removals with the same guard and records. */
  async applyItemChanges(
    workspaceId: string,
    changes: { upsert?: readonly GovernanceItem[]; remove?: readonly ItemRef[] },
    observedAt: string,
    origin: ChangeOrigin,
  ): Promise<ApplyResult> {
    const upserts = changes.upsert ?? [];
    const removals = changes.remove ?? [];
    upserts.forEach(validateItem);
    const keys = [...upserts, ...removals].map((item) => itemKey(workspaceId, item as GovernanceItem));
    const current = new Map(
      (
        await batchGetAll(
          this.documentClient,
          this.tableName,
          keys.map(({ PK, SK }) => ({ PK, SK })),
        )
      )
        .map(fromStoredRecord)
        .map((entry) => [itemIdentity(entry.item), entry.item]),
    );
    const itemChanges: ItemChange[] = [];
    let unchanged = 0;
    for (const item of upserts) {
      const before = current.get(itemIdentity(item)) ?? null;
      if (before !== null && sameItem(before, item)) unchanged += 1;
      else itemChanges.push({ before, after: item });
    }
    for (const ref of removals) {
      const before = current.get(itemIdentity(ref as GovernanceItem)) ?? null;
      if (before === null) unchanged += 1;
      else itemChanges.push({ before, after: null });
    }
    return this.apply(workspaceId, itemChanges, unchanged, observedAt, origin);
  }

  private async apply(
    workspaceId: string,
    changes: ItemChange[],
    unchanged: number,
    observedAt: string,
    origin: ChangeOrigin,
  ): Promise<ApplyResult> {
    refuseFutureTime('observedAt', observedAt, this.now());
    // Groups whose grants this write may change: their counters move once it ends, even if it fails
    // halfway (part of it may have landed).
    const groups = groupsWithGrantsIn(changes);
    const written = await applyGuardedChanges(
      {
        documentClient: this.documentClient,
        tableName: this.tableName,
        workspaceId,
        observedAt,
        origin,
        now: this.now,
        nextId: this.nextId,
        parallelism: this.writeParallelism,
      },
      changes,
    ).finally(() => (groups.size > 0 ? this.groupGrants.bump(workspaceId, groups) : undefined));
    if (written.changes.some((change) => touchesWorkspaceFacts(change.before ?? change.after))) {
      this.workspaceFacts.invalidate(workspaceId);
    }
    return { ...written, unchanged };
  }

  // Workspace directory --------------------------------------------------------------------------

  /** Records a workspace in the directory and stores its resource (slug, name). */
  async putWorkspace(
    entry: WorkspaceEntry,
    observedAt: string,
    origin: ChangeOrigin,
  ): Promise<WorkspaceEntry> {
    const uuid = normalizeUuid(entry.uuid);
    const stored = { uuid, slug: entry.slug, name: entry.name };
    await this.documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...workspaceDirectoryKey(entry.slug), ...stored },
      }),
    );
    await this.applyItemChanges(
      uuid,
      { upsert: [resource('workspace', uuid, { slug: entry.slug, name: entry.name })] },
      observedAt,
      origin,
    );
    return stored;
  }

  async listWorkspaces(): Promise<WorkspaceEntry[]> {
    const records = await queryPrefix(this.documentClient, this.tableName, WORKSPACES_PARTITION, 'WS#');
    return records.map(({ uuid, slug, name }) => ({ uuid, slug, name }) as WorkspaceEntry);
  }

  /** A workspace by slug or uuid (with or without braces); null when unknown. */
  async resolveWorkspace(slugOrUuid: string): Promise<WorkspaceEntry | null> {
    if (isUuid(slugOrUuid)) {
      const uuid = normalizeUuid(slugOrUuid);
      return (await this.listWorkspaces()).find((entry) => entry.uuid === uuid) ?? null;
    }
    if (slugOrUuid === '' || slugOrUuid.includes('#')) return null;
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: workspaceDirectoryKey(slugOrUuid) }),
    );
    return Item ? ({ uuid: Item.uuid, slug: Item.slug, name: Item.name } as WorkspaceEntry) : null;
  }

  // Queries --------------------------------------------------------------------------------------

  async getResource<T extends ResourceType>(
    workspaceId: string,
    type: T,
    id: string,
  ): Promise<Observed<ResourceOf<T>> | null> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: resourceKey(workspaceId, type, id) }),
    );
    return Item ? (fromStoredRecord(Item) as Observed<ResourceOf<T>>) : null;
  }

  async listResources<T extends ResourceType>(
    workspaceId: string,
    type: T,
  ): Promise<Observed<ResourceOf<T>>[]> {
    const records = await queryPrefix(
      this.documentClient,
      this.tableName,
      workspacePartition(workspaceId),
      resourceTypePrefix(type),
    );
    return records.map((record) => fromStoredRecord(record) as Observed<ResourceOf<T>>);
  }

  async listGrantsOnResource(
    workspaceId: string,
    type: ResourceType,
    id: string,
  ): Promise<Observed<Grant>[]> {
    const records = await queryPrefix(
      this.documentClient,
      this.tableName,
      workspacePartition(workspaceId),
      grantsOnPrefix(type, id),
    );
    return records.map((record) => fromStoredRecord(record) as Observed<Grant>);
  }

  /** Every explicit grant a user or group holds (GSI1). */
  async listGrantsOfPrincipal(
    workspaceId: string,
    principalType: PrincipalType,
    principalId: string,
  ): Promise<Observed<Grant>[]> {
    const records = await queryIndexPrefix(
      this.documentClient,
      this.tableName,
      principalPartition(workspaceId, principalType, principalId),
      GRANT_PREFIX,
    );
    return records.map((record) => fromStoredRecord(record) as Observed<Grant>);
  }

  /** Change records applied at or after `isoTime`, oldest first, one page at a time. */
  async listChangesSince(
    workspaceId: string,
    isoTime: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<ChangePage> {
    const page = await this.documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK >= :since',
        ExpressionAttributeValues: { ':pk': changesPartition(workspaceId), ':since': isoTime },
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.cursor
          ? decodeCursor(options.cursor, changesPartition(workspaceId))
          : undefined,
      }),
    );
    const changes = (page.Items ?? []).map(fromChangeRecordItem);
    return page.LastEvaluatedKey ? { changes, cursor: encodeCursor(page.LastEvaluatedKey) } : { changes };
  }

  // Access facts ---------------------------------------------------------------------------------

  async loadUserAccessFacts(workspaceId: string, accountId: string): Promise<AccessFacts> {
    return (await this.accessFacts.forUser(workspaceId, accountId)).facts;
  }

  /**
   * A user's access facts and own stored grants (with when each was first seen), for an access review.
   * Pass one `groupGrants` memo for all the users of one review, so each group's grants are read once.
   */
  loadUserReviewFacts(
    workspaceId: string,
    accountId: string,
    options: { groupGrants?: GroupGrantsMemo } = {},
  ): Promise<{ facts: AccessFacts; ownGrants: Observed<Grant>[] }> {
    return this.accessFacts.forUser(workspaceId, accountId, options.groupGrants);
  }

  /** What this process holds of cached group expansions (user answers): groups and grants. */
  groupGrantsCacheStats(): GroupGrantsCacheStats {
    return this.groupGrants.stats();
  }

  loadResourceAccessFacts(
    workspaceId: string,
    type: AccessTarget['type'],
    id: string,
    options: { includePublic?: boolean } = {},
  ): Promise<AccessFacts | null> {
    return this.accessFacts.forResource(workspaceId, { type, id }, options.includePublic ?? false);
  }
}

/** The groups holding a grant (on a project or repository) among `changes`: cached group expansions. */
function groupsWithGrantsIn(changes: readonly ItemChange[]): Set<string> {
  const groups = new Set<string>();
  for (const change of changes) {
    const item = change.before ?? change.after;
    if (item?.kind === 'grant' && item.principal.type === 'group') groups.add(item.principal.id);
  }
  return groups;
}

/** Every resource, workspace roles and group memberships feed the cached workspace facts. */
function touchesWorkspaceFacts(item: GovernanceItem | null): boolean {
  if (item === null) return false;
  return (
    item.kind === 'resource' ||
    item.resource.type === 'workspace' ||
    item.resource.type === 'group' ||
    item.resource.type === 'org-group'
  );
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid change-log cursor');
    this.name = 'InvalidCursorError';
  }
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, partition: string): TableKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<TableKey>;
    if (key.PK === partition && typeof key.SK === 'string') return { PK: key.PK, SK: key.SK };
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
