// One step of the rolling sync for one workspace (DESIGN §4): take the lease, work out the request
// budget left in the rolling hour, refresh due scopes in priority order until the budget or the time
// runs out, and record pass progress. A step never deletes on a failed read and never overlaps another.
import type { OrganizationAccess } from '../atlassian-admin/index.js';
import {
  BudgetExhausted,
  capabilityGapOf,
  DeadlineExceeded,
  isRefusal,
  OAuthTokenRefused,
  RateLimited,
  Unauthorized,
  type BitbucketClient,
  type RequestBudget,
  SharedBudget,
} from '../bitbucket/index.js';
import { logger } from '../observability/index.js';
import type { GovernanceSource, ScopeLister } from '../source/index.js';
import type { GovernanceStore } from '../store/index.js';
import type { RequestLedger, SyncStateStore, WorkspaceSyncStatus } from '../store/sync-state.js';
import { summariseGaps } from './gap-summary.js';
import { ScopeBook, type ScopeEvent } from './scope-book.js';
import { openOrganizationStep, type OrganizationStep } from './organization-step.js';
import { listingKindsOf, scopeKind } from './scope-kinds.js';
import {
  DEFAULT_CAPABILITY_GAP_RETRY_MS,
  dueScopes,
  listingScopesOf,
  stretchedIntervals,
  type DueScope,
} from './scope-plan.js';
import { refreshScope, releasedRemovalsOf, type WorkspaceRef } from './scope-refresh.js';
import type { SyncSettings } from './settings.js';
import { KindGaps } from './kind-gaps.js';
import { settleStep, type StepOutcome, type StepReport } from './step-settlement.js';
import { SyncLanes, type LanePick, type SyncIdentity, type SyncLane } from './sync-lanes.js';
import { storedScopes } from './stored-scopes.js';

export interface SyncDependencies {
  client: BitbucketClient;
  /** Where scopes are listed from; default Bitbucket Cloud through `client`. */
  source?: GovernanceSource;
  /**
   * The Atlassian organization side (Admin API client, credential, its own hour, BITBUCKET_ADMINISTRATION).
   * Absent: every workspace is synced as Bitbucket-administered.
   */
  organization?: OrganizationAccess;
  store: GovernanceStore;
  syncState: SyncStateStore;
  ledger: RequestLedger;
  settings: SyncSettings;
  /**
   * Further Bitbucket identities (API tokens of other service accounts) the sync may read with, each with
   * its own rolling hour (BITBUCKET_SYNC_IDENTITIES, or `syncIdentities` in the credentials secret).
   * Resolved once a step; absent or empty: the sync reads with `client` alone.
   */
  additionalIdentities?: () => Promise<readonly SyncIdentity[]>;
  now?: () => Date;
  /** Identifies this runner in the lease (e.g. the Lambda request id). */
  runnerId: string;
  /** Called after each scope, for progress display and logs. */
  onScope?: (event: ScopeEvent) => void;
}

export type { ScopeEvent };

/** Ends the step early; the outcome says why. */
class StopStep extends Error {
  constructor(
    readonly outcome: StepOutcome,
    readonly reason?: unknown,
  ) {
    super(outcome);
  }
}

/**
 * Errors that end the whole step rather than one scope. A refusal (401/403) is not one of them: it is a
 * capability gap of that scope (see `refreshScopeOnce`), unless the credential itself is refused.
 */
function stepStopper(error: unknown): StopStep | undefined {
  if (error instanceof BudgetExhausted) return new StopStep('budget-exhausted', error);
  if (error instanceof DeadlineExceeded) return new StopStep('deadline', error);
  if (error instanceof RateLimited) return new StopStep('rate-limited', error);
  // The token endpoint refusing the client credentials: nothing can be read with them.
  if (error instanceof OAuthTokenRefused) return new StopStep('credential-rejected', error);
  return undefined;
}

/**
 * The further identities, or none when they cannot be read (a malformed `syncIdentities`, Secrets
 * Manager failing): the primary credential still syncs, and the warning names the problem, never a value.
 */
