// The sync's own bookkeeping: one state item per scope (freshness, dirty mark, last error, deletion
// hold), one status item per workspace (pass progress, last completed pass, resume time), the lease
// that keeps steps from overlapping, and the ledger of requests spent in the rolling hour.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { queryPrefix } from './dynamodb-reads.js';
import {
  leaseKey,
  ledgerHourKey,
  scopeStateKey,
  SCOPE_STATE_PREFIX,
  workspacePartition,
  type TableKey,
} from './keys.js';

export interface ScopeError {
  at: string;
  message: string;
  status?: number;
  endpoint?: string;
}

/**
 * What a credential could not read, as stored on a scope's sync state and reported by the sync status,
 * `doctor`, the export manifest's coverage and the `SyncCapabilityGaps` metric.
 *
 * `status` is Bitbucket's answer (401: a scoped token lacking a scope for this endpoint; 403: known but
 * not allowed, e.g. not a workspace admin or the workspace is administered in admin.atlassian.com).
 * `likelyMissing` are API-token scopes (or OAuth scopes when Bitbucket named them), never certain.
 * `since` is when the gap was first seen, `checkedAt` when it was last confirmed (ISO times).
 */
export interface CapabilityGap {
  since: string;
  checkedAt: string;
  status: 401 | 403;
  /** Route template of the refused call, e.g. `GET /2.0/workspaces/{workspace}/projects`. */
  endpoint?: string;
  likelyMissing: string[];
  /** True when the scopes come from Bitbucket's `X-Accepted-OAuth-Scopes`, not from our table. */
  namedByBitbucket: boolean;
  /** Bitbucket's own words, credential-free. */
  message: string;
  /** Set when the scope was not called: its kind was refused this often in the same step. */
  inferredFrom?: string;
  /**
   * Fingerprint of the credential that was refused (BitbucketClient.credentialFingerprint): a gap
   * recorded with another credential is tried again at once, not after the retry interval.
   */
  credential?: string;
}

/** A caller's release of a deletion hold: evidence of who allowed which removal. */
export interface HoldRelease {
  /** The caller (IAM principal ARN, or the local principal). */
  by: string;
  at: string;
  /** The hold's removals when it was released: the most the next refresh may remove. */
  removals: number;
}

/** A deletion the guard would not apply on its own (DESIGN §4). */
export interface DeletionHold {
  since: string;
  removals: number;
  storedCount: number;
  observedCount: number;
}

export interface ScopeState {
  scope: string;
  /** Observation time of the last refresh that was applied. */
  refreshedAt?: string;
  dirty?: boolean;
  dirtyReason?: string;
  lastError?: ScopeError;
  /** Requests the last refresh of this scope cost. */
  requests?: number;
  hold?: DeletionHold;
  /**
   * Set by a release: the next refresh applies a removal above the guard's share, up to the removals of
   * the hold the caller released (`holdRelease.removals`); a larger one is held again.
   */
  holdReleased?: boolean;
  /** Who released the hold, when, and how many removals the hold they released had. */
  holdRelease?: HoldRelease;
  /** The credential may not read this scope; retried on the slow gap interval, not every step. */
  capabilityGap?: CapabilityGap;
}

/** The gaps of one scope kind, for the sync status, the pass, doctor and the export manifest. */
export interface CapabilityGapSummary {
  kind: string;
  /** Scopes of this kind with a gap. */
  scopes: number;
  status: 401 | 403;
  endpoint?: string;
  likelyMissing: string[];
  since: string;
  /** One sentence naming what was refused and what the credential likely lacks. */
  message: string;
  /** Bitbucket's own words in the most recent refusal (credential-free). */
  bitbucketSaid: string;
}

export interface CompletedPass {
  startedAt: string;
  completedAt: string;
  /** Bitbucket requests the pass cost. */
  requests: number;
  /** Atlassian Admin API requests the pass cost (its own hour); absent when none. */
  adminApiRequests?: number;
  scopes: number;
  /** What the credential could not read in this pass (absent: nothing). */
  capabilityGaps?: CapabilityGapSummary[];
}

