// Closing a campaign and its report. Closing moves the campaign open → closing, runs the approved plans
// and verifies them (lib/reviews/campaign-close.ts `closeCampaign`), stores each item's outcome, then
// moves it closing → closed; a close that stopped midway is resumed by closing again (the provisioning
// requests replay by idempotency key). A dry run changes nothing. The report (lib/reviews/review-report.ts)
// answers the exact bytes the manifest's SHA-256 names, at any status (outcomes `pending` until closed).
import { Conflict, jsonAnswer, type HttpAnswer } from '../errors/index.js';
import { closeCampaign } from '../reviews/campaign-close.js';
import { reviewReport } from '../reviews/review-report.js';
import type { ReviewCampaign } from '../reviews/review-model.js';
import { clockOf, type ApiDependencies } from './api-dependencies.js';
import { parseJsonBody, parseQuery, pathParameter, type ApiRequest } from './api-request.js';
import { provisioningDependenciesOf } from './provisioning-handlers.js';
import { CloseReviewBody, ReviewReportQuery } from './review-schemas.js';
import { campaignAnswer, requireCampaignRole, visibleCampaign } from './review-handlers.js';

/**
 * How long one close holds its claim (ms): well over the API function's 28-second timeout in AWS, so a
 * live close is never raced there, and short enough that a close cut off by that timeout is resumed by
 * calling close again two minutes later (its provisioning requests replay by key, so it picks up where it
 * stopped).
 */
export const CLOSE_LEASE_MS = 2 * 60_000;

function alreadyClosed(campaign: ReviewCampaign): Conflict {
  return new Conflict(`review ${campaign.id} is closed`, { reason: 'closed', status: campaign.status });
}

/**
 * `POST /v1/reviews/{id}/close` (administrator on the campaign's workspace): answers the campaign as it
 * ends with `dryRun`, the items' outcomes, the remediation runs and the scopes re-read.
 */
export async function handleCloseReview(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  requireCampaignRole(dependencies, request.actor, campaign, 'administrator');
  const { dryRun = false } = parseJsonBody(request, CloseReviewBody, { optional: true });
  if (campaign.status === 'closed') throw alreadyClosed(campaign);
  // Decisions stop before anything runs. One close at a time: a second one while the first holds its claim
  // would see the first's provisioning requests in flight and record them as failures. A campaign left
  // `closing` by an interrupted close is resumed once its claim has lapsed.
  if (!dryRun) {
    const nowMs = clockOf(dependencies)().getTime();
    if (!(await dependencies.reviews.claimClose(campaign.id, request.actor, nowMs, nowMs + CLOSE_LEASE_MS))) {
      const now = await dependencies.reviews.get(campaign.id);
      if (now?.status === 'closed') throw alreadyClosed(now);
      throw new Conflict(`review ${campaign.id} is being closed by another request; try again later`, {
        reason: 'closing',
        status: now?.status ?? campaign.status,
      });
    }
  }
  const items = await dependencies.reviews.listItems(campaign.id);
  const result = await closeCampaign(
    { provisioning: provisioningDependenciesOf(dependencies), syncState: dependencies.syncState },
    campaign,
    items,
    { actor: request.actor, ...(dryRun ? { dryRun } : {}) },
  );
  let ended: ReviewCampaign = campaign;
  if (!dryRun) {
    for (const entry of result.items) {
      if (entry.outcome)
        await dependencies.reviews.setOutcome(campaign.id, entry.itemId, entry.outcome, entry.plan);
    }
    const closedAt = clockOf(dependencies)().toISOString();
    await dependencies.reviews.transition(campaign.id, 'closing', 'closed', {
      closedBy: request.actor,
      closedAt,
    });
    ended = (await dependencies.reviews.get(campaign.id)) ?? campaign;
  }
  return jsonAnswer(200, { ...campaignAnswer(ended), ...result });
}

/** `GET /v1/reviews/{id}/report?format=csv|json|manifest` (any role on the campaign's workspace; default json). */
export async function handleReviewReport(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  const { format = 'json' } = parseQuery(request, ReviewReportQuery);
  const report = reviewReport(campaign, await dependencies.reviews.listItems(campaign.id), format);
  return { statusCode: 200, headers: { 'content-type': report.contentType }, body: report.body };
}
