// POST …/grants, POST …/revocations and GET /v1/requests/{id}: HTTP in and out of provisioning, which
// records every request and, for an Idempotency-Key, keeps and replays the first answer.
import { errorResponse, jsonAnswer, NotFound, ValidationError, type HttpAnswer } from '../errors/index.js';
import {
  provisioningRequestRecord,
  runProvisioningRequest,
  type ProvisioningAction,
  type ProvisioningRequestDependencies,
} from '../provisioning/index.js';
import { clockOf, requireWorkspace, type ApiDependencies } from './api-dependencies.js';
import { parseJsonBody, pathParameter, type ApiRequest } from './api-request.js';
import { ProvisioningRequestBody, type ProvisioningAnswer } from './provisioning-schemas.js';
import { governanceErrorOf } from './upstream-errors.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's `Idempotency-Key` header, or undefined without one.
 * @throws ValidationError (400) for a key that is not 1 to 255 visible ASCII characters.
 */
export function idempotencyKeyOf(request: ApiRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 visible ASCII characters', {
      field: 'Idempotency-Key',
    });
  }
  return key;
}

function withHeaders(answer: HttpAnswer, headers: Record<string, string>): HttpAnswer {
  return { ...answer, headers: { ...answer.headers, ...headers } };
}

/** What provisioning needs of the API's collaborators (the grant-expiry function has these alone). */
export type ProvisioningSources = Pick<
  ApiDependencies,
  | 'client'
  | 'store'
  | 'ledger'
  | 'hourlyRequestLimit'
  | 'now'
  | 'requests'
  | 'provisioningTimeMs'
  | 'syncState'
  | 'organization'
>;

/** Provisioning's collaborators, as `/grants`, an approved access request and grant expiry use them. */
export function provisioningDependenciesOf(
  dependencies: ProvisioningSources,
): ProvisioningRequestDependencies {
  return {
    client: dependencies.client,
    store: dependencies.store,
    ledger: dependencies.ledger,
    hourlyRequestLimit: dependencies.hourlyRequestLimit,
    now: clockOf(dependencies),
    requests: dependencies.requests,
    provisioningTimeMs: dependencies.provisioningTimeMs,
    syncState: dependencies.syncState,
    ...(dependencies.organization ? { organization: dependencies.organization } : {}),
    explainFailure: governanceErrorOf,
  };
}

async function handleProvisioning(
  action: ProvisioningAction,
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const body = parseJsonBody(request, ProvisioningRequestBody);
  const idempotencyKey = idempotencyKeyOf(request);
  const outcome = await runProvisioningRequest(provisioningDependenciesOf(dependencies), {
    workspace,
    action,
    actor: request.actor,
    idempotencyKey,
    body,
  });
  const requestId = { 'x-request-id': outcome.requestId };
  switch (outcome.kind) {
    case 'replayed':
      return {
        statusCode: outcome.answer.status,
        headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true', ...requestId },
        body: outcome.answer.body,
      };
    case 'provisioned': {
      const answer: ProvisioningAnswer = outcome.result;
      return jsonAnswer(200, answer, requestId);
    }
    case 'refused':
      return withHeaders(errorResponse(outcome.error), requestId);
  }
}

export const handleGrant = (request: ApiRequest, dependencies: ApiDependencies) =>
  handleProvisioning('grant', request, dependencies);

export const handleRevocation = (request: ApiRequest, dependencies: ApiDependencies) =>
  handleProvisioning('revoke', request, dependencies);

export async function handleRequestRecord(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const requestId = pathParameter(request, 'requestId');
  const record = await provisioningRequestRecord(dependencies.requests, requestId);
  const { workspaceId, workspaceSlug, bodyHash: _hash, answer, ...rest } = record;
  // A record is visible to callers with a role on its workspace; to others it does not exist.
  if (!dependencies.authorization.hasAnyRole(request.actor, { uuid: workspaceId, slug: workspaceSlug })) {
    throw new NotFound(`no provisioning request ${requestId}`, { field: 'requestId' });
  }
  return jsonAnswer(200, {
    ...rest,
    workspace: workspaceSlug,
    ...(answer ? { answer: { status: answer.status, body: JSON.parse(answer.body) as unknown } } : {}),
  });
}
