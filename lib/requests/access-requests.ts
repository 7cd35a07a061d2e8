// Access requests (DESIGN §8b): someone asks for access, someone else decides, and an approval grants it
// through the same idempotent, audited, never-downgrading path as `/grants`. Plain TypeScript: the API
// handlers pass the caller, the stores and the provisioning collaborators in.
import type { AuthorizationPolicy } from '../authz/index.js';
import { requireRole } from '../authz/index.js';
import { AccessDenied, Conflict, NotFound } from '../errors/index.js';
import { logger } from '../observability/index.js';
import { createHash } from 'node:crypto';
import {
  IdempotencyKeyReused,
  resolveTarget,
  runProvisioningRequest,
  type PrincipalSelector,
  type ProvisioningRequestDependencies,
  type ProvisioningTarget,
  type ResourceSelector,
} from '../provisioning/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import {
  newAccessRequestId,
  type AccessRequestRecord,
  type AccessRequestStore,
} from '../store/access-requests.js';
import { settledOutcome } from './settled-outcome.js';

/** What an access request asks for, validated (lib/api/access-request-schemas.ts). */
export interface AccessRequestAsk {
  resource: ResourceSelector;
  principal: PrincipalSelector;
  permission: string;
  /** Minutes the grant lasts (1 … 43,200); absent: until revoked. */
  durationMinutes?: number;
  reason: string;
}

/**
 * One state change of an access request, as published (EventBridge in AWS, `source: bitbucket-governance`,
 * detail-type `Access request <status>`): who moved it, from which status, and the request as it is now.
 */
export interface AccessRequestChange {
  id: string;
  workspace: string;
  status: AccessRequestRecord['status'];
  previousStatus: AccessRequestRecord['status'] | null;
  /** The caller who caused it (the requester, an approver, or `grant-expiry`). */
  actor: string;
  at: string;
  request: Omit<AccessRequestRecord, 'workspaceId'>;
}

/** Where state changes go so teams can route them to chat or e-mail. Failures are logged, never thrown. */
export interface AccessRequestEvents {
  publish(change: AccessRequestChange): Promise<void>;
}

/** Publishes one change; a publisher failure never undoes or fails the change itself. */
export async function publishChange(
  events: AccessRequestEvents | undefined,
  record: AccessRequestRecord,
  previousStatus: AccessRequestRecord['status'] | null,
  actor: string,
  at: Date,
): Promise<void> {
  if (!events) return;
  const { workspaceId: _id, ...request } = record;
  try {
    await events.publish({
      id: record.id,
      workspace: record.workspaceSlug,
      status: record.status,
      previousStatus,
      actor,
      at: at.toISOString(),
      request,
    });
  } catch (error) {
    logger.warn('access request event not published', {
      id: record.id,
      status: record.status,
      error: error as Error,
    });
  }
}

export interface AccessRequestDependencies {
  /** State changes are published here when given. */
  events?: AccessRequestEvents;
  accessRequests: AccessRequestStore;
  store: GovernanceStore;
  authorization: AuthorizationPolicy;
  /** How an approval provisions: the `/grants` path's collaborators. */
  provisioning: ProvisioningRequestDependencies;
  now: () => Date;
}

/**
 * Records a pending request by `caller` (a requester on `workspace`). The resource and principal must be
 * known to the stored picture (404 otherwise), so an approver decides on something that exists.
 */
export async function createAccessRequest(
  dependencies: AccessRequestDependencies,
  workspace: WorkspaceEntry,
  caller: string,
  ask: AccessRequestAsk,
  idempotencyKey?: string,
): Promise<AccessRequestRecord> {
  const target = await resolveTarget(dependencies.store, workspace, ask.resource, ask.principal);
  const accountId = dependencies.authorization.accountIdOf(caller);
  const askHash = createHash('sha256').update(JSON.stringify(ask)).digest('hex');
  const record: AccessRequestRecord = {
    id:
      idempotencyKey === undefined
        ? newAccessRequestId()
        : idempotentAccessRequestId(workspace.uuid, caller, idempotencyKey),
    workspaceId: workspace.uuid,
    workspaceSlug: workspace.slug,
    status: 'pending',
    resource: { ...ask.resource } as Record<string, string>,
    principal: { ...ask.principal } as Record<string, string>,
    permission: ask.permission,
    target: targetKeyOf(target),
    ...(ask.durationMinutes !== undefined ? { durationMinutes: ask.durationMinutes } : {}),
    reason: ask.reason,
    requestedBy: caller,
    ...(accountId !== undefined ? { requesterAccountId: accountId } : {}),
    createdAt: dependencies.now().toISOString(),
    ...(idempotencyKey !== undefined ? { askHash } : {}),
  };
  if (!(await dependencies.accessRequests.create(record))) {
    // A retry with the same key: the first request, as long as it asked the same thing.
    const first = await dependencies.accessRequests.get(record.id);
    if (first?.askHash !== askHash) {
      throw new IdempotencyKeyReused('this Idempotency-Key was used with a different request body', {
        field: 'Idempotency-Key',
      });
    }
    return first;
  }
  await publishChange(dependencies.events, record, null, caller, dependencies.now());
  return record;
}