async function furtherIdentities(dependencies: SyncDependencies): Promise<readonly SyncIdentity[]> {
  try {
    return (await dependencies.additionalIdentities?.()) ?? [];
  } catch (error) {
    logger.warn('further sync identities unreadable; syncing with the primary credential alone', {
      reason: error instanceof Error ? error.message : String(error),
    });
    return [];
  }
}

export { REFUSALS_BEFORE_INFERRING_A_KIND_GAP } from './kind-gaps.js';
export type { StepOutcome, StepReport } from './step-settlement.js';

export async function runSyncStep(
  dependencies: SyncDependencies,
  workspace: WorkspaceRef,
  deadlineAt: number,
): Promise<StepReport> {
  const now = dependencies.now ?? (() => new Date());
  const { syncState, settings } = dependencies;
  const startedAt = now();
  const leaseName = `sync-${workspace.id}`;
  const emptyReport = (outcome: StepOutcome, status?: WorkspaceSyncStatus): StepReport => ({
    workspace: workspace.slug,
    outcome,
    requests: 0,
    scopesRefreshed: 0,
    scopesFailed: 0,
    scopesRefused: 0,
    changes: 0,
    holds: [],
    passCompleted: false,
    pass: { startedAt: status?.passStartedAt ?? startedAt.toISOString(), refreshed: 0, total: 0 },
    freshnessSeconds: {},
    ...(status?.resumeAfter ? { resumeAfter: status.resumeAfter } : {}),
    capabilityGaps: status?.capabilityGaps ?? [],
    adminApiRequests: 0,
  });

  if (
    !(await syncState.acquireLease(
      leaseName,
      dependencies.runnerId,
      startedAt,
      deadlineAt - startedAt.getTime() + 30_000,
    ))
  ) {
    return emptyReport('lease-held');
  }
  try {
    const status: WorkspaceSyncStatus = (await syncState.getStatus(workspace.id)) ?? {
      workspaceId: workspace.id,
      workspaceSlug: workspace.slug,
      passRequests: 0,
    };
    status.workspaceSlug = workspace.slug;
    if (status.resumeAfter && Date.parse(status.resumeAfter) > startedAt.getTime()) {
      return emptyReport('waiting-for-rate-limit', status);
    }
    const primary: SyncIdentity = {
      name: 'primary',
      client: dependencies.client,
      ledger: dependencies.ledger,
      ...(dependencies.source ? { source: dependencies.source } : {}),
    };
    const identities = [primary, ...(await furtherIdentities(dependencies))];
    const lanes = await SyncLanes.open(identities, settings, startedAt, deadlineAt);
    if (lanes.nothingToSpend) {
      await lanes.close(now());
      return emptyReport('no-budget-left', status);
    }
    let organization: OrganizationStep;
    try {
      organization = await openOrganizationStep(
        dependencies.organization,
        dependencies.store,
        workspace,
        status.administration,
        { now: startedAt, deadlineAt },
      );
    } catch (error) {
      await lanes.close(now());
      throw error;
    }
    status.administration = organization.administration;
    try {
      return await runBudgetedStep(dependencies, workspace, status, lanes, organization, deadlineAt, now);
    } finally {
      // What the step spent is counted, also when it fails on the store.
      await lanes.close(now());
      await organization.close(now());
    }
  } finally {
    await syncState.releaseLease(leaseName, dependencies.runnerId);
  }
}

