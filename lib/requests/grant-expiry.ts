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
import type { GovernanceStore } from '../store/index.js';
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

/** Why a provisioning outcome left the grant alone, or undefined when it changed what was asked. */
function leftAlone(outcome: ProvisioningRequestOutcome): string | undefined {
  if (outcome.kind === 'refused') {
    return outcome.error.details.reason === 'permission-differs'
      ? `changed meanwhile: ${outcome.error.message}`
      : undefined;
  }
  if (outcome.kind === 'provisioned' && !outcome.result.changed) return 'already removed meanwhile';
  return undefined;
}

async function expireOne(
  dependencies: GrantExpiryDependencies,
  record: AccessRequestRecord,
): Promise<ExpiryOutcome> {
  const workspace = await dependencies.store.resolveWorkspace(record.workspaceId);
  if (!workspace) return { id: record.id, outcome: 'failed', detail: 'workspace not governed any more' };
  const run = (
    action: 'grant' | 'revoke',
    permission: string,
    options: { dryRun?: boolean; replace?: boolean },
  ) =>
    runProvisioningRequest(dependencies.provisioning, {
      workspace,
      action,
      actor: EXPIRY_ACTOR,
      idempotencyKey: `access-request-expiry ${record.id}${options.dryRun ? ' check' : ''}`,
      body: {
        ...command(record, permission),
        replace: options.replace ?? false,
        dryRun: options.dryRun ?? false,
      },
    });
  const previous = record.previousPermission ?? null;
  let result: ExpiryOutcome;
  if (previous === null) {
    const outcome = await run('revoke', record.permission, {});
    const alone = leftAlone(outcome);
    result =
      alone !== undefined
        ? { id: record.id, outcome: 'left-alone', detail: alone }
        : outcome.kind === 'refused'
          ? { id: record.id, outcome: 'failed', detail: outcome.error.message }
          : { id: record.id, outcome: 'revoked' };
  } else {
    // Restoring lowers the permission: only while what the request granted is still what is held.
    const check = await run('revoke', record.permission, { dryRun: true });
    const alone = leftAlone(check);
    if (alone !== undefined) result = { id: record.id, outcome: 'left-alone', detail: alone };
    else {
      const outcome = await run('grant', previous, { replace: true });
      result =
        outcome.kind === 'refused'
          ? { id: record.id, outcome: 'failed', detail: outcome.error.message }
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

/**
 * Ends every active, time-boxed access request of the governed workspaces whose `expiresAt` has passed.
 * Each is revoked (or its previous permission restored) through provisioning, then marked `expired`; one
 * that fails stays active for the next run. Answers one outcome per request handled.
 */
export async function expireAccessGrants(
  dependencies: GrantExpiryDependencies,
  workspaceIds: readonly string[],
): Promise<ExpiryOutcome[]> {
  const now = dependencies.now().toISOString();
  const outcomes: ExpiryOutcome[] = [];
  for (const workspaceId of workspaceIds) {
    const due = (await dependencies.accessRequests.list(workspaceId, 'active')).filter(
      (record) => record.expiresAt !== undefined && record.expiresAt <= now,
    );
    for (const record of due) outcomes.push(await expireOne(dependencies, record));
  }
  return outcomes;
}
