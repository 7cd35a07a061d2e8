// Access-review campaigns on the governance table: the campaign record (`REVIEW#{id}` / `REVIEW`, listed
// per workspace through GSI1 `WS#{ws}#REVIEWS` by creation time) and its frozen items (`REVIEW#{id}` /
// `ITEM#{itemId}`) in the same partition. Items are written before the record, so a campaign that is
// visible is complete; decisions are conditional on the campaign being open, in the same transaction,
// which also keeps the record's `decidedCount` (so listing campaigns never reads their items).
import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
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
import { queryAll } from './dynamodb-reads.js';
import { InvalidCursorError } from './governance-store.js';
import {
  PREFIX_END,
  REVIEW_ITEM_PREFIX,
  reviewCampaignItemKey,
  reviewCampaignKey,
  reviewCampaignPartition,
  reviewCampaignsPartition,
  reviewItemKey,
} from './keys.js';
import { GSI1 } from './table-definition.js';
import { withThrottlingRetry } from './throttling-retry.js';

const BOOKKEEPING = ['PK', 'SK', 'GSI1PK', 'GSI1SK'];
const BATCH_WRITE_LIMIT = 25;
/** Transactions hold at most 100 actions: the campaign's status check and 99 decisions. */
const DECISIONS_PER_TRANSACTION = 99;
/** Tries of one decision batch whose items' decided state changed under it (a concurrent decider). */
const DECIDE_ATTEMPTS = 5;

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
  /**
   * Whether the item held a decision when the caller read it: a first decision adds one to the
   * campaign's `decidedCount`. A wrong guess costs a re-read, never a wrong count. Default false.
   */
  wasDecided?: boolean;
}

/** One page of a workspace's campaigns, newest first; `cursor` asks for the next one. */
export interface ReviewCampaignPage {
  campaigns: ReviewCampaign[];
  cursor?: string;
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

  /**
   * Claims the close of campaign `id` for `by` until `leaseUntilMs` (epoch ms): from `open` (moving it to
   * `closing`), or from `closing` when the previous claim's lease has lapsed (a close that stopped midway).
   * False while another close holds an unexpired claim, or when the campaign is closed.
   */
  async claimClose(id: string, by: string, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    return this.#conditionalUpdate(
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
