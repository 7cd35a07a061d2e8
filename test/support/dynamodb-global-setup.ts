// Global setup of the integration and e2e projects: one DynamoDB Local per project run, on a free
// loopback port, with the governance table created from the shared definition. Torn down afterwards,
// whether the tests passed or not (vitest calls the returned function in both cases).
import type { TestProject } from 'vitest/node';
import { startEmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { createDynamoDbClients, createGovernanceTable } from '../../lib/store/dynamodb-client.js';

export const SHARED_TABLE_NAME = 'bbgov-test';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    sharedTableName: string;
  }
}

export default async function setup(project: TestProject) {
  const dynamoDb = await startEmbeddedDynamoDb();
  try {
    const { client } = createDynamoDbClients({ endpoint: dynamoDb.endpoint });
    await createGovernanceTable(client, SHARED_TABLE_NAME);
    client.destroy();
  } catch (error) {
    await dynamoDb.stop();
    throw error;
  }
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('sharedTableName', SHARED_TABLE_NAME);
  return () => dynamoDb.stop();
}