/**
 * The id a request created with an Idempotency-Key gets: `ar-` and a uuid-shaped SHA-256 of (workspace,
 * caller, key), so a retry names the same request and two callers' keys never meet.
 */
function idempotentAccessRequestId(workspaceId: string, caller: string, key: string): string {
  const hex = createHash('sha256').update(`${workspaceId}\n${caller}\n${key}`).digest('hex');
  return `ar-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * What a request's grant is on, resolved whatever selector named it: `{kind}:{resource id}:{principal
 * type}:{principal id}` (e.g. `repository-permission:{uuid}:user:557058:ada`). Requests with the same
 * target stack: expiry of one must not take away what another still holds.
 */
export function targetKeyOf(target: ProvisioningTarget): string {
  const resource =
    target.kind === 'group-membership'
      ? target.group.slug
      : target.kind === 'project-permission'
        ? target.project.id
        : target.repository.id;
  return `${target.kind}:${resource}:${target.principal.type}:${target.principal.id}`;
}

/**
 * The request `id` when `caller` holds a role on its workspace. Throws NotFound (404) otherwise: a
 * request of a workspace the caller has no role on does not exist for them.
 */
export async function visibleAccessRequest(
  dependencies: Pick<AccessRequestDependencies, 'accessRequests' | 'authorization'>,
  id: string,
  caller: string,
): Promise<AccessRequestRecord> {
  const record = await dependencies.accessRequests.get(id);
  if (!record || !dependencies.authorization.hasAnyRole(caller, workspaceOf(record))) {
    throw new NotFound(`no access request ${id}`, { field: 'id' });
  }
  return record;
}

const workspaceOf = (record: AccessRequestRecord) => ({
  uuid: record.workspaceId,
  slug: record.workspaceSlug,
});

function notPending(record: AccessRequestRecord): Conflict {
  return new Conflict(`access request ${record.id} is ${record.status}, not pending`, {
    reason: 'not-pending',
    status: record.status,
  });
}

/**
 * Denies a pending request (an approver on its workspace, not its requester).
 * @throws NotFound, AccessDenied (403: no approver role, or the caller's own request), Conflict (409: not pending).
 */
export async function denyAccessRequest(
  dependencies: AccessRequestDependencies,
  id: string,
  caller: string,
  comment: string | undefined,
): Promise<AccessRequestRecord> {
  const record = await decidable(dependencies, id, caller);
  return leavePending(dependencies, record, caller, { status: 'denied', comment });
}

/**
 * Moves a pending `record` to `status` decided by `caller` (at most one decider wins), publishes the change
 * and answers the record as it is now. Throws Conflict (409) when someone else moved it first.
 */
async function leavePending(
  dependencies: AccessRequestDependencies,
  record: AccessRequestRecord,
  caller: string,
  decision: { status: 'approved' | 'denied' | 'withdrawn'; comment?: string | undefined },
): Promise<AccessRequestRecord> {
  // Only a pending request can be decided or withdrawn: an approved grant is ended by expiry or revocation.
  if (record.status !== 'pending') throw notPending(record);
  const decided = {
    status: decision.status,
    decidedBy: caller,
    decidedAt: dependencies.now().toISOString(),
    ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
  };
  if (
    !(await dependencies.accessRequests.transition(record, decided, { actor: caller, at: decided.decidedAt }))
  ) {
    throw notPending((await dependencies.accessRequests.get(record.id)) ?? record);
  }
  const now = { ...record, ...decided };
  await publishChange(dependencies.events, now, 'pending', caller, dependencies.now());
  return now;
}

/** The pending request `caller` may decide. Throws as denyAccessRequest. */
async function decidable(
  dependencies: AccessRequestDependencies,
  id: string,
  caller: string,
): Promise<AccessRequestRecord> {
  const record = await visibleAccessRequest(dependencies, id, caller);
  requireRole(dependencies.authorization, caller, workspaceOf(record), 'approver');
  if (record.requestedBy === caller) {
    throw new AccessDenied('nobody decides a request they made', { reason: 'own-request' });
  }
  const callerAccount = dependencies.authorization.accountIdOf(caller);
  if (
    callerAccount !== undefined &&
    record.principal.type === 'user' &&
    record.principal.accountId === callerAccount
  ) {
    throw new AccessDenied('nobody decides a request that benefits their own account', {
      reason: 'own-account',
    });
  }
  // A grant to a group benefits its members: the approver must not be one.
  if (callerAccount !== undefined && record.principal.type === 'group') {
    const slug = record.principal.slug ?? '';
    const memberships = await dependencies.store.listGrantsOfPrincipal(
      record.workspaceId,
      'user',
      callerAccount,
    );
    if (memberships.some(({ item }) => item.resource.type === 'group' && item.resource.id === slug)) {
      throw new AccessDenied(`nobody decides a request that benefits a group they are in (${slug})`, {
        reason: 'own-group',
      });
    }
  }
  if (record.status !== 'pending') throw notPending(record);
  return record;
}

/**
 * Approves a pending request and grants it through provisioning (an idempotent, audited request keyed by
 * the access request, so a crash and retry grants once). The request ends `active` (with `expiresAt` when
 * time-boxed; `alreadyHeld` when the access, or more, existed already: then nothing is revoked later) or
 * `failed` with the answer's status and message.
 * @throws as denyAccessRequest.
 */
export async function approveAccessRequest(
  dependencies: AccessRequestDependencies,
  id: string,
  caller: string,
  comment: string | undefined,
  workspace: WorkspaceEntry,
): Promise<AccessRequestRecord> {
  const record = await decidable(dependencies, id, caller);
  const decided = await leavePending(dependencies, record, caller, { status: 'approved', comment });
  return completeApproval(dependencies, decided, workspace);
}

/**
 * Grants an `approved` request and moves it to `active` or `failed` (see approveAccessRequest). The
 * provisioning request runs as its approver (`decidedBy`) with the key `access-request {id}`, so running
 * this again for a request left `approved` by a crash replays the first grant instead of granting twice.
 * Answers the request unchanged when someone else completed it meanwhile.
 * @throws Conflict (409, reason `in-flight`) while the first grant attempt holds its claim.
 */
export async function completeApproval(
  dependencies: Pick<AccessRequestDependencies, 'accessRequests' | 'provisioning' | 'events' | 'now'>,
  decided: AccessRequestRecord,
  workspace: WorkspaceEntry,
): Promise<AccessRequestRecord> {
  const approver = decided.decidedBy ?? decided.requestedBy;
  const outcome = settledOutcome(
    await runProvisioningRequest(dependencies.provisioning, {
      workspace,
      action: 'grant',
      actor: approver,
      idempotencyKey: `access-request ${decided.id}`,
      body: {
        resource: decided.resource as unknown as ResourceSelector,
        principal: decided.principal as unknown as PrincipalSelector,
        permission: decided.permission as never,
        replace: false,
        dryRun: false,
      },
    }),
  );
  const at = dependencies.now();
  let ended: Partial<AccessRequestRecord> & { status: AccessRequestRecord['status'] };
  // Refused because the principal holds more than asked: the access exists, nothing to grant.
  if (!outcome.ok && !(outcome.status === 409 && outcome.reason === 'would-downgrade')) {
    ended = {
      status: 'failed',
      provisioningRequestId: outcome.requestId,
      failure: { status: outcome.status, message: outcome.message },
    };
  } else {
    const granted = outcome.ok && outcome.changed;
    ended = {
      status: 'active',
      provisioningRequestId: outcome.requestId,
      activatedAt: at.toISOString(),
      alreadyHeld: !granted,
      ...(granted ? { previousPermission: outcome.previous } : {}),
      ...(granted && decided.durationMinutes !== undefined
        ? { expiresAt: new Date(at.getTime() + decided.durationMinutes * 60_000).toISOString() }
        : {}),
    };
  }
  if (
    !(await dependencies.accessRequests.transition(decided, ended, { actor: approver, at: at.toISOString() }))
  ) {
    return (await dependencies.accessRequests.get(decided.id)) ?? decided;
  }
  const final = { ...decided, ...ended };
  await publishChange(dependencies.events, final, 'approved', approver, at);
  return final;
}

/**
 * Withdraws a pending request: its requester, or an administrator of its workspace.
 * @throws NotFound, AccessDenied (403), Conflict (409: not pending).
 */
export async function withdrawAccessRequest(
  dependencies: AccessRequestDependencies,
  id: string,
  caller: string,
): Promise<AccessRequestRecord> {
  const record = await visibleAccessRequest(dependencies, id, caller);
  if (record.requestedBy !== caller)
    requireRole(dependencies.authorization, caller, workspaceOf(record), 'administrator');
  return leavePending(dependencies, record, caller, { status: 'withdrawn' });
}
