// Remembers webhook delivery ids (X-Request-UUID) for a day, so Bitbucket's retries and replays are
// queued once. A conditional put is the whole mechanism: it succeeds only for an id not seen yet.
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Bitbucket retries within minutes; a day covers any replay worth dropping. */
const DELIVERY_RETENTION_SECONDS = 24 * 60 * 60;

export function deliveryKey(workspace: string, deliveryId: string) {
  return { PK: `DELIVERY#${workspace}#${deliveryId}`, SK: 'DELIVERY' };
}

export class DeliveryLog {
  constructor(
    private readonly options: { documentClient: DynamoDBDocumentClient; tableName: string; now?: () => Date },
  ) {}

  /** True when this delivery is new (and is now recorded); false for a repeat. */
  async record(workspace: string, deliveryId: string): Promise<boolean> {
    const now = this.options.now?.() ?? new Date();
    try {
      await this.options.documentClient.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...deliveryKey(workspace, deliveryId),
            receivedAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + DELIVERY_RETENTION_SECONDS,
          },
          // An expired record may linger until TTL removes it; it no longer counts as a repeat.
          ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :nowSeconds',
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(now.getTime() / 1000) },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async forget(workspace: string, deliveryId: string): Promise<void> {
    await this.options.documentClient.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: deliveryKey(workspace, deliveryId) }),
    );
  }
}
