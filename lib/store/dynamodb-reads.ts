// Paginated reads. Every read the store makes goes through here so `itemsRead` stays honest.
import {
  BatchGetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { withThrottlingRetry } from './throttling-retry.js';
import { PREFIX_END, type TableKey } from './keys.js';
import { GSI1, TABLE_KEYS } from './table-definition.js';

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

/**
 * Every item of a partition, or those whose sort key starts with `prefix`, read as the key range
 * `prefix … prefix + PREFIX_END` (see PREFIX_END).
 */
function queryUnderPrefix(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  /** The table's key names, or the index's (with its name). */
  keys: { indexName: string | undefined; partitionKey: string; sortKey: string },
  pk: string,
  prefix: string | undefined,
  tally?: ReadTally,
): Promise<StoredRecord[]> {
  const { indexName, partitionKey, sortKey } = keys;
  return queryAll(
    documentClient,
    {
      TableName: tableName,
      ...(indexName ? { IndexName: indexName } : {}),
      KeyConditionExpression:
        prefix === undefined
          ? `${partitionKey} = :pk`
          : `${partitionKey} = :pk AND ${sortKey} BETWEEN :from AND :to`,
      ExpressionAttributeValues: {
        ':pk': pk,
        ...(prefix === undefined ? {} : { ':from': prefix, ':to': `${prefix}${PREFIX_END}` }),
      },
    },
    tally,
  );
}

/** Every item of a table partition whose sort key starts with `prefix`. */
export function queryPrefix(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  prefix: string,
  tally?: ReadTally,
): Promise<StoredRecord[]> {
  return queryUnderPrefix(
    documentClient,
    tableName,
    { indexName: undefined, ...TABLE_KEYS },
    pk,
    prefix,
    tally,
  );
}

/** Every item of a GSI1 partition, or those whose GSI1 sort key starts with `prefix`. */
export function queryIndexPrefix(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  prefix: string | undefined,
  tally?: ReadTally,
): Promise<StoredRecord[]> {
  return queryUnderPrefix(documentClient, tableName, GSI1, pk, prefix, tally);
}

const BATCH_GET_LIMIT = 100;

/** Batches of one batchGetAll in flight together: a repository's 2,000 accounts are 20 batches. */
const BATCH_GET_PARALLELISM = 8;

/** Items for the given keys (missing ones are simply absent), retrying unprocessed keys. */
export async function batchGetAll(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly TableKey[],
  tally?: ReadTally,
): Promise<StoredRecord[]> {
  const items: StoredRecord[] = [];
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT)
    batches.push(keys.slice(start, start + BATCH_GET_LIMIT).map((key) => ({ ...key })));
  await pLimit(BATCH_GET_PARALLELISM).map(batches, async (batch) => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
      const answer = await withThrottlingRetry(() =>
        documentClient.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } })),
      );
      items.push(...((answer.Responses?.[tableName] ?? []) as StoredRecord[]));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  });
  if (tally) tally.itemsRead += items.length;
  return items;
}
