// Access-review campaigns on the governance table: the campaign record (`REVIEW#{id}` / `REVIEW`, listed
// per workspace through GSI1 `WS#{ws}#REVIEWS` by creation time) and its frozen items (`REVIEW#{id}` /
// `ITEM#{itemId}`) in the same partition. Items are written before the record, so a campaign that is
// visible is complete; decisions are conditional on the campaign being open, in the same transaction.
import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  CampaignStatus,
  ItemOutcome,
  RemediationPlan,
  ReviewCampaign,
  ReviewItem,
} from '../reviews/review-model.js';
import { queryAll, queryIndexPrefix } from './dynamodb-reads.js';
import {
  PREFIX_END,
  REVIEW_ITEM_PREFIX,
  reviewCampaignItemKey,
  reviewCampaignKey,
  reviewCampaignPartition,
  reviewCampaignsPartition,
  reviewItemKey,
} from './keys.js';
import { withThrottlingRetry } from './throttling-retry.js';

const BOOKKEEPING = ['PK', 'SK', 'GSI1PK', 'GSI1SK'];
const BATCH_WRITE_LIMIT = 25;
/** Transactions hold at most 100 actions: the campaign's status check and 99 decisions. */
const DECISIONS_PER_TRANSACTION = 99;

function withoutKeys<T>(item: Record<string, unknown>): T {
  const record: Record<string, unknown> = { ...item };
  for (const name of BOOKKEEPING) delete record[name];
  return record as T;
}

/** A fresh campaign id: `rv-` and a random uuid. */
export function newReviewCampaignId(): string {
  return `rv-${randomUUID()}`;
}

/** Which items `listItems` answers: assigned to one reviewer (null: unassigned), in one decision state. */
export interface ReviewItemFilter {
  reviewer?: string | null;
  decision?: 'keep' | 'revoke' | 'undecided';
}

/** One decision to record: the item, the decision as stored, and the plan a `revoke` carries. */
export interface ReviewItemDecision {
  itemId: string;
  decision: NonNullable<ReviewItem['decision']>;
  plan?: RemediationPlan;
}

/**
 * How recording decisions ended: `decided` (all written), `not-open` (the campaign is missing or not
 * open: nothing written), `unknown-item` (one of the items does not exist: nothing of its batch written).
 */
export type DecideResult = 'decided' | 'not-open' | 'unknown-item';

