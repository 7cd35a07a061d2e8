// Remembers webhook delivery keys, so Bitbucket's retries and replays are queued once: delivery ids
// (X-Request-UUID) for a day, signed-body digests (`sha256:…`) for 90 days. A conditional put is the whole
// mechanism: it succeeds only for a key not seen yet.
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Bitbucket retries within minutes; a day covers any retry worth dropping (seconds). */
const DELIVERY_RETENTION_SECONDS = 24 * 60 * 60;

/**
 * A captured signed body stays valid for ever (the signature covers no time), so its digest is kept far
 * longer than an id: a replay within 90 days is a duplicate (seconds). One small item per delivery.
 */
const BODY_DIGEST_RETENTION_SECONDS = 90 * 24 * 60 * 60;

function retentionOf(deliveryKey: string): number {
  return deliveryKey.startsWith('sha256:') ? BODY_DIGEST_RETENTION_SECONDS : DELIVERY_RETENTION_SECONDS;
}

export function deliveryKey(workspace: string, key: string) {
  return { PK: `DELIVERY#${workspace}#${key}`, SK: 'DELIVERY' };
}

export class DeliveryLog {
  constructor(
    private readonly options: { documentClient: DynamoDBDocumentClient; tableName: string; now?: () => Date },
  ) {}

  /**
   * True when this delivery key (an X-Request-UUID, or `sha256:<hex>` of a signed body) is new and is now
   * recorded; false for a repeat.
   */
  async record(workspace: string, key: string): Promise<boolean> {
    const now = this.options.now?.() ?? new Date();
    try {
      await this.options.documentClient.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...deliveryKey(workspace, key),
            receivedAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + retentionOf(key),
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

  async forget(workspace: string, key: string): Promise<void> {
    await this.options.documentClient.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: deliveryKey(workspace, key) }),
    );
  }
}