/**
 * Who administers a workspace's groups and roles (API-NOTES "Workspaces administered in
 * admin.atlassian.com"), and how we know: `configured` (BITBUCKET_ADMINISTRATION), `organization-lists-it`
 * / `organization-does-not-list-it` (the Admin API's `POST /admin/v2/orgs/{orgId}/workspaces`),
 * `group-write-refused` (a 1.0 group write answered 403 naming admin.atlassian.com), `no-last-accessed`
 * (`/2.0/workspaces/{ws}/permissions` gave no member `last_accessed`: it disappears once administration
 * moves), or `no-evidence` (assumed Bitbucket).
 */
export interface WorkspaceAdministration {
  mode: 'bitbucket' | 'organization';
  evidence:
    | 'configured'
    | 'organization-lists-it'
    | 'organization-does-not-list-it'
    | 'group-write-refused'
    | 'no-last-accessed'
    | 'no-evidence';
  /** When the evidence was gathered (ISO). */
  checkedAt: string;
  /** The organization that lists it, when asked. */
  orgId?: string;
  /** True when its organization groups are read (the `org-groups` scope: an organization credential exists). */
  orgGroupsRead: boolean;
  /** Why the Admin API could not be asked, when it could not (credential-free). */
  note?: string;
}

export interface WorkspaceSyncStatus {
  workspaceId: string;
  workspaceSlug: string;
  passStartedAt?: string;
  passRequests: number;
  /** Atlassian Admin API requests of the pass so far (absent: none). */
  passAdminApiRequests?: number;
  lastCompletedPass?: CompletedPass;
  /** After a 429: no step calls Bitbucket before this time. */
  resumeAfter?: string;
  /** The reason a step could not run at all (credential rejected, workspace not administrable, …). */
  lastError?: ScopeError;
  lastStep?: { at: string; outcome: string; requests: number; scopesRefreshed: number; changes: number };
  /** What the credential cannot read now, by scope kind (absent: nothing). */
  capabilityGaps?: CapabilityGapSummary[];
  /** Who administers its groups and roles, as the last step found (absent before the first step). */
  administration?: WorkspaceAdministration;
}

const STATUS_SK = 'SYNC#STATUS';

function statusKey(ws: string): TableKey {
  return { PK: workspacePartition(ws), SK: STATUS_SK };
}

function withoutKeys<T>(record: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, ...rest } = record;
  return rest as T;
}

export class SyncStateStore {
  constructor(private readonly options: { documentClient: DynamoDBDocumentClient; tableName: string }) {}

  private get db() {
    return this.options.documentClient;
  }

  async listScopeStates(ws: string): Promise<ScopeState[]> {
    const records = await queryPrefix(
      this.db,
      this.options.tableName,
      workspacePartition(ws),
      SCOPE_STATE_PREFIX,
    );
    return records.map((record) => withoutKeys<ScopeState>(record));
  }

