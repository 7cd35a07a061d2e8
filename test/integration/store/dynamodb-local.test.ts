import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GSI1, TABLE_KEYS, TTL_ATTRIBUTE } from '../../../lib/store/table-definition.js';
import { freshTable } from '../../support/dynamodb.js';

describe('DynamoDB Local harness', () => {
  let table: Awaited<ReturnType<typeof freshTable>>;
  beforeAll(async () => {
    table = await freshTable('harness');
  });
  afterAll(() => table.client.destroy());

  it('creates the table from the shared definition (keys, GSI, TTL)', async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.KeySchema?.map((key) => key.AttributeName)).toEqual([
      TABLE_KEYS.partitionKey,
      TABLE_KEYS.sortKey,
    ]);
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe(GSI1.indexName);
    const ttl = await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
  });

  it('writes only when the condition holds, and reads back the winner', async () => {
    const key = { PK: 'WS#harness', SK: 'RES#repository#r1' };
    const putIfNewer = (observedAt: string, name: string) =>
      table.documentClient.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...key, name, observedAt },
          ConditionExpression: 'attribute_not_exists(PK) OR observedAt < :observedAt',
          ExpressionAttributeValues: { ':observedAt': observedAt },
        }),
      );
    await putIfNewer('2026-11-28T10:00:00.000Z', 'new-name');
    await expect(putIfNewer('2026-11-28T09:00:00.000Z', 'stale-name')).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: key }),
    );
    expect(Item).toMatchObject({ name: 'new-name', observedAt: '2026-11-28T10:00:00.000Z' });
  });
});