export class ReviewCampaignStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string }) {
    this.#db = options.documentClient;
    this.#tableName = options.tableName;
  }

  /**
   * Stores a campaign: its items first (batches of 25, unprocessed items retried with backoff), then the
   * record, so a half-written campaign is never listed or readable. Throws ConditionalCheckFailedException
   * when a campaign with this id exists (ids are random).
   */
  async create(campaign: ReviewCampaign, items: readonly ReviewItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
      let pending: Record<string, unknown>[] = items.slice(start, start + BATCH_WRITE_LIMIT).map((item) => ({
        PutRequest: { Item: { ...item, ...reviewItemKey(campaign.id, item.itemId) } },
      }));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        const answer = await withThrottlingRetry(() =>
          this.#db.send(new BatchWriteCommand({ RequestItems: { [this.#tableName]: pending } })),
        );
        pending = (answer.UnprocessedItems?.[this.#tableName] ?? []) as Record<string, unknown>[];
      }
    }
    await this.#db.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: { ...campaign, ...reviewCampaignKey(campaign.workspaceId, campaign.id, campaign.createdAt) },
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

  /** A workspace's campaigns, newest first. */
  async list(workspaceId: string): Promise<ReviewCampaign[]> {
    const items = await queryIndexPrefix(
      this.#db,
      this.#tableName,
      reviewCampaignsPartition(workspaceId),
      undefined,
    );
    return items
      .map((item) => withoutKeys<ReviewCampaign>(item))
      .sort((a, b) =>
        a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1,
      );
  }

  /** A campaign's items (strongly consistent), sorted by item id, optionally filtered. */
  async listItems(id: string, filter: ReviewItemFilter = {}): Promise<ReviewItem[]> {
    if (!wellFormed(id)) return [];
    const stored = await queryAll(this.#db, {
      TableName: this.#tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': reviewCampaignPartition(id),
        ':from': REVIEW_ITEM_PREFIX,
        ':to': `${REVIEW_ITEM_PREFIX}${PREFIX_END}`,
      },
      ConsistentRead: true,
    });
    return stored
      .map((item) => withoutKeys<ReviewItem>(item))
      .filter((item) => filter.reviewer === undefined || item.reviewer === filter.reviewer)
      .filter((item) => {
        if (filter.decision === undefined) return true;
        if (filter.decision === 'undecided') return item.decision === undefined;
        return item.decision?.decision === filter.decision;
      });
  }

  /** Records one decision (see decideAll). */
  decide(
    id: string,
    itemId: string,
    decision: ReviewItemDecision['decision'],
    plan?: RemediationPlan,
  ): Promise<DecideResult> {
    return this.decideAll(id, [{ itemId, decision, ...(plan ? { plan } : {}) }]);
  }

  /**
   * Records decisions, each batch of 99 in one transaction with a check that the campaign is `open`, so
   * no decision lands after closing starts. A decision replaces the previous one; a `keep` drops the plan
   * an earlier `revoke` stored. Stops at the first batch that is refused (earlier batches stay written).
   */
  async decideAll(id: string, decisions: readonly ReviewItemDecision[]): Promise<DecideResult> {
    for (let start = 0; start < decisions.length; start += DECISIONS_PER_TRANSACTION) {
      const batch = decisions.slice(start, start + DECISIONS_PER_TRANSACTION);
      try {
        await withThrottlingRetry(() =>
          this.#db.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  ConditionCheck: {
                    TableName: this.#tableName,
                    Key: reviewCampaignItemKey(id),
                    ConditionExpression: '#status = :open',
                    ExpressionAttributeNames: { '#status': 'status' },
                    ExpressionAttributeValues: { ':open': 'open' satisfies CampaignStatus },
                  },
                },
                ...batch.map((entry) => ({
                  Update: {
                    TableName: this.#tableName,
                    Key: reviewItemKey(id, entry.itemId),
                    UpdateExpression: entry.plan
                      ? 'SET #decision = :decision, #plan = :plan'
                      : 'SET #decision = :decision REMOVE #plan',
                    ConditionExpression: 'attribute_exists(PK)',
                    ExpressionAttributeNames: { '#decision': 'decision', '#plan': 'plan' },
                    ExpressionAttributeValues: {
                      ':decision': entry.decision,
                      ...(entry.plan ? { ':plan': entry.plan } : {}),
                    },
                  },
                })),
              ],
            }),
          ),
        );
      } catch (error) {
        const failed = failedConditions(error);
        if (failed === undefined) throw error;
        return failed[0] ? 'not-open' : 'unknown-item';
      }
    }
    return 'decided';
  }

  /**
   * Sets where an item ended when its campaign closed, and the plan closing made for a revoke that came
   * without one. False when the item does not exist.
   */
  async setOutcome(
    id: string,
    itemId: string,
    outcome: ItemOutcome,
    plan?: RemediationPlan,
  ): Promise<boolean> {
    return this.#conditionalUpdate(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: reviewItemKey(id, itemId),
        UpdateExpression: plan ? 'SET #outcome = :outcome, #plan = :plan' : 'SET #outcome = :outcome',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#outcome': 'outcome', ...(plan ? { '#plan': 'plan' } : {}) },
        ExpressionAttributeValues: { ':outcome': outcome, ...(plan ? { ':plan': plan } : {}) },
      }),
    );
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
    return this.#conditionalUpdate(
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

  async #conditionalUpdate(command: UpdateCommand): Promise<boolean> {
    try {
      await withThrottlingRetry(() => this.#db.send(command));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

/** Ids are ours (`rv-…`); anything with '#' or empty cannot name a campaign. */
function wellFormed(id: string): boolean {
  return id !== '' && !id.includes('#') && !/[\uD800-\uDFFF\uFFFF]/.test(id);
}

/** For a transaction cancelled by conditions: which of its items failed theirs; else undefined. */
function failedConditions(error: unknown): boolean[] | undefined {
  const { name, CancellationReasons } = error as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  if (name !== 'TransactionCanceledException' || !CancellationReasons) return undefined;
  const failed = CancellationReasons.map((reason) => reason.Code === 'ConditionalCheckFailed');
  return failed.some(Boolean) ? failed : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
