// Access-review campaigns on the governance table, one store over two concerns: the campaign record and
// its close claim (review-campaign-records.ts), and its frozen items with their decisions and outcomes
// (review-campaign-items.ts). Items are written before the record, so a campaign that is visible is
// complete.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  CampaignStatus,
  ItemOutcome,
  RemediationPlan,
  ReviewCampaign,
  ReviewItem,
} from '../reviews/review-model.js';
import {
  ReviewCampaignItems,
  type DecideResult,
  type ReviewItemDecision,
  type ReviewItemFilter,
} from './review-campaign-items.js';
import { ReviewCampaignRecords, type ReviewCampaignPage } from './review-campaign-records.js';

export { newReviewCampaignId, type ReviewCampaignPage } from './review-campaign-records.js';
export type { DecideResult, ReviewItemDecision, ReviewItemFilter } from './review-campaign-items.js';

/** Campaigns and their items (see ReviewCampaignRecords and ReviewCampaignItems for each method). */
export class ReviewCampaignStore {
  readonly #records: ReviewCampaignRecords;
  readonly #items: ReviewCampaignItems;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string }) {
    this.#records = new ReviewCampaignRecords(options);
    this.#items = new ReviewCampaignItems(options);
  }

  /**
   * Stores a campaign: its items first, then the record, so a half-written campaign is never listed or
   * readable. Throws ConditionalCheckFailedException when a campaign with this id exists (ids are random).
   */
  async create(campaign: ReviewCampaign, items: readonly ReviewItem[]): Promise<void> {
    await this.#items.putAll(campaign.id, items);
    await this.#records.put(campaign);
  }

  /** ReviewCampaignRecords.get: one campaign by id, or null. */
  get(id: string): Promise<ReviewCampaign | null> {
    return this.#records.get(id);
  }

  /** ReviewCampaignRecords.list: a workspace's campaigns, newest first. @throws InvalidCursorError */
  list(workspaceId: string, options: { limit?: number; cursor?: string } = {}): Promise<ReviewCampaignPage> {
    return this.#records.list(workspaceId, options);
  }

  /** ReviewCampaignItems.countDecided: items holding a decision, counted from the items. */
  countDecided(id: string): Promise<number> {
    return this.#items.countDecided(id);
  }

  /** ReviewCampaignItems.listItems: a campaign's items, sorted by item id, optionally filtered. */
  listItems(id: string, filter: ReviewItemFilter = {}): Promise<ReviewItem[]> {
    return this.#items.listItems(id, filter);
  }

  /** Records one decision (see decideAll). */
  decide(
    id: string,
    itemId: string,
    decision: ReviewItemDecision['decision'],
    plan?: RemediationPlan,
  ): Promise<DecideResult> {
    return this.#items.decideAll(id, [{ itemId, decision, ...(plan ? { plan } : {}) }]);
  }

  /** ReviewCampaignItems.decideAll: decisions in batches, each conditional on the campaign being open. */
  decideAll(id: string, decisions: readonly ReviewItemDecision[]): Promise<DecideResult> {
    return this.#items.decideAll(id, decisions);
  }

  /** ReviewCampaignItems.setOutcome: where an item ended at close. False when the item does not exist. */
  setOutcome(id: string, itemId: string, outcome: ItemOutcome, plan?: RemediationPlan): Promise<boolean> {
    return this.#items.setOutcome(id, itemId, outcome, plan);
  }

  /** ReviewCampaignRecords.transition: moves a campaign between statuses. False when someone moved it first. */
  transition(
    id: string,
    from: CampaignStatus,
    to: CampaignStatus,
    fields: Partial<Omit<ReviewCampaign, 'id' | 'status'>> = {},
  ): Promise<boolean> {
    return this.#records.transition(id, from, to, fields);
  }

  /** ReviewCampaignRecords.claimClose: claims the close of a campaign until a lease ends. */
  claimClose(id: string, by: string, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    return this.#records.claimClose(id, by, nowMs, leaseUntilMs);
  }
}
