// Access requests on the governance table (`ACCESSREQ#{id}`, listed per workspace through GSI1): the
// record of who asked for what, who decided, and what provisioning did. Every status change is one
// conditional update on the status the caller read, so two deciders cannot both win; it travels with its
// change record (cause `access-request`) in one transaction, so the change log holds exactly the steps
// that happened, each naming its caller.
import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toChangeRecordItem, type AccessRequestSnapshot, type ChangeRecord } from './change-records.js';
import { queryIndexPrefix } from './dynamodb-reads.js';
import {
  accessRequestItemKey,
  accessRequestKey,
  accessRequestSortKey,
  accessRequestsPartition,
  accessRequestStatusPrefix,
} from './keys.js';
import { monotonicUlid } from './ulid.js';

/**
 * `pending → approved → active → expired`, or `denied`, `withdrawn` (before a decision), `failed` (the
 * grant could not be made: `failure` says why, in Bitbucket's words where it answered).
 */
export const ACCESS_REQUEST_STATUSES = [
  'pending',
  'approved',
  'active',
  'expired',
  'denied',
  'withdrawn',
  'failed',
] as const;
export type AccessRequestStatus = (typeof ACCESS_REQUEST_STATUSES)[number];

/** One access request as stored and answered. */
export interface AccessRequestRecord {
  id: string;
  workspaceId: string;
  workspaceSlug: string;
  status: AccessRequestStatus;
  /** What is asked for, as in `/grants`: `{type, id|slug|key}`. */
  resource: Record<string, string>;
  /** Who would get it: `{type: 'user', accountId}` or `{type: 'group', slug}`. */
  principal: Record<string, string>;
  permission: string;
  /**
   * The grant's target resolved at creation (`targetKeyOf`: kind, resource id, principal): requests on the
   * same target stack, and expiry leaves what another active request still holds.
   */
  target?: string;
  /** Minutes the grant lasts once active (1 … 43,200); absent: until revoked. */
  durationMinutes?: number;
  reason: string;
  /** The caller who asked (principal), and their Bitbucket account when the policy names one. */
  requestedBy: string;
  requesterAccountId?: string;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  /** The provisioning request that made the grant (`GET /v1/requests/{id}`). */
  provisioningRequestId?: string;
  /** The access existed already (equal or higher): nothing was granted, nothing will be revoked. */
  alreadyHeld?: boolean;
  /** The permission the principal held before the grant (null: none): what expiry restores. */
  previousPermission?: string | null;
  activatedAt?: string;
  /** When a time-boxed grant ends (ISO 8601). */
  expiresAt?: string;
  /** SHA-256 of what was asked, kept when the request came with an Idempotency-Key (a retry must match). */
  askHash?: string;
  /** Why the grant could not be made: the answer's status and message. */
  failure?: { status: number; message: string };
  /** When expiry ended the grant, and how: `revoked`, `restored` (the previous permission), `left-alone`. */
  expiredAt?: string;
  expiry?: { outcome: 'revoked' | 'restored' | 'left-alone'; detail?: string };
}

const BOOKKEEPING = ['PK', 'SK', 'GSI1PK', 'GSI1SK'];

function fromItem(item: Record<string, unknown>): AccessRequestRecord {
  const record: Record<string, unknown> = { ...item };
  for (const name of BOOKKEEPING) delete record[name];
  return record as unknown as AccessRequestRecord;
}

/** A fresh request id: `ar-` and a random uuid. */
export function newAccessRequestId(): string {
  return `ar-${randomUUID()}`;
}

/** Who took a step of a request, and when (ISO 8601): what its change record names. */
export interface AccessRequestStep {
  actor: string;
  at: string;
}

function snapshotOf(record: AccessRequestRecord): AccessRequestSnapshot {
  const { workspaceId: _id, ...rest } = record;
  return { kind: 'access-request', ...rest };
}

export class AccessRequestStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #nextId = monotonicUlid();

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string }) {
    this.#db = options.documentClient;
    this.#tableName = options.tableName;
  }

  /**
   * Stores a new request with its change record (actor: the requester, at: `createdAt`). False, with
   * nothing written, when a request with its id exists (an id derived from an Idempotency-Key).
   */
  async create(record: AccessRequestRecord): Promise<boolean> {
    try {
      await this.#create(record);
      return true;
    } catch (error) {
      if (conditionFailedFirst(error)) return false;
      throw error;
    }
  }

  async #create(record: AccessRequestRecord): Promise<void> {
    await this.#db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.#tableName,
              Item: {
                ...record,
                ...accessRequestKey(record.workspaceId, record.id, record.status, record.createdAt),
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          this.#changeRecordPut(null, record, { actor: record.requestedBy, at: record.createdAt }),
        ],
      }),
    );
  }

  /** The change log entry of one step: the request before (null when created) and after it. */
  #changeRecordPut(
    before: AccessRequestRecord | null,
    after: AccessRequestRecord,
    step: AccessRequestStep,
  ): { Put: { TableName: string; Item: Record<string, unknown> } } {
    const record: ChangeRecord<AccessRequestSnapshot> = {
      at: step.at,
      id: this.#nextId(Date.parse(step.at)),
      workspaceId: after.workspaceId,
      scope: null,
      item: `access-request/${after.id}`,
      observedAt: step.at,
      cause: 'access-request',
      actor: step.actor,
      before: before && snapshotOf(before),
      after: snapshotOf(after),
    };
    return { Put: { TableName: this.#tableName, Item: toChangeRecordItem(record) } };
  }

  /** One request by id (strongly consistent), or null when there is none or the id is malformed. */
  async get(id: string): Promise<AccessRequestRecord | null> {
    if (id === '' || id.includes('#')) return null;
    const { Item } = await this.#db.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: accessRequestItemKey(id),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : null;
  }

  /** A workspace's requests, newest first, optionally of one status (then only those are read). */
  async list(workspaceId: string, status?: AccessRequestStatus): Promise<AccessRequestRecord[]> {
    const items = await queryIndexPrefix(
      this.#db,
      this.#tableName,
      accessRequestsPartition(workspaceId),
      status === undefined ? undefined : accessRequestStatusPrefix(status),
    );
    return items
      .map(fromItem)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /**
   * Moves `current` (the request as the caller read it) from its status to `changes.status`, setting the
   * other fields of `changes`, and appends the step's change record naming `step.actor`. False, with
   * nothing written, when the request is not in that status any more (someone else moved it first).
   */
  async transition(
    current: AccessRequestRecord,
    changes: Partial<AccessRequestRecord> & { status: AccessRequestStatus },
    step: AccessRequestStep,
  ): Promise<boolean> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':from': current.status };
    const sets = entries.map(([name, value], index) => {
      names[`#f${index}`] = name;
      values[`:v${index}`] = value;
      return `#f${index} = :v${index}`;
    });
    // The listing by status follows the status.
    values[':sortKey'] = accessRequestSortKey(current.id, changes.status, current.createdAt);
    sets.push('GSI1SK = :sortKey');
    const after = { ...current, ...changes } as AccessRequestRecord;
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#tableName,
                Key: accessRequestItemKey(current.id),
                UpdateExpression: `SET ${sets.join(', ')}`,
                ConditionExpression: 'attribute_exists(PK) AND #status = :from',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            this.#changeRecordPut(current, after, step),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailedFirst(error)) return false;
      throw error;
    }
  }
}

/** The transaction was cancelled because the request's status guard (its first item) failed. */
function conditionFailedFirst(error: unknown): boolean {
  const { name, CancellationReasons } = error as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  return (
    name === 'TransactionCanceledException' && CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
  );
}
