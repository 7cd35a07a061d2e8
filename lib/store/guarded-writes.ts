// Applies item changes with the observedAt guard (DESIGN §3): a put lands only on a missing or older
// item, a delete only on an older one. Each write travels with its change record in one transaction,
// so a change is logged exactly when it lands. Up to 50 changes (100 items) share a transaction;
// when guards fail, the cancellation reasons name them: those count as stale and the rest is resent.
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { itemIdentity, scopeId, scopeOfItem, type GovernanceItem } from '../model/index.js';
import { toChangeRecordItem, type ChangeOrigin, type ChangeRecord } from './change-records.js';
import { itemKey } from './keys.js';
import type { ItemChange } from './scope-diff.js';
import { toStoredRecord } from './stored-items.js';
import { withThrottlingRetry } from './throttling-retry.js';

export interface GuardedWriteContext {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  workspaceId: string;
  observedAt: string;
  origin: ChangeOrigin;
  now: () => Date;
  nextId: (ms: number) => string;
  /** Transactions in flight at once. */
  parallelism: number;
}

export interface GuardedWriteResult {
  put: number;
  deleted: number;
  skippedStale: number;
  changes: ChangeRecord<GovernanceItem>[];
}

/** DynamoDB allows 100 items per transaction: 50 writes, each with its change record. */
const CHANGES_PER_TRANSACTION = 50;

interface PreparedChange {
  change: ItemChange;
  record: ChangeRecord<GovernanceItem>;
  items: [Record<string, unknown>, Record<string, unknown>];
}

function prepare(context: GuardedWriteContext, change: ItemChange): PreparedChange | null {
  const subject = change.after ?? change.before;
  if (subject === null) return null;
  const { tableName, workspaceId, observedAt, origin } = context;
  const at = context.now();
  const scope = scopeOfItem(subject);
  const record: ChangeRecord<GovernanceItem> = {
    at: at.toISOString(),
    id: context.nextId(at.getTime()),
    workspaceId,
    scope: scope === null ? null : scopeId(scope),
    item: itemIdentity(subject),
    observedAt,
    cause: origin.cause,
    actor: origin.actor,
    before: change.before,
    after: change.after,
  };
  const guardValues = { ':observedAt': observedAt };
  const { PK, SK } = itemKey(workspaceId, subject);
  const write =
    change.after !== null
      ? {
          Put: {
            TableName: tableName,
            Item: toStoredRecord(workspaceId, change.after, observedAt),
            ConditionExpression: 'attribute_not_exists(PK) OR observedAt < :observedAt',
            ExpressionAttributeValues: guardValues,
          },
        }
      : {
          Delete: {
            TableName: tableName,
            Key: { PK, SK },
            ConditionExpression: 'observedAt < :observedAt',
            ExpressionAttributeValues: guardValues,
          },
        };
  return {
    change,
    record,
    items: [write, { Put: { TableName: tableName, Item: toChangeRecordItem(record) } }],
  };
}

/** Indexes (into the batch) of the changes whose guard failed, or null if the error is not that. */
function staleIndexes(error: unknown): Set<number> | null {
  const { name, CancellationReasons } = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (name !== 'TransactionCanceledException' || !CancellationReasons) return null;
  const stale = new Set<number>();
  CancellationReasons.forEach((reason, index) => {
    if (reason.Code === 'ConditionalCheckFailed') stale.add(Math.floor(index / 2));
  });
  return stale.size > 0 ? stale : null;
}

async function writeBatch(
  context: GuardedWriteContext,
  batch: PreparedChange[],
  result: GuardedWriteResult,
): Promise<void> {
  let pending = batch;
  while (pending.length > 0) {
    const sending = pending;
    try {
      await withThrottlingRetry(() =>
        context.documentClient.send(
          new TransactWriteCommand({ TransactItems: sending.flatMap((prepared) => prepared.items) }),
        ),
      );
    } catch (error) {
      const stale = staleIndexes(error);
      if (stale === null) throw error;
      result.skippedStale += stale.size;
      pending = sending.filter((_, index) => !stale.has(index));
      continue;
    }
    for (const { change, record } of sending) {
      if (change.after !== null) result.put += 1;
      else result.deleted += 1;
      result.changes.push(record);
    }
    pending = [];
  }
}

export async function applyGuardedChanges(
  context: GuardedWriteContext,
  changes: readonly ItemChange[],
): Promise<GuardedWriteResult> {
  const result: GuardedWriteResult = { put: 0, deleted: 0, skippedStale: 0, changes: [] };
  const prepared = changes.map((change) => prepare(context, change)).filter((entry) => entry !== null);
  const batches: PreparedChange[][] = [];
  for (let start = 0; start < prepared.length; start += CHANGES_PER_TRANSACTION) {
    batches.push(prepared.slice(start, start + CHANGES_PER_TRANSACTION));
  }
  await pLimit(context.parallelism).map(batches, (batch) => writeBatch(context, batch, result));
  result.changes.sort((a, b) => (a.at + a.id < b.at + b.id ? -1 : 1));
  return result;
}