  /** One scope's state (strongly consistent), or undefined when the scope has none. */
  async getScopeState(ws: string, scope: string): Promise<ScopeState | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: scopeStateKey(ws, scope),
        ConsistentRead: true,
      }),
    );
    return Item ? withoutKeys<ScopeState>(Item) : undefined;
  }

  async putScopeState(ws: string, state: ScopeState): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...scopeStateKey(ws, state.scope), ...state },
      }),
    );
  }

  async deleteScopeState(ws: string, scope: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: scopeStateKey(ws, scope) }),
    );
  }

  /**
   * Records a refresh made outside the sync (a webhook re-read a grant scope), so the sync does not read
   * it again before its interval. Only moves `refreshedAt` forward; a dirty mark stays, because it may
   * have been set after this read began.
   */
  async recordRefresh(ws: string, scope: string, refreshedAt: string, requests: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: scopeStateKey(ws, scope),
          UpdateExpression: 'SET #scope = :scope, refreshedAt = :at, requests = :requests',
          ConditionExpression: 'attribute_not_exists(refreshedAt) OR refreshedAt < :at',
          ExpressionAttributeNames: { '#scope': 'scope' },
          ExpressionAttributeValues: { ':scope': scope, ':at': refreshedAt, ':requests': requests },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /**
   * Marks scopes for the next step (webhooks, provisioning, the API). Creates states for unknown scopes.
   * With `retryRefused` (an operator asking), a capability gap on the scope is dropped too, so the next
   * step tries it instead of waiting for the gap's retry interval.
   */
  async markDirty(
    ws: string,
    scopes: string[],
    reason: string,
    options: { retryRefused?: boolean } = {},
  ): Promise<void> {
    const dropGap = options.retryRefused ? ' REMOVE capabilityGap' : '';
    for (const scope of scopes) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: scopeStateKey(ws, scope),
          UpdateExpression: `SET #scope = :scope, dirty = :true, dirtyReason = :reason${dropGap}`,
          ExpressionAttributeNames: { '#scope': 'scope' },
          ExpressionAttributeValues: { ':scope': scope, ':true': true, ':reason': reason },
        }),
      );
    }
  }

  /**
   * Releases a deletion hold for `by`: the next refresh of that scope applies removals up to the hold's
   * count at release. With `seenRemovals` (the hold the caller looked at), only a hold no larger than that
   * is released. Answers the release, `not-held` when the scope has no hold, or `grown` when the hold now
   * removes more than the caller saw.
   */
  async releaseHold(
    ws: string,
    scope: string,
    release: { by: string; at: string; seenRemovals?: number },
  ): Promise<{ released: HoldRelease } | { refused: 'not-held' | 'grown' }> {
    const state = await this.getScopeState(ws, scope);
    const hold = state?.hold;
    if (!hold) return { refused: 'not-held' };
    if (release.seenRemovals !== undefined && hold.removals > release.seenRemovals)
      return { refused: 'grown' };
    const holdRelease: HoldRelease = { by: release.by, at: release.at, removals: hold.removals };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: scopeStateKey(ws, scope),
          UpdateExpression:
            'SET holdReleased = :true, holdRelease = :release, dirty = :true, dirtyReason = :reason',
          // The hold released is the one read above: a refresh that changed it meanwhile wins.
          ConditionExpression: '#hold.removals = :removals AND #hold.since = :since',
          ExpressionAttributeNames: { '#hold': 'hold' },
          ExpressionAttributeValues: {
            ':true': true,
            ':release': holdRelease,
            ':reason': `deletion hold released by ${release.by}`,
            ':removals': hold.removals,
            ':since': hold.since,
          },
        }),
      );
      return { released: holdRelease };
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException')
        return { refused: 'grown' };
      throw error;
    }
  }

  async getStatus(ws: string): Promise<WorkspaceSyncStatus | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.options.tableName, Key: statusKey(ws) }),
    );
    return Item ? withoutKeys<WorkspaceSyncStatus>(Item) : undefined;
  }

  /**
   * Sets only the workspace's administration (provisioning learning it from a refused 1.0 group write),
   * leaving the rest of the status as it is; creates the status when there is none.
   */
  async recordAdministration(
    workspaceId: string,
    workspaceSlug: string,
    administration: WorkspaceAdministration,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: statusKey(workspaceId),
        UpdateExpression:
          'SET administration = :administration, workspaceId = :id, workspaceSlug = :slug, passRequests = if_not_exists(passRequests, :zero)',
        ExpressionAttributeValues: {
          ':administration': administration,
          ':id': workspaceId,
          ':slug': workspaceSlug,
          ':zero': 0,
        },
      }),
    );
  }

  async putStatus(status: WorkspaceSyncStatus): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...statusKey(status.workspaceId), ...status },
      }),
    );
  }

  /**
   * Takes the named lease until `expiresAt` if it is free or expired. A crashed holder's lease simply
   * runs out; a holder never needs to be trusted to release it.
   */
  async acquireLease(name: string, owner: string, now: Date, durationMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...leaseKey(name),
            owner,
            leaseExpiresAtMs: now.getTime() + durationMs,
            // Let TTL sweep abandoned leases eventually.
            expiresAt: Math.floor((now.getTime() + durationMs) / 1000) + 3600,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR leaseExpiresAtMs < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now.getTime(), ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: leaseKey(name),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

/**
 * Requests spent per minute over the rolling hour, per purpose (`sync`, `webhook`, `provisioning`),
 * shared by every function that calls Bitbucket with the same credential. One item per clock hour holds
 * that hour's minute counters (incremented atomically); TTL removes old hours.
 */
export class RequestLedger {
  constructor(
    private readonly options: {
      documentClient: DynamoDBDocumentClient;
      tableName: string;
      identity?: string;
    },
  ) {}

  private hourKey(hour: number): TableKey {
    return ledgerHourKey(this.options.identity ?? 'bitbucket', hour);
  }

  /**
   * Requests recorded in the 60 minutes up to `now`, in total and per purpose, and when the oldest of
   * them leaves the rolling hour (`frees` as ms since the epoch; absent when nothing was spent).
   */
  async spentInLastHour(
    now: Date,
  ): Promise<{ total: number; byPurpose: Record<string, number>; frees?: number; observedLimit?: number }> {
    const minute = Math.floor(now.getTime() / 60_000);
    const hour = Math.floor(minute / 60);
    const items = await Promise.all(
      [hour - 1, hour].map((h) =>
        this.options.documentClient.send(
          new GetCommand({ TableName: this.options.tableName, Key: this.hourKey(h), ConsistentRead: true }),
        ),
      ),
    );
    const byPurpose: Record<string, number> = {};
    let total = 0;
    let oldestMinute: number | undefined;
    let observedLimit: number | undefined;
    for (const { Item } of items) {
      // The later hour's statement wins: items come in hour order.
      if (typeof Item?.observedLimit === 'number') observedLimit = Item.observedLimit;
      for (const [name, value] of Object.entries(Item ?? {})) {
        const match = /^m(\d+)_(\w+)$/.exec(name);
        if (!match || Number(match[1]) <= minute - 60 || typeof value !== 'number') continue;
        const purpose = match[2] ?? 'unknown';
        total += value;
        byPurpose[purpose] = (byPurpose[purpose] ?? 0) + value;
        if (value > 0) oldestMinute = Math.min(oldestMinute ?? Infinity, Number(match[1]));
      }
    }
    // A minute's requests count while they are within the last 60 minutes.
    return {
      total,
      byPurpose,
      ...(oldestMinute === undefined ? {} : { frees: (oldestMinute + 60) * 60_000 }),
      ...(observedLimit === undefined ? {} : { observedLimit }),
    };
  }

  /**
   * Adds `requests` to the minute of `now` under `purpose`; `observedLimit` (Bitbucket's stated
   * `X-RateLimit-Limit`, requests/hour) is kept on the hour's item for later budgets.
   */
  async record(purpose: string, requests: number, now: Date, observedLimit?: number): Promise<void> {
    if (requests <= 0 && observedLimit === undefined) return;
    const minute = Math.floor(now.getTime() / 60_000);
    const sets = ['expiresAt = :expires'];
    const values: Record<string, number> = { ':expires': Math.floor(now.getTime() / 1000) + 3 * 3600 };
    if (observedLimit !== undefined) {
      sets.push('observedLimit = :limit');
      values[':limit'] = observedLimit;
    }
    const counts = requests > 0;
    if (counts) values[':n'] = requests;
    await this.options.documentClient.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.hourKey(Math.floor(minute / 60)),
        UpdateExpression: `${counts ? 'ADD #counter :n ' : ''}SET ${sets.join(', ')}`,
        ...(counts ? { ExpressionAttributeNames: { '#counter': `m${minute}_${purpose}` } } : {}),
        ExpressionAttributeValues: values,
      }),
    );
  }
}
