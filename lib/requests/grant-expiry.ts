// Time-boxed grants end by themselves: a job (every minute in AWS and in the local server) revokes what an
// approved access request granted once its `expiresAt` passes, exactly once (the revocation is an
// idempotent provisioning request keyed by the access request, so a crash and a retry revoke once), and
// marks the request `expired`. Where the request raised an existing permission, expiry restores the
// previous one. A grant someone else changed or removed meanwhile is left alone, and the request says so.
// The same job completes approvals a crash left `approved` (granted once, through the approval's own key).
// Requests on the same target stack (stacked-grants.ts): expiry leaves what the others still promise.
import {
  runProvisioningRequest,
  type PrincipalSelector,
  type ProvisioningRequestDependencies,
  type ResourceSelector,
} from '../provisioning/index.js';
import type { RESERVED_PRINCIPALS } from '../authz/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import { completeApproval, publishChange, type AccessRequestEvents } from './access-requests.js';
import { settledOutcome, type SettledOutcome } from './settled-outcome.js';
import { permissionRank, stackAfterExpiry } from './stacked-grants.js';
import type { AccessRequestRecord, AccessRequestStore } from '../store/access-requests.js';

/** The caller expiry acts as, in provisioning records and change records. */
export const EXPIRY_ACTOR = 'grant-expiry' satisfies (typeof RESERVED_PRINCIPALS)[number];

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

/** Why an outcome left the grant alone, or undefined when it changed what was asked (or failed). */
function leftAlone(outcome: SettledOutcome): string | undefined {
  if (!outcome.ok)
    return outcome.reason === 'permission-differs' ? `changed meanwhile: ${outcome.message}` : undefined;
  return outcome.changed ? undefined : 'already removed meanwhile';
}

/**
 * Expires `record`, one of `active` (the workspace's active requests as this run knows them). Returns its
 * outcome and the active requests after it: without `record` once expired, with each handover applied.
 * When a transition loses a race (another caller changed a request meanwhile), the list is read again.
 */
async function expireOne(
  dependencies: GrantExpiryDependencies,
  workspace: WorkspaceEntry,
  record: AccessRequestRecord,
  active: AccessRequestRecord[],
): Promise<{ outcome: ExpiryOutcome; active: AccessRequestRecord[] }> {
  const run = async (
    action: 'grant' | 'revoke',
    permission: string,
    options: { dryRun?: boolean; replace?: boolean },
  ) =>
    settledOutcome(
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
  const stack = stackAfterExpiry(record, active, dependencies.now().getTime());
  const previous = stack.keep;
  let result: ExpiryOutcome;
  if (previous !== null && permissionRank(previous) >= permissionRank(record.permission)) {
    // Another active request promises as much or more: nothing to take away yet.
    result = {
      id: record.id,
      outcome: 'left-alone',
      detail: `still held by access request ${stack.holder?.id}`,
    };
  } else if (previous === null) {
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
    const step = { actor: EXPIRY_ACTOR, at: expired.expiredAt };
    let current = true;
    if (await dependencies.accessRequests.transition(record, expired, step)) {
      active = active.filter((other) => other.id !== record.id);
      await publishChange(
        dependencies.events,
        { ...record, ...expired },
        'active',
        EXPIRY_ACTOR,
        dependencies.now(),
      );
      // The requests still holding the target become answerable for it (change records name grant-expiry).
      for (const { record: other, changes } of stack.handovers) {
        if (await dependencies.accessRequests.transition(other, changes, step))
          active = active.map((each) => (each.id === other.id ? { ...other, ...changes } : each));
        else current = false;
      }
    } else current = false;
    if (!current) active = await dependencies.accessRequests.list(workspace.uuid, 'active');
  }
  return { outcome: result, active };
}

/**
 * What one expiry run did: how many workspaces it looked at, one outcome per expired request, and each
 * approval it completed after a crash left it `approved` (`status` where it ended, `detail` when not).
 */
export interface GrantExpiryReport {
  workspaces: number;
  outcomes: ExpiryOutcome[];
  resumed: { id: string; status: AccessRequestRecord['status']; detail?: string }[];
}

/**
 * How long an approval may stay `approved` before the job completes it: longer than the provisioning
 * request's in-flight claim (60 s) plus its Bitbucket time (20 s), so a live approval is never raced.
 */
export const RESUME_APPROVAL_AFTER_MS = 120_000;

/**
 * Ends every active, time-boxed access request of the governed workspaces (one listing of the directory
 * per run, one of each workspace's active requests) whose `expiresAt` has passed. Each is revoked (or its previous permission restored) through
 * provisioning, then marked `expired`; one that fails stays active for the next run.
 */
export async function expireAccessGrants(dependencies: GrantExpiryDependencies): Promise<GrantExpiryReport> {
  const now = dependencies.now().toISOString();
  const workspaces = await dependencies.store.listWorkspaces();
  const report: GrantExpiryReport = { workspaces: workspaces.length, outcomes: [], resumed: [] };
  for (const workspace of workspaces) {
    report.resumed.push(...(await resumeApprovals(dependencies, workspace)));
    // Listed once per workspace; each expiry hands back the list as it left it (stacked requests read it).
    let active = await dependencies.accessRequests.list(workspace.uuid, 'active');
    const isDue = (record: AccessRequestRecord) => record.expiresAt !== undefined && record.expiresAt <= now;
    for (const { id } of active.filter(isDue)) {
      // Its current version: a handover or a re-read may have changed it since the list was read.
      const record = active.find((each) => each.id === id);
      if (record === undefined || !isDue(record)) continue;
      const done = await expireOne(dependencies, workspace, record, active);
      report.outcomes.push(done.outcome);
      active = done.active;
    }
  }
  return report;
}

/**
 * Completes the approvals of `workspace` left `approved` for longer than RESUME_APPROVAL_AFTER_MS (the
 * approving call crashed or timed out between the decision and the grant). One that cannot be completed
 * now stays `approved` for the next run, with the reason in `detail`.
 */
async function resumeApprovals(
  dependencies: GrantExpiryDependencies,
  workspace: WorkspaceEntry,
): Promise<GrantExpiryReport['resumed']> {
  const before = dependencies.now().getTime() - RESUME_APPROVAL_AFTER_MS;
  const stuck = (await dependencies.accessRequests.list(workspace.uuid, 'approved')).filter(
    (record) => record.decidedAt !== undefined && Date.parse(record.decidedAt) <= before,
  );
  const resumed: GrantExpiryReport['resumed'] = [];
  for (const record of stuck) {
    try {
      const after = await completeApproval(dependencies, record, workspace);
      resumed.push({ id: record.id, status: after.status });
    } catch (error) {
      resumed.push({ id: record.id, status: 'approved', detail: (error as Error).message });
    }
  }
  return resumed;
}
