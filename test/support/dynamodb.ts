// Test access to the DynamoDB Local started by the global setup. `freshTable()` gives a test file its
// own table (same definition), so files running in parallel never see each other's items.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createDynamoDbClients, createGovernanceTable } from '../../lib/store/dynamodb-client.js';

export function testDynamoDb() {
  const endpoint = inject('dynamoDbEndpoint');
  return { endpoint, ...createDynamoDbClients({ endpoint }) };
}

export async function freshTable(
  prefix = 'test',
): Promise<{ tableName: string } & ReturnType<typeof testDynamoDb>> {
  const dynamoDb = testDynamoDb();
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await createGovernanceTable(dynamoDb.client, tableName);
  return { tableName, ...dynamoDb };
}
