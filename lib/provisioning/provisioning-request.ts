// A provisioning request and its audit record, whole: claim the Idempotency-Key, replay a finished
// answer, run `provision` while the record collects the Bitbucket calls, and finish the record.
import { createHash } from 'node:crypto';
import { Conflict, errorResponse, GovernanceError, jsonAnswer, NotFound } from '../errors/index.js';
import type { WorkspaceEntry } from '../store/index.js';
import {
  idempotentRequestId,
  newRequestId,
  type ProvisioningRequestRecord,
  type ProvisioningRequestStore,
  type StoredAnswer,
} from '../store/provisioning-requests.js';
import {
  provision,
  type BitbucketCallRecord,
  type ProvisioningDependencies,
  type ProvisioningResult,
} from './provision.js';
import { checkUserGrantPreconditions, type MembershipFreshness } from './grant-preconditions.js';
import { IdempotencyKeyReused } from './provisioning-errors.js';
import { resolveTarget, type ProvisioningAction, type ProvisioningCommand } from './provisioning-target.js';

/** Time a provisioning call may spend on Bitbucket when the caller sets none. */
const DEFAULT_PROVISIONING_TIME_MS = 20_000;

export interface ProvisioningRequestDependencies extends Omit<ProvisioningDependencies, 'deadlineAt'> {
  requests: Pick<ProvisioningRequestStore, 'begin' | 'finish'>;
  /** Time a provisioning call may spend on Bitbucket (default 20 s). */
  provisioningTimeMs?: number;
  /** The sync's scope states, to say how fresh the stored membership is when a grant is refused for it. */
  syncState?: MembershipFreshness;
  /**
   * Turns a failure into the GovernanceError it answers as, or returns it unchanged when unknown (the API's
   * `governanceErrorOf`: Bitbucket failures are mapped in lib/api, which imports provisioning, not back).
   */
  explainFailure: (error: unknown) => unknown;
}

/** One grant or revocation as received: plain values, already validated. */
export interface ProvisioningRequestInput {
  workspace: WorkspaceEntry;
  action: ProvisioningAction;
  /** The caller (IAM principal, OIDC subject, `local`): recorded, and named by the change record. */
  actor: string;
  /** Without a key every request is new; with one, the first answer is kept for the same body. */
  idempotencyKey?: string | undefined;
  /** The body as validated (its `dryRun` included); recorded as the request and hashed against key reuse. */
  body: Omit<ProvisioningCommand, 'action'>;
}

/** The answer body of a provisioning request that ran to its end. */
export type ProvisionedAnswer = { requestId: string; workspace: string } & ProvisioningResult;

/**
 * How a provisioning request ended. `answer` is the answer its record keeps (status and the exact body
 * text), the one a later replay with the same key returns.
 * - `replayed`: the same key and body finished before; nothing ran, Bitbucket was not called.
 * - `provisioned`: ran to its end (200); `result` is the answer body.
 * - `refused`: ended in a GovernanceError (4xx, 429, 502); a 402, 429 or 5xx frees the key for a retry
 *   (a plan limit, a rate limit or an upstream failure may pass; the rest would answer the same again).
 */
export type ProvisioningRequestOutcome =
  | { kind: 'replayed'; requestId: string; answer: StoredAnswer }
  | { kind: 'provisioned'; requestId: string; answer: StoredAnswer; result: ProvisionedAnswer }
  | { kind: 'refused'; requestId: string; answer: StoredAnswer; error: GovernanceError };

/**
 * Runs one grant or revocation as an audited request: the record is claimed first (`REQ#{id}`), lists
 * every Bitbucket call made (or, for a dry run, that would be made) and keeps the answer.
 *
 * Throws IdempotencyKeyReused (422) when the key came with another body, and Conflict (409, reason
 * `in-flight`) while the first request with the key has not finished; neither touches the record.
 * A failure that `explainFailure` does not know is recorded as a 500 (the key stays free) and rethrown.
 */
