import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppConfig } from '../config/config.js';
import { createTableInput, TTL_ATTRIBUTE } from './table-definition.js';

export interface DynamoDbConnection {
  /** Endpoint override, e.g. DynamoDB Local; undefined means the AWS regional endpoint. */
  endpoint?: string;
  region?: string;
}

/** One low-level client and its document client, configured for AWS or for DynamoDB Local. */
export function createDynamoDbClients(connection: DynamoDbConnection = {}) {
  const local = connection.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: connection.endpoint,
          region: connection.region ?? 'local',
          // DynamoDB Local accepts any credentials; fixed ones keep a developer's AWS profile out of it.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : connection.region
        ? { region: connection.region }
        : {}),
    maxAttempts: 5,
  });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, documentClient };
}

/** The governance table the configuration names, on DYNAMODB_ENDPOINT when set: what every store takes. */
export function governanceTableFromConfig(config: Pick<AppConfig, 'store'>) {
  const { documentClient } = createDynamoDbClients(
    config.store.endpoint ? { endpoint: config.store.endpoint } : {},
  );
  return { documentClient, tableName: config.store.tableName };
}

/** Creates the governance table as defined in table-definition.ts (local and test use; AWS uses CDK). */
export async function createGovernanceTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    return;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
}
