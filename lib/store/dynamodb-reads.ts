// Paginated reads. Every read the store makes goes through here so `itemsRead` stays honest.
import {
  BatchGetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { withThrottlingRetry } from './throttling-retry.js';
import type { TableKey } from './keys.js';

export type StoredRecord = Record<string, unknown>;

/** Counts items read, for the `itemsRead` figure of access facts. */
export interface ReadTally {
  itemsRead: number;
}

export async function queryAll(
  documentClient: DynamoDBDocumentClient,
  input: QueryCommandInput,
  tally?: ReadTally,
): Promise<StoredRecord[]> {
  const items: StoredRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await withThrottlingRetry(() =>
      documentClient.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
    );
    items.push(...((page.Items ?? []) as StoredRecord[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  if (tally) tally.itemsRead += items.length;
  return items;
}

/** Every item of a partition whose sort key starts with `prefix`. */
export function queryPrefix(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  prefix: string,
  tally?: ReadTally,
): Promise<StoredRecord[]> {
  return queryAll(
    documentClient,
    {
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    },
    tally,
  );
}

const BATCH_GET_LIMIT = 100;

/** Items for the given keys (missing ones are simply absent), retrying unprocessed keys. */
export async function batchGetAll(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly TableKey[],
  tally?: ReadTally,
): Promise<StoredRecord[]> {
  const items: StoredRecord[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] = keys
      .slice(start, start + BATCH_GET_LIMIT)
      .map((key) => ({ ...key }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
      const answer = await withThrottlingRetry(() =>
        documentClient.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } })),
      );
      items.push(...((answer.Responses?.[tableName] ?? []) as StoredRecord[]));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  if (tally) tally.itemsRead += items.length;
  return items;
}
