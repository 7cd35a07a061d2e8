// The access-review routes: HTTP in and out of lib/reviews. Creating checks the administrator role in the
// router (the workspace is in the path); the routes by campaign id check roles here, against the
// campaign's own workspace, and answer 404 to a caller with no role there (as for access requests).
import { requireRole, type Role } from '../authz/index.js';
import { AccessDenied, jsonAnswer, ValidationError, type HttpAnswer } from '../errors/index.js';
import {
  administers,
  createReviewCampaign,
  decideReviewItems,
  progressOf,
  visibleCampaign as visibleReviewCampaign,
  type ReviewDependencies,
} from '../reviews/campaign-creation.js';
import type { ReviewCampaign, ReviewItem } from '../reviews/review-model.js';
import { InvalidCursorError } from '../store/index.js';
import { clockOf, requireWorkspace, type ApiDependencies } from './api-dependencies.js';
import { parseJsonBody, parseQuery, pathParameter, type ApiRequest } from './api-request.js';
import { NoQuery } from './read-schemas.js';
import { CreateReviewBody, ReviewDecisionsBody, ReviewItemsQuery, ReviewsQuery } from './review-schemas.js';

const workspaceOf = (campaign: ReviewCampaign) => ({
  uuid: campaign.workspaceId,
  slug: campaign.workspaceSlug,
});

/** The review use cases' collaborators, from the API's. */
export function reviewDependencies(dependencies: ApiDependencies): ReviewDependencies {
  return {
    store: dependencies.store,
    syncState: dependencies.syncState,
    reviews: dependencies.reviews,
    authorization: dependencies.authorization,
    now: clockOf(dependencies),
  };
}

/**
 * The campaign `id` when the caller holds any role on its workspace.
 * @throws NotFound (404) when there is no such campaign or the caller may not see it.
 */
export function visibleCampaign(
  dependencies: Pick<ApiDependencies, 'reviews' | 'authorization'>,
  id: string,
  caller: string,
): Promise<ReviewCampaign> {
  return visibleReviewCampaign(dependencies, id, caller);
}

/** @throws AccessDenied (403) unless `caller` holds `role` on the campaign's workspace. */
export function requireCampaignRole(
  dependencies: Pick<ApiDependencies, 'authorization'>,
  caller: string,
  campaign: ReviewCampaign,
  role: Role,
): void {
  requireRole(dependencies.authorization, caller, workspaceOf(campaign), role);
}

/** The stored campaign as answered: the workspace by slug, the store's ids left out. */
export function campaignAnswer(campaign: ReviewCampaign) {
  const { workspaceId: _id, workspaceSlug, decidedCount: _decided, ...rest } = campaign;
  return { ...rest, workspace: workspaceSlug };
}

/** The stored item as answered (its campaign id is the URL's). */
export function itemAnswer(item: ReviewItem) {
  const { campaignId: _campaign, ...rest } = item;
  return rest;
}

export async function handleCreateReview(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const body = parseJsonBody(request, CreateReviewBody);
  const { campaign } = await createReviewCampaign(
    reviewDependencies(dependencies),
    workspace,
    request.actor,
    body,
  );
  return jsonAnswer(201, campaignAnswer(campaign));
}

/**
 * `GET /v1/workspaces/{ws}/reviews`: the workspace's campaigns, newest first, each with its progress from
 * the count kept on its record (the items are read only for a record stored before that count was kept).
 */
export async function handleListReviews(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const query = parseQuery(request, ReviewsQuery);
  let page;
  try {
    page = await dependencies.reviews.list(workspace.uuid, {
      limit: query.limit === undefined ? 50 : Number(query.limit),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    throw new ValidationError('query parameter cursor: not a cursor this route gave out', {
      parameter: 'cursor',
      field: 'cursor',
    });
  }
  const reviews = await Promise.all(
    page.campaigns.map(async (campaign) => ({
      ...campaignAnswer(campaign),
      progress: {
        decided: campaign.decidedCount ?? (await dependencies.reviews.countDecided(campaign.id)),
        total: campaign.itemCount,
      },
    })),
  );
  return jsonAnswer(200, {
    workspace: workspace.slug,
    reviews,
    ...(page.cursor ? { cursor: page.cursor } : {}),
  });
}

export async function handleGetReview(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  parseQuery(request, NoQuery);
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  const items = await dependencies.reviews.listItems(campaign.id);
  return jsonAnswer(200, { ...campaignAnswer(campaign), progress: progressOf(items) });
}

export async function handleListReviewItems(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  const filter = parseQuery(request, ReviewItemsQuery);
  const items = await dependencies.reviews.listItems(campaign.id, filter);
  return jsonAnswer(200, { review: campaign.id, items: items.map(itemAnswer) });
}

export async function handleDecideReviewItems(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  // Before the body: a caller who reviews nothing here is refused whatever they send.
  if (
    !administers(dependencies.authorization, request.actor, campaign) &&
    (await dependencies.reviews.listItems(campaign.id, { reviewer: request.actor })).length === 0
  ) {
    throw new AccessDenied(`you review no item of review ${campaign.id}`, { review: campaign.id });
  }
  const decisions = parseJsonBody(request, ReviewDecisionsBody);
  const items = await decideReviewItems(reviewDependencies(dependencies), campaign, request.actor, decisions);
  return jsonAnswer(200, { review: campaign.id, items: items.map(itemAnswer) });
}
