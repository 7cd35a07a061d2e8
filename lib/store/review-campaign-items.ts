// The frozen items of an access-review campaign (`REVIEW#{id}` / `ITEM#{itemId}`, in the campaign's
// partition): written before the campaign record, so a visible campaign is complete; decided in
// transactions conditional on the campaign being open, which also keep the record's `decidedCount` (so
// listing campaigns never reads their items); given their outcome when the campaign closes.
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { CampaignStatus, ItemOutcome, RemediationPlan, ReviewItem } from '../reviews/review-model.js';
import { queryAll } from './dynamodb-reads.js';
import {
  PREFIX_END,
  REVIEW_ITEM_PREFIX,
  reviewCampaignItemKey,
  reviewCampaignPartition,
  reviewItemKey,
} from './keys.js';
import { conditionalUpdate, wellFormed, withoutKeys } from './review-campaign-storage.js';
import { withThrottlingRetry } from './throttling-retry.js';

const BATCH_WRITE_LIMIT = 25;
/** Transactions hold at most 100 actions: the campaign's status check and 99 decisions. */
const DECISIONS_PER_TRANSACTION = 99;
/** Tries of one decision batch whose items' decided state changed under it (a concurrent decider). */
const DECIDE_ATTEMPTS = 5;

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
  /**
   * Whether the item held a decision when the caller read it: a first decision adds one to the
   * campaign's `decidedCount`. A wrong guess costs a re-read, never a wrong count. Default false.
   */
  wasDecided?: boolean;
}

/**
 * How recording decisions ended: `decided` (all written), `not-open` (the campaign is missing or not
 * open: nothing written), `unknown-item` (one of the items does not exist: nothing of its batch written).
 */
export type DecideResult = 'decided' | 'not-open' | 'unknown-item';

/** A campaign's items: written, counted, listed, decided and given their outcome. */
export class ReviewCampaignItems {
  readonly #db: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string }) {
    this.#db = options.documentClient;
    this.#tableName = options.tableName;
  }

  /** Writes the items of campaign `id` in batches of 25, unprocessed items retried with backoff. */
  async putAll(id: string, items: readonly ReviewItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
      let pending: Record<string, unknown>[] = items.slice(start, start + BATCH_WRITE_LIMIT).map((item) => ({
        PutRequest: { Item: { ...item, ...reviewItemKey(id, item.itemId) } },
      }));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        const answer = await withThrottlingRetry(() =>
          this.#db.send(new BatchWriteCommand({ RequestItems: { [this.#tableName]: pending } })),
        );
        pending = (answer.UnprocessedItems?.[this.#tableName] ?? []) as Record<string, unknown>[];
      }
    }
  }

  /** How many items of a campaign hold a decision, counted from the items (records without a count). */
  async countDecided(id: string): Promise<number> {
    if (!wellFormed(id)) return 0;
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await withThrottlingRetry(() =>
        this.#db.send(
          new QueryCommand({
            TableName: this.#tableName,
            KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
            FilterExpression: 'attribute_exists(#decision)',
            ExpressionAttributeNames: { '#decision': 'decision' },
            ExpressionAttributeValues: {
              ':pk': reviewCampaignPartition(id),
              ':from': REVIEW_ITEM_PREFIX,
              ':to': `${REVIEW_ITEM_PREFIX}${PREFIX_END}`,
            },
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
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

  /**
   * Records decisions, each batch of 99 in one transaction with a check that the campaign is `open`, so
   * no decision lands after closing starts. A decision replaces the previous one; a `keep` drops the plan
   * an earlier `revoke` stored. The same transaction adds the batch's first decisions to the campaign's
   * `decidedCount`; each item is conditional on the decided state the caller saw (`wasDecided`), and a
   * batch refused on that alone is re-read and retried, so concurrent deciders never count an item twice.
   * Stops at the first batch that is refused (earlier batches stay written).
   */
  async decideAll(id: string, decisions: readonly ReviewItemDecision[]): Promise<DecideResult> {
    for (let start = 0; start < decisions.length; start += DECISIONS_PER_TRANSACTION) {
      const result = await this.#decideBatch(id, decisions.slice(start, start + DECISIONS_PER_TRANSACTION));
      if (result !== 'decided') return result;
    }
    return 'decided';
  }

  async #decideBatch(id: string, decisions: readonly ReviewItemDecision[]): Promise<DecideResult> {
    let batch = decisions.map((entry) => ({ ...entry, wasDecided: entry.wasDecided ?? false }));
    for (let attempt = 1; ; attempt += 1) {
      try {
        await withThrottlingRetry(() => this.#db.send(this.#decisionTransaction(id, batch)));
        return 'decided';
      } catch (error) {
        const failed = failedConditions(error);
        if (failed === undefined) throw error;
        if (failed[0]) return 'not-open';
        // Only items refused: missing ones end it, the others changed state under us: read and retry.
        const states = await Promise.all(
          batch.map((entry, index) => (failed[index + 1] ? this.#decidedState(id, entry.itemId) : undefined)),
        );
        if (states.includes('missing') || attempt >= DECIDE_ATTEMPTS) return 'unknown-item';
        batch = batch.map((entry, index) => {
          const state = states[index];
          return state === undefined ? entry : { ...entry, wasDecided: state === 'decided' };
        });
      }
    }
  }

  #decisionTransaction(
    id: string,
    batch: readonly (ReviewItemDecision & { wasDecided: boolean })[],
  ): TransactWriteCommand {
    const first = batch.filter((entry) => !entry.wasDecided).length;
    return new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: this.#tableName,
            Key: reviewCampaignItemKey(id),
            UpdateExpression: 'ADD #decided :first',
            ConditionExpression: '#status = :open',
            ExpressionAttributeNames: { '#status': 'status', '#decided': 'decidedCount' },
            ExpressionAttributeValues: { ':open': 'open' satisfies CampaignStatus, ':first': first },
          },
        },
        ...batch.map((entry) => ({
          Update: {
            TableName: this.#tableName,
            Key: reviewItemKey(id, entry.itemId),
            UpdateExpression: entry.plan
              ? 'SET #decision = :decision, #plan = :plan'
              : 'SET #decision = :decision REMOVE #plan',
            ConditionExpression: entry.wasDecided
              ? 'attribute_exists(#decision)'
              : 'attribute_exists(PK) AND attribute_not_exists(#decision)',
            ExpressionAttributeNames: { '#decision': 'decision', '#plan': 'plan' },
            ExpressionAttributeValues: {
              ':decision': entry.decision,
              ...(entry.plan ? { ':plan': entry.plan } : {}),
            },
          },
        })),
      ],
    });
  }

  /** Whether an item exists and holds a decision, read strongly consistent. */
  async #decidedState(id: string, itemId: string): Promise<'missing' | 'decided' | 'undecided'> {
    const { Item } = await this.#db.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: reviewItemKey(id, itemId),
        ConsistentRead: true,
        ProjectionExpression: '#decision, PK',
        ExpressionAttributeNames: { '#decision': 'decision' },
      }),
    );
    if (!Item) return 'missing';
    return Item['decision'] === undefined ? 'undecided' : 'decided';
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
    return conditionalUpdate(
      this.#db,
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
