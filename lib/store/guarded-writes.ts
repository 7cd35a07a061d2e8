// Applies item changes with the observedAt guard (DESIGN §3): a put lands only on a missing or older
// item, a delete only on an older one. Each write and its change record go in one transaction, so a
// change is logged exactly when it lands. A failed guard means a newer writer got there first.
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemIdentity, scopeId, scopeOfItem } from '../model/index.js';
import { forEachBounded } from './bounded-parallel.js';
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
  parallelism: number;
}

export interface GuardedWriteResult {
  put: number;
  deleted: number;
  skippedStale: number;
  changes: ChangeRecord[];
}

function failedOnCondition(error: unknown): boolean {
  const { name, CancellationReasons } = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    name === 'TransactionCanceledException' &&
    (CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
}

export async function applyGuardedChanges(
  context: GuardedWriteContext,
  changes: readonly ItemChange[],
): Promise<GuardedWriteResult> {
  const { documentClient, tableName, workspaceId, observedAt } = context;
  const result: GuardedWriteResult = { put: 0, deleted: 0, skippedStale: 0, changes: [] };
  await forEachBounded(changes, context.parallelism, async (change) => {
    const subject = change.after ?? change.before;
    if (subject === null) return;
    const at = context.now();
    const scope = scopeOfItem(subject);
    const record: ChangeRecord = {
      at: at.toISOString(),
      id: context.nextId(at.getTime()),
      workspaceId,
      scope: scope === null ? null : scopeId(scope),
      item: itemIdentity(subject),
      observedAt,
      cause: context.origin.cause,
      actor: context.origin.actor,
      before: change.before,
      after: change.after,
    };
    const guardValues = { ':observedAt': observedAt };
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
              Key: { PK: itemKey(workspaceId, subject).PK, SK: itemKey(workspaceId, subject).SK },
              ConditionExpression: 'observedAt < :observedAt',
              ExpressionAttributeValues: guardValues,
            },
          };
    try {
      await withThrottlingRetry(() =>
        documentClient.send(
          new TransactWriteCommand({
            TransactItems: [write, { Put: { TableName: tableName, Item: toChangeRecordItem(record) } }],
          }),
        ),
      );
    } catch (error) {
      if (failedOnCondition(error)) {
        result.skippedStale += 1;
        return;
      }
      throw error;
    }
    if (change.after !== null) result.put += 1;
    else result.deleted += 1;
    result.changes.push(record);
  });
  result.changes.sort((a, b) => (a.at + a.id < b.at + b.id ? -1 : 1));
  return result;
}
