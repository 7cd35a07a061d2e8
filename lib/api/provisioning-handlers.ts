// POST …/grants, POST …/revocations and GET /v1/requests/{id}. Every provisioning request is recorded;
// with an Idempotency-Key the first answer is kept and replayed for the same key and body.
import { createHash } from 'node:crypto';
import {
  Conflict,
  errorResponse,
  GovernanceError,
  jsonAnswer,
  NotFound,
  ValidationError,
  type HttpAnswer,
} from '../errors/index.js';
import {
  IdempotencyKeyReused,
  provision,
  resolveTarget,
  type ProvisioningAction,
} from '../provisioning/index.js';
import {
  idempotentRequestId,
  newRequestId,
  type BitbucketCallRecord,
} from '../store/provisioning-requests.js';
import { clockOf, requireWorkspace, type ApiDependencies } from './api-dependencies.js';
import { parseJsonBody, pathParameter, type ApiRequest } from './api-request.js';
import { ProvisioningRequestBody, type ProvisioningAnswer } from './provisioning-schemas.js';
import { governanceErrorOf } from './upstream-errors.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKeyOf(request: ApiRequest): string | undefined {
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

async function handleProvisioning(
  action: ProvisioningAction,
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const now = clockOf(dependencies);
  const workspace = await requireWorkspace(dependencies, request);
  const body = parseJsonBody(request, ProvisioningRequestBody);
  const key = idempotencyKeyOf(request);
  const id = key === undefined ? newRequestId() : idempotentRequestId(workspace.uuid, key);
  const bodyHash = createHash('sha256').update(JSON.stringify({ action, body })).digest('hex');
  const begun = await dependencies.requests.begin(
    {
      id,
      workspaceId: workspace.uuid,
      workspaceSlug: workspace.slug,
      action,
      actor: request.actor,
      receivedAt: now().toISOString(),
      ...(key === undefined ? {} : { idempotencyKey: key }),
      bodyHash,
      request: body,
    },
    now(),
  );
  if (begun.kind === 'replay' && begun.record.answer) {
    const { status, body: text } = begun.record.answer;
    return {
      statusCode: status,
      headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true', 'x-request-id': id },
      body: text,
    };
  }
  if (begun.kind === 'key-reused') {
    throw new IdempotencyKeyReused('this Idempotency-Key was used with a different request body', {
      field: 'Idempotency-Key',
      requestId: id,
    });
  }
  if (begun.kind !== 'started') {
    throw new Conflict('a request with this Idempotency-Key is still in flight', {
      reason: 'in-flight',
      requestId: id,
    });
  }

  const calls: BitbucketCallRecord[] = [];
  try {
    const target = await resolveTarget(dependencies.store, workspace, body.resource, body.principal);
    const result = await provision(
      {
        client: dependencies.client,
        store: dependencies.store,
        ledger: dependencies.ledger,
        hourlyRequestLimit: dependencies.hourlyRequestLimit,
        now,
        deadlineAt: now().getTime() + (dependencies.provisioningTimeMs ?? 20_000),
      },
      workspace,
      target,
      { action, ...body },
      request.actor,
      calls,
    );
    const answerBody: ProvisioningAnswer = { requestId: id, workspace: workspace.slug, ...result };
    const answer = jsonAnswer(200, answerBody, { 'x-request-id': id });
    await dependencies.requests.finish(
      id,
      { state: 'completed', answer: { status: 200, body: answer.body }, calls },
      now(),
    );
    return answer;
  } catch (error) {
    const mapped = governanceErrorOf(error);
    const answer = errorResponse(mapped);
    // A rate limit or an upstream failure may pass: the key stays free for a retry with the same body.
    const transient = answer.statusCode === 429 || answer.statusCode >= 500;
    await dependencies.requests.finish(
      id,
      {
        state: transient ? 'failed' : 'completed',
        answer: { status: answer.statusCode, body: answer.body },
        calls,
      },
      now(),
    );
    // Unknown failures go on to the function, which logs them and answers 500.
    if (!(mapped instanceof GovernanceError)) throw mapped;
    return withHeaders(answer, { 'x-request-id': id });
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
  const id = pathParameter(request, 'requestId');
  const record = await dependencies.requests.get(id);
  if (!record) throw new NotFound(`no provisioning request ${id}`, { field: 'requestId' });
  const { workspaceId: _id, workspaceSlug, bodyHash: _hash, answer, ...rest } = record;
  return jsonAnswer(200, {
    ...rest,
    workspace: workspaceSlug,
    ...(answer ? { answer: { status: answer.status, body: JSON.parse(answer.body) as unknown } } : {}),
  });
}
