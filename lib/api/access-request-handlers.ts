// The access-request routes: HTTP in and out of lib/requests. Roles are checked by the router for the
// workspace routes; the routes by request id check them here, against the request's own workspace.
import { jsonAnswer, NotFound, type HttpAnswer } from '../errors/index.js';
import {
  approveAccessRequest,
  createAccessRequest,
  denyAccessRequest,
  visibleAccessRequest,
  withdrawAccessRequest,
  type AccessRequestDependencies,
} from '../requests/access-requests.js';
import type { AccessRequestRecord } from '../store/access-requests.js';
import { clockOf, requireWorkspace, type ApiDependencies } from './api-dependencies.js';
import { parseJsonBody, parseQuery, pathParameter, type ApiRequest } from './api-request.js';
import {
  AccessRequestBody,
  AccessRequestDecisionBody,
  AccessRequestsQuery,
} from './access-request-schemas.js';
import { idempotencyKeyOf, provisioningDependenciesOf } from './provisioning-handlers.js';

function requestDependencies(dependencies: ApiDependencies): AccessRequestDependencies {
  return {
    ...(dependencies.accessRequestEvents ? { events: dependencies.accessRequestEvents } : {}),
    accessRequests: dependencies.accessRequests,
    store: dependencies.store,
    authorization: dependencies.authorization,
    provisioning: provisioningDependenciesOf(dependencies),
    now: clockOf(dependencies),
  };
}

/** The stored record as answered: the workspace by slug, the store's ids left out. */
function answerOf(record: AccessRequestRecord) {
  const { workspaceId: _id, askHash: _askHash, workspaceSlug, ...rest } = record;
  return { ...rest, workspace: workspaceSlug };
}

export async function handleCreateAccessRequest(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const body = parseJsonBody(request, AccessRequestBody);
  const record = await createAccessRequest(
    requestDependencies(dependencies),
    workspace,
    request.actor,
    body,
    idempotencyKeyOf(request),
  );
  return jsonAnswer(201, answerOf(record));
}

export async function handleListAccessRequests(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const { status } = parseQuery(request, AccessRequestsQuery);
  const records = await dependencies.accessRequests.list(workspace.uuid, status);
  return jsonAnswer(200, { workspace: workspace.slug, accessRequests: records.map(answerOf) });
}

export async function handleGetAccessRequest(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const record = await visibleAccessRequest(dependencies, pathParameter(request, 'id'), request.actor);
  return jsonAnswer(200, answerOf(record));
}

/** The workspace of a request, as the directory knows it now (approval provisions in it). */
async function workspaceOfRequest(dependencies: ApiDependencies, record: AccessRequestRecord) {
  const workspace = await dependencies.store.resolveWorkspace(record.workspaceId);
  if (!workspace) throw new NotFound(`workspace ${record.workspaceSlug} is not governed any more`);
  return workspace;
}

export async function handleApproveAccessRequest(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const id = pathParameter(request, 'id');
  const { comment } = parseJsonBody(request, AccessRequestDecisionBody, { optional: true });
  const record = await visibleAccessRequest(dependencies, id, request.actor);
  const workspace = await workspaceOfRequest(dependencies, record);
  const decided = await approveAccessRequest(
    requestDependencies(dependencies),
    id,
    request.actor,
    comment,
    workspace,
  );
  return jsonAnswer(200, answerOf(decided));
}

export async function handleDenyAccessRequest(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const { comment } = parseJsonBody(request, AccessRequestDecisionBody, { optional: true });
  const decided = await denyAccessRequest(
    requestDependencies(dependencies),
    pathParameter(request, 'id'),
    request.actor,
    comment,
  );
  return jsonAnswer(200, answerOf(decided));
}

export async function handleWithdrawAccessRequest(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const withdrawn = await withdrawAccessRequest(
    requestDependencies(dependencies),
    pathParameter(request, 'id'),
    request.actor,
  );
  return jsonAnswer(200, answerOf(withdrawn));
}
