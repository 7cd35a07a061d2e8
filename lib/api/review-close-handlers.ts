// Closing a campaign and its report. NOT IMPLEMENTED YET: lib/reviews/campaign-close.ts (`closeCampaign`)
// and lib/reviews/review-report.ts (`reviewReport`) are being written; until they exist these handlers
// check the caller's role (so a reader is refused with 403 like on every POST) and then answer 501.
import { GovernanceError, type HttpAnswer } from '../errors/index.js';
import type { ApiDependencies } from './api-dependencies.js';
import { parseJsonBody, parseQuery, pathParameter, type ApiRequest } from './api-request.js';
import { CloseReviewBody, ReviewReportQuery } from './review-schemas.js';
import { requireCampaignRole, visibleCampaign } from './review-handlers.js';

/** 501: the route is declared and documented, its implementation is not there yet. */
class NotImplemented extends GovernanceError {
  readonly status = 501;
  readonly code = 'not_implemented';
}

/** `POST /v1/reviews/{id}/close` (administrator on the campaign's workspace). TODO: call closeCampaign. */
export async function handleCloseReview(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  requireCampaignRole(dependencies, request.actor, campaign, 'administrator');
  parseJsonBody(request, CloseReviewBody, { optional: true });
  throw new NotImplemented('closing a review is not implemented yet (lib/reviews/campaign-close.ts)', {
    review: campaign.id,
  });
}

/** `GET /v1/reviews/{id}/report` (any role on the campaign's workspace). TODO: call reviewReport. */
export async function handleReviewReport(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const campaign = await visibleCampaign(dependencies, pathParameter(request, 'id'), request.actor);
  parseQuery(request, ReviewReportQuery);
  throw new NotImplemented('the review report is not implemented yet (lib/reviews/review-report.ts)', {
    review: campaign.id,
  });
}
