// Time-boxed grants end by themselves: a job (every minute in AWS and in the local server) revokes what an
// approved access request granted once its `expiresAt` passes, exactly once (the revocation is an
// idempotent provisioning request keyed by the access request, so a crash and a retry revoke once), and
// marks the request `expired`. Where the request raised an existing permission, expiry restores the
// previous one. A grant someone else changed or removed meanwhile is left alone, and the request says so.
import {
  runProvisioningRequest,
  type PrincipalSelector,
  type ProvisioningRequestDependencies,
  type ProvisioningRequestOutcome,
  type ResourceSelector,
} from '../provisioning/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import { publishChange, type AccessRequestEvents } from './access-requests.js';
import type { AccessRequestRecord, AccessRequestStore } from '../store/access-requests.js';

/** The caller expiry acts as, in provisioning records and change records. */
export const EXPIRY_ACTOR = 'grant-expiry';

export interface GrantExpiryDependencies {
  /** Each expiry is published here when given (status `expired`). */
  events?: AccessRequestEvents;
  accessRequests: AccessRequestStore;
  store: GovernanceStore;
  provisioning: ProvisioningRequestDependencies;
  now: () => Date;
}

/** How one expiry ended: `revoked`, `restored` (the previous permission), or `left-alone` (changed meanwhile). */
export interface ExpiryOutcome {
  id: string;
  outcome: 'revoked' | 'restored' | 'left-alone' | 'failed';
  detail?: string;
}

function command(record: AccessRequestRecord, permission: string) {
  return {
    resource: record.resource as unknown as ResourceSelector,
    principal: record.principal as unknown as PrincipalSelector,
    permission: permission as never,
  };
}

/**
 * A provisioning outcome as the expiry reads it. A replay (the run retried after a crash between the
 * revocation and the `expired` mark) is read from the answer it replays, like the first run's outcome.
 */
type Settled = { ok: true; changed: boolean } | { ok: false; reason?: unknown; message: string };

function settled(outcome: ProvisioningRequestOutcome): Settled {
  if (outcome.kind === 'provisioned') return { ok: true, changed: outcome.result.changed };
  if (outcome.kind === 'refused') {
    return { ok: false, reason: outcome.error.details.reason, message: outcome.error.message };
  }
  const body = JSON.parse(outcome.answer.body) as {
    changed?: boolean;
    error?: { message?: string; details?: { reason?: unknown } };
  };
  return outcome.answer.status < 400
    ? { ok: true, changed: body.changed === true }
    : {
        ok: false,
        reason: body.error?.details?.reason,
        message: body.error?.message ?? `status ${outcome.answer.status}`,
      };
}

/** Why an outcome left the grant alone, or undefined when it changed what was asked (or failed). */
function leftAlone(outcome: Settled): string | undefined {
  if (!outcome.ok)
    return outcome.reason === 'permission-differs' ? `changed meanwhile: ${outcome.message}` : undefined;
  return outcome.changed ? undefined : 'already removed meanwhile';
}

async function expireOne(
  dependencies: GrantExpiryDependencies,
  workspace: WorkspaceEntry,
  record: AccessRequestRecord,
): Promise<ExpiryOutcome> {
  const run = async (
    action: 'grant' | 'revoke',
    permission: string,
    options: { dryRun?: boolean; replace?: boolean },
  ) =>
    settled(
      await runProvisioningRequest(dependencies.provisioning, {
        workspace,
        action,
        actor: EXPIRY_ACTOR,
        idempotencyKey: `access-request-expiry ${record.id}${options.dryRun ? ' check' : ''}`,
        body: {
          ...command(record, permission),
          replace: options.replace ?? false,
          dryRun: options.dryRun ?? false,
        },
      }),
    );
  const previous = record.previousPermission ?? null;
  let result: ExpiryOutcome;
  if (previous === null) {
    const outcome = await run('revoke', record.permission, {});
    const alone = leftAlone(outcome);
    result =
      alone !== undefined
        ? { id: record.id, outcome: 'left-alone', detail: alone }
        : !outcome.ok
          ? { id: record.id, outcome: 'failed', detail: outcome.message }
          : { id: record.id, outcome: 'revoked' };
  } else {
    // Restoring lowers the permission: only while what the request granted is still what is held.
    const check = await run('revoke', record.permission, { dryRun: true });
    const alone = leftAlone(check);
    if (alone !== undefined) result = { id: record.id, outcome: 'left-alone', detail: alone };
    else {
      const outcome = await run('grant', previous, { replace: true });
      result = !outcome.ok
        ? { id: record.id, outcome: 'failed', detail: outcome.message }
        : { id: record.id, outcome: 'restored', detail: `restored ${previous}` };
    }
  }
  // A failure (Bitbucket refusing, the budget spent) stays active: the next run tries again.
  if (result.outcome !== 'failed') {
    const expired = {
      status: 'expired' as const,
      expiredAt: dependencies.now().toISOString(),
      expiry: { outcome: result.outcome, ...(result.detail ? { detail: result.detail } : {}) },
    };
    if (await dependencies.accessRequests.transition(record.id, 'active', expired)) {
      await publishChange(
        dependencies.events,
        { ...record, ...expired },
        'active',
        EXPIRY_ACTOR,
        dependencies.now(),
      );
    }
  }
  return result;
}

/** What one expiry run did: how many workspaces it looked at, and one outcome per request handled. */
export interface GrantExpiryReport {
  workspaces: number;
  outcomes: ExpiryOutcome[];
}

/**
 * Ends every active, time-boxed access request of the governed workspaces (one listing of the directory
 * per run) whose `expiresAt` has passed. Each is revoked (or its previous permission restored) through
 * provisioning, then marked `expired`; one that fails stays active for the next run.
 */
export async function expireAccessGrants(dependencies: GrantExpiryDependencies): Promise<GrantExpiryReport> {
  const now = dependencies.now().toISOString();
  const workspaces = await dependencies.store.listWorkspaces();
  const outcomes: ExpiryOutcome[] = [];
  for (const workspace of workspaces) {
    const due = (await dependencies.accessRequests.list(workspace.uuid, 'active')).filter(
      (record) => record.expiresAt !== undefined && record.expiresAt <= now,
    );
    for (const record of due) outcomes.push(await expireOne(dependencies, workspace, record));
  }
  return { workspaces: workspaces.length, outcomes };
}
