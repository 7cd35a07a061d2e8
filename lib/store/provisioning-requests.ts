// Provisioning requests on the governance table (DESIGN §3, `REQ#{id}`): the record `GET /v1/requests/{id}`
// returns, and the idempotency engine. A request with an Idempotency-Key gets an id derived from the
// workspace and the key, so a conditional put on that one item decides first call, replay, mismatch or
// duplicate in flight — the same way on DynamoDB Local as in AWS.
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// Type only: provisioning owns the call record and uses this store, so no runtime import goes back.
import type { BitbucketCallRecord } from '../provisioning/provision.js';
import { provisioningRequestItemKey, provisioningRequestKey } from './keys.js';

export type ProvisioningRequestState = 'in-flight' | 'completed' | 'failed';

/** The answer given, kept as text so a replay returns it byte for byte (a DynamoDB map keeps no key order). */
export interface StoredAnswer {
  status: number;
  body: string;
}

/** One finished attempt of a request: a retry after a transient failure never erases the one before. */
export interface ProvisioningAttempt {
  startedAt: string;
  completedAt: string;
  state: 'completed' | 'failed';
  /** The status answered. */
  status: number;
  calls: BitbucketCallRecord[];
}

export interface ProvisioningRequestRecord {
  id: string;
  workspaceId: string;
  workspaceSlug: string;
  action: 'grant' | 'revoke';
  actor: string;
  receivedAt: string;
  completedAt?: string;
  state: ProvisioningRequestState;
  idempotencyKey?: string;
  /** SHA-256 of the canonical request body: a reused key must come with the same body. */
  bodyHash: string;
  request: unknown;
  answer?: StoredAnswer;
  /** The calls of the latest attempt. */
  calls: BitbucketCallRecord[];
  /** Every finished attempt, oldest first (the latest one repeats `calls` and `answer`). */
  attempts?: ProvisioningAttempt[];
}

export type BeginOutcome =
  | { kind: 'started'; record: ProvisioningRequestRecord }
  | { kind: 'replay'; record: ProvisioningRequestRecord }
  | { kind: 'in-flight'; record: ProvisioningRequestRecord }
  | { kind: 'key-reused'; record: ProvisioningRequestRecord };

export interface ProvisioningRequestStoreOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** How long an in-flight claim holds before a crashed caller's key may be taken over (default 60 s). */
  inFlightLeaseMs?: number;
  /** How long records are kept (default 400 days; TTL). */
  retentionDays?: number;
}

const BOOKKEEPING = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'expiresAt', 'leaseExpiresAtMs'];

function fromItem(item: Record<string, unknown>): ProvisioningRequestRecord {
  const record: Record<string, unknown> = { ...item };
  for (const name of BOOKKEEPING) delete record[name];
  return record as unknown as ProvisioningRequestRecord;
}

/**
 * The request id for an Idempotency-Key: stable per caller, workspace and key (another caller's same key
 * is another request, never a replay of theirs), safe inside a table key.
 */
export function idempotentRequestId(workspaceId: string, caller: string, idempotencyKey: string): string {
  const scoped = `${workspaceId}\n${caller}\n${idempotencyKey}`;
  return `idem-${createHash('sha256').update(scoped).digest('hex').slice(0, 40)}`;
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

const isConditionFailure = (error: unknown) =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class ProvisioningRequestStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #leaseMs: number;
  readonly #retentionSeconds: number;

  constructor(options: ProvisioningRequestStoreOptions) {
    this.#db = options.documentClient;
    this.#tableName = options.tableName;
    this.#leaseMs = options.inFlightLeaseMs ?? 60_000;
    this.#retentionSeconds = (options.retentionDays ?? 400) * 86_400;
  }

  /**
   * Claims the request id. It is free when no record exists, when an earlier attempt with the same body
   * failed (a transient failure must not stick to the key), or when an in-flight claim has expired. A
   * retry keeps the earlier attempts (`attempts`); only the latest attempt's fields are reset.
   */
  async begin(record: Omit<ProvisioningRequestRecord, 'state' | 'calls'>, now: Date): Promise<BeginOutcome> {
    const started: ProvisioningRequestRecord = { ...record, state: 'in-flight', calls: [] };
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: {
            ...started,
            attempts: [],
            ...provisioningRequestKey(record.workspaceId, record.id, record.receivedAt),
            leaseExpiresAtMs: now.getTime() + this.#leaseMs,
            expiresAt: Math.floor(now.getTime() / 1000) + this.#retentionSeconds,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return { kind: 'started', record: started };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.get(record.id);
    // Deleted between the put and the read (TTL): treat as in flight; the caller retries.
    if (!existing) return { kind: 'in-flight', record: started };
    if (existing.bodyHash !== record.bodyHash) return { kind: 'key-reused', record: existing };
    if (existing.state === 'completed') return { kind: 'replay', record: existing };
    return (await this.#restart(record, now))
      ? { kind: 'started', record: started }
      : { kind: 'in-flight', record: existing };
  }

  /** Takes a failed or abandoned claim for a new attempt, keeping `attempts`; false when it is not free. */
  async #restart(record: Omit<ProvisioningRequestRecord, 'state' | 'calls'>, now: Date): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: provisioningRequestItemKey(record.id),
          UpdateExpression:
            'SET #state = :inFlight, calls = :none, receivedAt = :receivedAt, leaseExpiresAtMs = :lease REMOVE answer, completedAt',
          ConditionExpression:
            'bodyHash = :hash AND (#state = :failed OR (#state = :inFlight AND leaseExpiresAtMs < :now))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':hash': record.bodyHash,
            ':failed': 'failed',
            ':inFlight': 'in-flight',
            ':now': now.getTime(),
            ':none': [],
            ':receivedAt': record.receivedAt,
            ':lease': now.getTime() + this.#leaseMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Records the outcome of the attempt that began at `outcome.startedAt`, and appends it to `attempts`.
   * `failed` frees the key for a retry with the same body.
   */
  async finish(
    id: string,
    outcome: {
      state: 'completed' | 'failed';
      answer: StoredAnswer;
      calls: BitbucketCallRecord[];
      startedAt: string;
    },
    now: Date,
  ): Promise<void> {
    const attempt: ProvisioningAttempt = {
      startedAt: outcome.startedAt,
      completedAt: now.toISOString(),
      state: outcome.state,
      status: outcome.answer.status,
      calls: outcome.calls,
    };
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: provisioningRequestItemKey(id),
        UpdateExpression:
          'SET #state = :state, answer = :answer, calls = :calls, completedAt = :at, attempts = list_append(if_not_exists(attempts, :none), :attempt)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': outcome.state,
          ':answer': outcome.answer,
          ':calls': outcome.calls,
          ':none': [],
          ':attempt': [attempt],
          ':at': now.toISOString(),
        },
      }),
    );
  }

  async get(id: string): Promise<ProvisioningRequestRecord | null> {
    if (id === '' || id.includes('#')) return null;
    const { Item } = await this.#db.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: provisioningRequestItemKey(id),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : null;
  }
}
