// The access-review routes: HTTP in and out of lib/reviews. Creating checks the administrator role in the
// router (the workspace is in the path); the routes by campaign id check roles here, against the
// campaign's own workspace, and answer 404 to a caller with no role there (as for access requests).
import { requireRole, type Role } from '../authz/index.js';
import { GovernanceError, jsonAnswer, NotFound, type HttpAnswer } from '../errors/index.js';
import type { ReviewCampaign, ReviewItem } from '../reviews/review-model.js';
import type { ApiDependencies } from './api-dependencies.js';
import { parseQuery, pathParameter, type ApiRequest } from './api-request.js';
import { NoQuery } from './read-schemas.js';
import { ReviewItemsQuery } from './review-schemas.js';

const workspaceOf = (campaign: ReviewCampaign) => ({
  uuid: campaign.workspaceId,
  slug: campaign.workspaceSlug,
});

/**
 * The campaign `id` when the caller holds any role on its workspace.
 * @throws NotFound (404) when there is no such campaign or the caller may not see it.
 */
export async function visibleCampaign(
  dependencies: Pick<ApiDependencies, 'reviews' | 'authorization'>,
  id: string,
  caller: string,
): Promise<ReviewCampaign> {
  const campaign = await dependencies.reviews.get(id);
  if (!campaign || !dependencies.authorization.hasAnyRole(caller, workspaceOf(campaign))) {
    throw new NotFound(`no review ${id}`, { field: 'id' });
  }
  return campaign;
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
  const { workspaceId: _id, workspaceSlug, ...rest } = campaign;
  return { ...rest, workspace: workspaceSlug };
}

/** The stored item as answered (its campaign id is the URL's). */
export function itemAnswer(item: ReviewItem) {
  const { campaignId: _campaign, ...rest } = item;
  return rest;
}

class NotImplemented extends GovernanceError {
  readonly status = 501;
  readonly code = 'not_implemented';
}

export async function handleCreateReview(): Promise<HttpAnswer> {
  throw new NotImplemented('creating a review is being implemented');
}

export async function handleGetReview(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  parseQuery(request, NoQuery);
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  return jsonAnswer(200, campaignAnswer(campaign));
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
  requireCampaignRole(dependencies, request.actor, campaign, 'administrator');
  throw new NotImplemented('deciding is being implemented');
}
