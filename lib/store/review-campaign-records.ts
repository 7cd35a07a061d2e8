// The campaign record of an access review (`REVIEW#{id}` / `REVIEW`, listed per workspace through GSI1
// `WS#{ws}#REVIEWS` by creation time), its status moves and the claim a close holds on it.
import { randomUUID } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { CampaignStatus, ReviewCampaign } from '../reviews/review-model.js';
import { InvalidCursorError } from './governance-store.js';
import { reviewCampaignItemKey, reviewCampaignKey, reviewCampaignsPartition } from './keys.js';
import { conditionalUpdate, wellFormed, withoutKeys } from './review-campaign-storage.js';
import { GSI1 } from './table-definition.js';
import { withThrottlingRetry } from './throttling-retry.js';

/** A fresh campaign id: `rv-` and a random uuid. */
export function newReviewCampaignId(): string {
  return `rv-${randomUUID()}`;
}

/** One page of a workspace's campaigns, newest first; `cursor` asks for the next one. */
export interface ReviewCampaignPage {
  campaigns: ReviewCampaign[];
  cursor?: string;
}

/** Campaign records: written once its items are, read, listed, moved between statuses, claimed for close. */
export class ReviewCampaignRecords {
  readonly #db: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string }) {
    this.#db = options.documentClient;
    this.#tableName = options.tableName;
  }

  /**
   * Writes the record (`decidedCount` 0). Throws ConditionalCheckFailedException when a campaign with this
   * id exists (ids are random).
   */
  async put(campaign: ReviewCampaign): Promise<void> {
    await this.#db.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: {
          ...campaign,
          decidedCount: 0,
          ...reviewCampaignKey(campaign.workspaceId, campaign.id, campaign.createdAt),
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  /** One campaign by id (strongly consistent), or null when there is none or the id is malformed. */
  async get(id: string): Promise<ReviewCampaign | null> {
    if (!wellFormed(id)) return null;
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#tableName, Key: reviewCampaignItemKey(id), ConsistentRead: true }),
    );
    return Item ? withoutKeys<ReviewCampaign>(Item) : null;
  }

  /**
   * A workspace's campaigns, newest first (by creation time), `limit` (default 50) per page: one query of
   * the workspace's GSI1 partition, backwards. Eventually consistent, as GSI reads are.
   * @throws InvalidCursorError for a cursor this workspace's listing did not give out.
   */
  async list(
    workspaceId: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<ReviewCampaignPage> {
    const partition = reviewCampaignsPartition(workspaceId);
    const page = await withThrottlingRetry(() =>
      this.#db.send(
        new QueryCommand({
          TableName: this.#tableName,
          IndexName: GSI1.indexName,
          KeyConditionExpression: `${GSI1.partitionKey} = :pk`,
          ExpressionAttributeValues: { ':pk': partition },
          ScanIndexForward: false,
          Limit: options.limit ?? 50,
          ...(options.cursor ? { ExclusiveStartKey: decodeCursor(options.cursor, partition) } : {}),
        }),
      ),
    );
    const campaigns = (page.Items ?? []).map((item) => withoutKeys<ReviewCampaign>(item));
    return page.LastEvaluatedKey
      ? { campaigns, cursor: Buffer.from(JSON.stringify(page.LastEvaluatedKey)).toString('base64url') }
      : { campaigns };
  }

  /**
   * Moves a campaign from `from` to `to`, setting `fields` too (e.g. closedBy, closedAt). False, with
   * nothing written, when the campaign is missing or not in `from` any more (someone moved it first).
   */
  async transition(
    id: string,
    from: CampaignStatus,
    to: CampaignStatus,
    fields: Partial<Omit<ReviewCampaign, 'id' | 'status'>> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':from': from, ':to': to };
    const sets = ['#status = :to'];
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .forEach(([name, value], index) => {
        names[`#f${index}`] = name;
        values[`:v${index}`] = value;
        sets.push(`#f${index} = :v${index}`);
      });
    return conditionalUpdate(
      this.#db,
      new UpdateCommand({
        TableName: this.#tableName,
        Key: reviewCampaignItemKey(id),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(PK) AND #status = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * Claims the close of campaign `id` for `by` until `leaseUntilMs` (epoch ms): from `open` (moving it to
   * `closing`), or from `closing` when the previous claim's lease has lapsed (a close that stopped midway).
   * False while another close holds an unexpired claim, or when the campaign is closed.
   */
  async claimClose(id: string, by: string, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    return conditionalUpdate(
      this.#db,
      new UpdateCommand({
        TableName: this.#tableName,
        Key: reviewCampaignItemKey(id),
        UpdateExpression: 'SET #status = :closing, closingBy = :by, closingLeaseUntilMs = :until',
        ConditionExpression:
          'attribute_exists(PK) AND (#status = :open OR (#status = :closing AND (attribute_not_exists(closingLeaseUntilMs) OR closingLeaseUntilMs < :now)))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':open': 'open',
          ':closing': 'closing',
          ':by': by,
          ':until': leaseUntilMs,
          ':now': nowMs,
        },
      }),
    );
  }
}

/** The GSI1 key a cursor holds, when it was given out for this workspace's listing. */
function decodeCursor(cursor: string, partition: string): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const names = ['PK', 'SK', 'GSI1PK', 'GSI1SK'];
    if (key['GSI1PK'] === partition && names.every((name) => typeof key[name] === 'string')) {
      return Object.fromEntries(names.map((name) => [name, key[name] as string]));
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
