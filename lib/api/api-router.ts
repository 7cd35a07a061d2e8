// One handler per /v1 route, keyed by the API Gateway route key (infra/routes.ts); errors become the
// `{error: {code, message, details}}` answer in one place.
import { requireRole } from '../authz/index.js';
import {
  handleApproveAccessRequest,
  handleCreateAccessRequest,
  handleDenyAccessRequest,
  handleGetAccessRequest,
  handleListAccessRequests,
  handleWithdrawAccessRequest,
} from './access-request-handlers.js';
import { errorResponse, NotFound, type HttpAnswer } from '../errors/index.js';
import { requireWorkspace, type ApiDependencies } from './api-dependencies.js';
import { parseQuery, pathParameter, type ApiRequest } from './api-request.js';
import { handleExport } from './export-handler.js';
import { handleCloseReview, handleReviewReport } from './review-close-handlers.js';
import {
  handleCreateReview,
  handleDecideReviewItems,
  handleGetReview,
  handleListReviewItems,
  handleListReviews,
} from './review-handlers.js';
import { buildOpenApiDocument } from './openapi.js';
import { handleGrant, handleRequestRecord, handleRevocation } from './provisioning-handlers.js';
import {
  handleChanges,
  handleGroupAccess,
  handleProjectAccess,
  handleRepositoryAccess,
  handleUserAccess,
  handleWorkspaces,
} from './read-handlers.js';
import { NoQuery } from './read-schemas.js';
import { ROUTE_DOCS, type ApiRouteKey } from './route-docs.js';
import { handleSyncAction, handleSyncStatus } from './sync-handlers.js';
import { governanceErrorOf } from './upstream-errors.js';

export type RouteHandler = (request: ApiRequest, dependencies: ApiDependencies) => Promise<HttpAnswer>;

let openApiDocument: string | undefined;

async function handleOpenApi(request: ApiRequest): Promise<HttpAnswer> {
  parseQuery(request, NoQuery);
  openApiDocument ??= JSON.stringify(buildOpenApiDocument());
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: openApiDocument };
}

export const API_HANDLERS: Record<ApiRouteKey, RouteHandler> = {
  'GET /v1/openapi.json': handleOpenApi,
  'GET /v1/workspaces': handleWorkspaces,
  'GET /v1/workspaces/{workspace}/sync': handleSyncStatus,
  'POST /v1/workspaces/{workspace}/sync': handleSyncAction,
  'GET /v1/workspaces/{workspace}/users/{accountId}/access': handleUserAccess,
  'GET /v1/workspaces/{workspace}/projects/{resourceId}/access': handleProjectAccess,
  'GET /v1/workspaces/{workspace}/repositories/{resourceId}/access': handleRepositoryAccess,
  'GET /v1/workspaces/{workspace}/groups/{resourceId}/access': handleGroupAccess,
  'GET /v1/workspaces/{workspace}/changes': handleChanges,
  'GET /v1/workspaces/{workspace}/export': handleExport,
  'POST /v1/workspaces/{workspace}/grants': handleGrant,
  'POST /v1/workspaces/{workspace}/revocations': handleRevocation,
  'GET /v1/requests/{requestId}': handleRequestRecord,
  'POST /v1/workspaces/{workspace}/access-requests': handleCreateAccessRequest,
  'GET /v1/workspaces/{workspace}/access-requests': handleListAccessRequests,
  'GET /v1/access-requests/{id}': handleGetAccessRequest,
  'POST /v1/access-requests/{id}/approve': handleApproveAccessRequest,
  'POST /v1/access-requests/{id}/deny': handleDenyAccessRequest,
  'POST /v1/access-requests/{id}/withdraw': handleWithdrawAccessRequest,
  'POST /v1/workspaces/{workspace}/reviews': handleCreateReview,
  'GET /v1/workspaces/{workspace}/reviews': handleListReviews,
  'GET /v1/reviews/{id}': handleGetReview,
  'GET /v1/reviews/{id}/items': handleListReviewItems,
  'POST /v1/reviews/{id}/decisions': handleDecideReviewItems,
  'POST /v1/reviews/{id}/close': handleCloseReview,
  'GET /v1/reviews/{id}/report': handleReviewReport,
};

/**
 * Checks the route's role (ROUTE_DOCS `access`) for the workspace its path names, resolved to one identity
 * first, so a workspace addressed by uuid is held to the same roles as by slug. Routes without a workspace
 * check their records themselves. Throws NotFound (an unknown workspace, or one the caller holds no role
 * on) or AccessDenied (403: a role on it, not the one needed).
 */
async function authorized(request: ApiRequest, dependencies: ApiDependencies): Promise<ApiRequest> {
  const { access } = ROUTE_DOCS[request.routeKey as ApiRouteKey];
  if (access === 'authenticated' || access === 'record-workspace') return request;
  const workspace = await requireWorkspace(dependencies, request);
  // A workspace the caller holds no role on does not exist for them (GET /v1/workspaces leaves it out):
  // a 403 would name its slug to someone who addressed it by uuid.
  if (!dependencies.authorization.hasAnyRole(request.actor, workspace)) {
    throw new NotFound(`unknown workspace ${pathParameter(request, 'workspace')}`, { field: 'workspace' });
  }
  if (access !== 'any-role') requireRole(dependencies.authorization, request.actor, workspace, access.role);
  return { ...request, workspace };
}

export interface RoutedAnswer {
  answer: HttpAnswer;
  /** Set when the answer is a 500: the failure, for the caller's log (never sent to the client). */
  failure?: unknown;
}

/** Dispatches one request. Never throws: unknown failures answer 500 and are handed back for logging. */
export async function routeApiRequest(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<RoutedAnswer> {
  const handler = (API_HANDLERS as Record<string, RouteHandler | undefined>)[request.routeKey];
  try {
    if (!handler) throw new NotFound(`no API route ${request.routeKey}`, { routeKey: request.routeKey });
    return { answer: await handler(await authorized(request, dependencies), dependencies) };
  } catch (error) {
    const mapped = governanceErrorOf(error);
    const answer = errorResponse(mapped);
    return answer.statusCode === 500 ? { answer, failure: error } : { answer };
  }
}
