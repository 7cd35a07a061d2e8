// Test access to the DynamoDB Local started by the global setup. `freshTable()` gives a test file its
// own table (same definition), so files running in parallel never see each other's items.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createDynamoDbClients, createGovernanceTable } from '../../lib/store/dynamodb-client.js';

export function testDynamoDb() {
  const endpoint = inject('dynamoDbEndpoint');
  return { endpoint, ...createDynamoDbClients({ endpoint }) };
}

export type FreshTable = { tableName: string } & ReturnType<typeof testDynamoDb>;

export function freshTable(prefix = 'test'): Promise<FreshTable> {
  return freshTableAt(inject('dynamoDbEndpoint'), prefix);
}

/** A new table on any DynamoDB endpoint; the benchmarks use it outside vitest, where inject() has nothing. */
export async function freshTableAt(endpoint: string, prefix = 'test'): Promise<FreshTable> {
  const dynamoDb = { endpoint, ...createDynamoDbClients({ endpoint }) };
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await createGovernanceTable(dynamoDb.client, tableName);
  return { tableName, ...dynamoDb };
}