async function runBudgetedStep(
  dependencies: SyncDependencies,
  workspace: WorkspaceRef,
  status: WorkspaceSyncStatus,
  lanes: SyncLanes,
  organization: OrganizationStep,
  deadlineAt: number,
  now: () => Date,
): Promise<StepReport> {
  const { syncState, store, settings } = dependencies;
  const stepStart = now();
  status.passStartedAt ??= stepStart.toISOString();
  delete status.lastError;
  const book = new ScopeBook(
    syncState,
    workspace,
    await syncState.listScopeStates(workspace.id),
    dependencies.onScope,
  );
  let stop: StopStep | undefined;

  // Intervals are planned on every identity's hour: three identities keep membership fresher.
  const intervals = stretchedIntervals(settings, book.states, lanes.hourlyRequestBudget);
  const gaps = new KindGaps();
  // A gap recorded with another credential (a new token, more scopes) is tried again now.
  if (lanes.credentials.length > 0) book.retryGapsNotOf(lanes.credentials);

  const refreshThrough = (lister: ScopeLister, due: DueScope, scopeBudget: RequestBudget) =>
    refreshScope(
      {
        source: lister,
        store,
        workspace,
        call: { budget: scopeBudget, deadlineAt },
        guard: settings.deletionGuard,
        releasedRemovals: releasedRemovalsOf(book.states.get(due.id)),
        now,
      },
      due.scope,
    );

  const refreshScopeOnce = async (
    due: DueScope,
    lane: SyncLane,
    scopeBudget: SharedBudget,
  ): Promise<void | 'benched'> => {
    const at = now().toISOString();
    const inferred = gaps.inferred(due.scope.kind, at, book.states.get(due.id)?.capabilityGap);
    if (inferred) return book.refused(due, inferred, 0);
    try {
      const outcome = await refreshThrough(lane.source, due, scopeBudget);
      if (outcome.status === 'vanished') return book.vanished(due);
      if (outcome.status === 'held') {
        gaps.read(due.scope.kind);
        return book.held(due, outcome.hold, scopeBudget.spent);
      }
      gaps.read(due.scope.kind);
      const { changes } = outcome.result;
      await book.applied(due, at, scopeBudget.spent, changes.length, outcome.orphanedScopes, outcome.reread);
    } catch (error) {
      // A further identity refused or limited is that identity's problem, not the scope's: another
      // identity reads the scope (a gap recorded by an identity that is not a workspace admin would keep
      // the scope from every identity for hours). Refused: not that kind until the gap retry; limited or
      // its OAuth consumer refused: not for the rest of the step.
      if (lane !== lanes.primary && isRefusal(error)) {
        const retryMs = settings.capabilityGapRetryMs ?? DEFAULT_CAPABILITY_GAP_RETRY_MS;
        lanes.refuseKind(lane, due.scope.kind, now().getTime() + retryMs, error);
        return 'benched';
      }
      if (lane !== lanes.primary && (error instanceof RateLimited || error instanceof OAuthTokenRefused)) {
        lanes.bench(lane, error);
        return 'benched';
      }
      const stopper = stepStopper(error);
      if (error instanceof BudgetExhausted) await book.unfinished(due, scopeBudget.spent);
      if (!stopper && isRefusal(error)) {
        // Only `/2.0/user` answering 401 says the credential itself is refused (API-NOTES); a 401 on
        // one listing is a scoped token lacking that listing's scope.
        const verdict =
          error instanceof Unauthorized
            ? await lane.verdict({ budget: scopeBudget, deadlineAt })
            : 'accepted';
        if (verdict === 'refused') {
          stop ??= new StopStep('credential-rejected', error);
        } else if (verdict === 'accepted') {
          const gap = capabilityGapOf(error, at, book.states.get(due.id)?.capabilityGap);
          if (gap) {
            if (lane.credential !== undefined) gap.credential = lane.credential;
            gaps.refused(due.scope.kind, due.id, gap);
            return book.refused(due, gap, scopeBudget.spent);
          }
        }
      }
      if (stopper) {
        stop ??= stopper;
        if (stopper.outcome !== 'credential-rejected') return;
      }
      await book.failed(due, error, at, scopeBudget.spent);
    }
  };
  const refreshOne = async (due: DueScope, first: LanePick): Promise<void> => {
    for (let pick: LanePick | null = first; pick; pick = startCost(due)) {
      const { lane, expected } = pick;
      const result = await lane.pace.run(expected, (scopeBudget) => refreshScopeOnce(due, lane, scopeBudget));
      if (result !== 'benched') return;
    }
  };

  // An Admin API listing is paid from the Admin API's own hour; its failures (a 429 there included) are
  // that scope's, never a reason to stop reading Bitbucket.
  const refreshAdminScope = async (due: DueScope): Promise<void> => {
    const at = now().toISOString();
    const scopeBudget = new SharedBudget(organization.budget);
    try {
      if (!organization.source) throw new Error(`${due.id} needs an organization credential`);
      const outcome = await refreshThrough(organization.source, due, scopeBudget);
      if (outcome.status === 'vanished') return book.vanished(due);
      if (outcome.status === 'held') return book.held(due, outcome.hold, scopeBudget.spent);
      const { changes } = outcome.result;
      await book.applied(due, at, scopeBudget.spent, changes.length, outcome.orphanedScopes, outcome.reread);
    } catch (error) {
      if (error instanceof BudgetExhausted) return book.unfinished(due, scopeBudget.spent);
      await book.failed(due, error, at, scopeBudget.spent);
    }
  };

  const timeLeft = () => deadlineAt - now().getTime();
  // Set when due scopes were left for lack of budget, so callers know the step did not finish its work.
  let budgetStopped = false;
  const startCost = (due: DueScope): LanePick | null => {
    if (stop || timeLeft() <= 0) return null;
    const pick = lanes.pick(
      book.lastCost(due.id),
      scopeKind(due.scope.kind).leastCost,
      due.scope.kind,
      now().getTime(),
    );
    if (pick === null) budgetStopped = true;
    return pick;
  };
  // Listings first, one at a time: the grant scopes to refresh depend on what they find. A due listing
  // the hour cannot pay for yet keeps the budget for itself: stale grant scopes wait, so the hour fills
  // up again (10,000 members are 101 requests; paced steps leave about one share in the hour), and only
  // scopes marked dirty by webhooks or provisioning go ahead.
  let listingWaiting = false;
  for (const due of dueScopes(listingScopesOf(organization.apis), book.states, now().getTime(), intervals)) {
    if (scopeKind(due.scope.kind).api === 'atlassian-admin') {
      if (!stop && timeLeft() > 0) await refreshAdminScope(due);
      continue;
    }
    const lastCost = book.lastCost(due.id) ?? 0;
    if (lastCost > settings.hourlyRequestBudget) {
      // It can never be read within one hour's budget: waiting for it would stall every other scope.
      const message = `${due.id} needs at least ${lastCost} requests, more than the sync's hourly budget of ${settings.hourlyRequestBudget} (SYNC_HOURLY_REQUEST_BUDGET); it is not read`;
      await book.unaffordable(due, message, now().toISOString());
      continue;
    }
    const pick = startCost(due);
    if (pick === null) {
      listingWaiting = !stop;
      break;
    }
    await refreshOne(due, pick);
  }

  const scopes = await storedScopes(store, workspace.id, organization.apis);
  if (!stop) {
    const queue = dueScopes(scopes, book.states, now().getTime(), intervals).filter(
      (due) =>
        scopeKind(due.scope.kind).perResource !== undefined && (!listingWaiting || due.reason === 'dirty'),
    );
    const worker = async () => {
      for (let due = queue.shift(); due; due = queue.shift()) {
        const pick = startCost(due);
        if (pick === null) return;
        await refreshOne(due, pick);
      }
    };
    await Promise.all(Array.from({ length: settings.parallelScopes }, worker));
  }

  const capabilityGaps = summariseGaps(book.states.values());
  // Nothing of the workspace can be read: every listing is refused. Said as such, not as a completed pass.
  const unreadable = listingKindsOf(['bitbucket']).every(
    (row) => book.states.get(row.kind)?.capabilityGap !== undefined,
  );
  if (unreadable && !stop) {
    const refusals = capabilityGaps.map((gap) => gap.message).join('; ');
    stop = new StopStep('not-administrable', new Error(`every listing is refused: ${refusals}`));
  }
  const outcome: StepOutcome =
    stop?.outcome ??
    (lanes.spentOut || budgetStopped
      ? 'budget-exhausted'
      : timeLeft() <= 0
        ? 'deadline'
        : 'completed-due-scopes');
  const report = await settleStep(
    { syncState: dependencies.syncState, rateLimitPauseMs: settings.rateLimitPauseMs },
    workspace,
    status,
    {
      passStartedAt: status.passStartedAt,
      book,
      scopes,
      capabilityGaps,
      outcome,
      stop,
      stepStart,
      requests: lanes.spent,
      adminApiRequests: organization.budget.spent,
      endedAt: now(),
    },
  );
  const identities = lanes.reports(now().getTime());
  return identities.length > 0 ? { ...report, identities } : report;
}