export async function runProvisioningRequest(
  dependencies: ProvisioningRequestDependencies,
  input: ProvisioningRequestInput,
): Promise<ProvisioningRequestOutcome> {
  const { requests, now } = dependencies;
  const { workspace, action, actor, idempotencyKey: key, body } = input;
  const id = key === undefined ? newRequestId() : idempotentRequestId(workspace.uuid, actor, key);
  const startedAt = now().toISOString();
  const bodyHash = createHash('sha256').update(JSON.stringify({ action, body })).digest('hex');
  const begun = await requests.begin(
    {
      id,
      workspaceId: workspace.uuid,
      workspaceSlug: workspace.slug,
      action,
      actor,
      receivedAt: startedAt,
      ...(key === undefined ? {} : { idempotencyKey: key }),
      bodyHash,
      request: body,
    },
    now(),
  );
  if (begun.kind === 'replay' && begun.record.answer) {
    return { kind: 'replayed', requestId: id, answer: begun.record.answer };
  }
  if (begun.kind === 'key-reused') {
    throw new IdempotencyKeyReused('this Idempotency-Key was used with a different request body', {
      field: 'Idempotency-Key',
      requestId: id,
    });
  }
  // A completed record without an answer cannot be replayed: as good as in flight.
  if (begun.kind !== 'started') {
    throw new Conflict('a request with this Idempotency-Key is still in flight', {
      reason: 'in-flight',
      requestId: id,
    });
  }

  // Filled by `provision` as each call is made, so the record lists them even when it throws.
  const calls: BitbucketCallRecord[] = [];
  try {
    // Whether Bitbucket would take a user grant at all is known from the store: refused before any call.
    await checkUserGrantPreconditions(
      dependencies.store,
      workspace,
      action,
      body.resource,
      body.principal,
      dependencies.syncState,
    );
    const target = await resolveTarget(dependencies.store, workspace, body.resource, body.principal);
    const provisioned = await provision(
      {
        client: dependencies.client,
        store: dependencies.store,
        ledger: dependencies.ledger,
        hourlyRequestLimit: dependencies.hourlyRequestLimit,
        ...(dependencies.organization ? { organization: dependencies.organization } : {}),
        now,
        deadlineAt: now().getTime() + (dependencies.provisioningTimeMs ?? DEFAULT_PROVISIONING_TIME_MS),
      },
      workspace,
      target,
      { action, ...body },
      actor,
      calls,
    );
    const result: ProvisionedAnswer = { requestId: id, workspace: workspace.slug, ...provisioned };
    const answer: StoredAnswer = { status: 200, body: jsonAnswer(200, result).body };
    await requests.finish(id, { state: 'completed', answer, calls, startedAt }, now());
    return { kind: 'provisioned', requestId: id, answer, result };
  } catch (error) {
    const mapped = dependencies.explainFailure(error);
    const { statusCode, body: text } = errorResponse(mapped);
    // A plan limit, a rate limit or an upstream failure may pass: the key stays free for a retry with
    // the same body (a replayed 402 after the plan was raised would be wrong).
    const transient = statusCode === 402 || statusCode === 429 || statusCode >= 500;
    const answer: StoredAnswer = { status: statusCode, body: text };
    await requests.finish(id, { state: transient ? 'failed' : 'completed', answer, calls, startedAt }, now());
    // Unknown failures go on to the caller, which logs them and answers 500.
    if (!(mapped instanceof GovernanceError)) throw mapped;
    return { kind: 'refused', requestId: id, answer, error: mapped };
  }
}

/**
 * The record of one provisioning request, as stored (the answer body as its text).
 * Throws NotFound (404, field `requestId`) when there is none.
 */
export async function provisioningRequestRecord(
  requests: Pick<ProvisioningRequestStore, 'get'>,
  id: string,
): Promise<ProvisioningRequestRecord> {
  const record = await requests.get(id);
  if (!record) throw new NotFound(`no provisioning request ${id}`, { field: 'requestId' });
  return record;
}
