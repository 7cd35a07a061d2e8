// One step of the rolling sync for one workspace (DESIGN §4): take the lease, work out the request
// budget left in the rolling hour, refresh due scopes in priority order until the budget or the time
// runs out, and record pass progress. A step never deletes on a failed read and never overlaps another.
import {
  BitbucketError,
  BudgetExhausted,
  DeadlineExceeded,
  Forbidden,
  NotFound,
  RateLimited,
  sourceOf,
  Unauthorized,
  type BitbucketClient,
  type RequestBudget,
  type SharedBudget,
} from '../bitbucket/index.js';
import { openHourlyBudget } from '../budget/index.js';
import { scopeId, type ScopeRef } from '../model/index.js';
import type { GovernanceSource } from '../source/index.js';
import type { GovernanceStore } from '../store/index.js';
import type {
  RequestLedger,
  ScopeError,
  ScopeState,
  SyncStateStore,
  WorkspaceSyncStatus,
} from '../store/sync-state.js';
import { scopeKind } from './scope-kinds.js';
import {
  dueScopes,
  freshnessByKind,
  LISTING_SCOPES,
  stretchedIntervals,
  type DueScope,
} from './scope-plan.js';
import { refreshScope, type WorkspaceRef } from './scope-refresh.js';
import { stepAllowance, syncHourLimits, type SyncSettings } from './settings.js';
import { StepPace } from './step-pace.js';
import { storedScopes } from './stored-scopes.js';

export interface SyncDependencies {
  client: BitbucketClient;
  /** Where scopes are listed from; default Bitbucket Cloud through `client`. */
  source?: GovernanceSource;
  store: GovernanceStore;
  syncState: SyncStateStore;
  ledger: RequestLedger;
  settings: SyncSettings;
  now?: () => Date;
  /** Identifies this runner in the lease (e.g. the Lambda request id). */
  runnerId: string;
  /** Called after each scope, for progress display and logs. */
  onScope?: (event: ScopeEvent) => void;
}

export interface ScopeEvent {
  workspace: string;
  scope: string;
  outcome: 'applied' | 'held' | 'failed' | 'vanished';
  requests: number;
  changes: number;
  error?: string;
}

export type StepOutcome =
  | 'completed-due-scopes'
  | 'budget-exhausted'
  | 'deadline'
  | 'rate-limited'
  | 'credential-rejected'
  | 'not-administrable'
  | 'lease-held'
  | 'waiting-for-rate-limit'
  | 'no-budget-left';

export interface StepReport {
  workspace: string;
  outcome: StepOutcome;
  requests: number;
  scopesRefreshed: number;
  scopesFailed: number;
  changes: number;
  holds: string[];
  passCompleted: boolean;
  pass: { startedAt: string; refreshed: number; total: number };
  freshnessSeconds: Record<string, number | null>;
  resumeAfter?: string;
  error?: ScopeError;
}

/** Ends the step early; the outcome says why. */
class StopStep extends Error {
  constructor(
    readonly outcome: StepOutcome,
    readonly reason?: unknown,
  ) {
    super(outcome);
  }
}

function scopeError(error: unknown, at: string): ScopeError {
  if (error instanceof BitbucketError) {
    return {
      at,
      message: error.message,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.endpoint ? { endpoint: error.endpoint } : {}),
    };
  }
  return { at, message: error instanceof Error ? error.message : String(error) };
}

/** Errors that end the whole step rather than one scope. */
function stepStopper(error: unknown, scope: ScopeRef): StopStep | undefined {
  if (error instanceof BudgetExhausted) return new StopStep('budget-exhausted', error);
  if (error instanceof DeadlineExceeded) return new StopStep('deadline', error);
  if (error instanceof RateLimited) return new StopStep('rate-limited', error);
  if (error instanceof Unauthorized) return new StopStep('credential-rejected', error);
  // Without the membership listings nothing else is trustworthy: the credential cannot administer this
  // workspace. Reported as such, never silently thinned.
  if (error instanceof Forbidden && scopeKind(scope.kind).cadence === 'membership') {
    return new StopStep('not-administrable', error);
  }
  return undefined;
}

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
    changes: 0,
    holds: [],
    passCompleted: false,
    pass: { startedAt: status?.passStartedAt ?? startedAt.toISOString(), refreshed: 0, total: 0 },
    freshnessSeconds: {},
    ...(status?.resumeAfter ? { resumeAfter: status.resumeAfter } : {}),
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
    const hour = await openHourlyBudget(dependencies.ledger, 'sync', {
      ...syncHourLimits(settings),
      now: startedAt,
    });
    const allowance = stepAllowance(settings, hour.spentBefore);
    if (allowance.share <= 0) return emptyReport('no-budget-left', status);
    try {
      return await runBudgetedStep(
        dependencies,
        workspace,
        status,
        { budget: hour.budget, share: allowance.share },
        deadlineAt,
        now,
      );
    } finally {
      // What the step spent is counted, also when it fails on the store.
      await hour.close(now());
    }
  } finally {
    await syncState.releaseLease(leaseName, dependencies.runnerId);
  }
}

async function runBudgetedStep(
  dependencies: SyncDependencies,
  workspace: WorkspaceRef,
  status: WorkspaceSyncStatus,
  { budget, share }: { budget: RequestBudget; share: number },
  deadlineAt: number,
  now: () => Date,
): Promise<StepReport> {
  const { syncState, store, settings } = dependencies;
  const stepStart = now();
  status.passStartedAt ??= stepStart.toISOString();
  delete status.lastError;
  const states = new Map(
    (await syncState.listScopeStates(workspace.id)).map((state) => [state.scope, state]),
  );
  const report = {
    requests: 0,
    scopesRefreshed: 0,
    scopesFailed: 0,
    changes: 0,
  };
  let stop: StopStep | undefined;

  const intervals = stretchedIntervals(settings, states, settings.hourlyRequestBudget);
  const pace = new StepPace(budget, share);
  const source = sourceOf(dependencies);
  const refreshOne = (due: DueScope, expected: number) =>
    pace.run(expected, (scopeBudget) => refreshScopeOnce(due, scopeBudget));
  const refreshScopeOnce = async (due: DueScope, scopeBudget: SharedBudget): Promise<void> => {
    const state: ScopeState = { ...(states.get(due.id) ?? {}), scope: due.id };
    const at = now().toISOString();
    try {
      const outcome = await refreshScope(
        {
          source,
          store,
          workspace,
          call: { budget: scopeBudget, deadlineAt },
          guard: settings.deletionGuard,
          holdReleased: state.holdReleased === true,
          now,
        },
        due.scope,
      );
      if (outcome.status === 'vanished') {
        states.delete(due.id);
        await syncState.deleteScopeState(workspace.id, due.id);
        dependencies.onScope?.({
          workspace: workspace.slug,
          scope: due.id,
          outcome: 'vanished',
          requests: 0,
          changes: 0,
        });
        return;
      }
      if (outcome.status === 'held') {
        state.hold = outcome.hold;
        state.dirty = false;
        state.requests = scopeBudget.spent;
        delete state.lastError;
      } else {
        report.scopesRefreshed += 1;
        report.changes += outcome.result.changes.length;
        state.refreshedAt = at;
        state.requests = scopeBudget.spent;
        delete state.dirty;
        delete state.dirtyReason;
        delete state.lastError;
        delete state.hold;
        delete state.holdReleased;
        for (const orphan of outcome.orphanedScopes) {
          states.delete(scopeId(orphan));
          await syncState.deleteScopeState(workspace.id, scopeId(orphan));
        }
      }
      states.set(due.id, state);
      await syncState.putScopeState(workspace.id, state);
      dependencies.onScope?.({
        workspace: workspace.slug,
        scope: due.id,
        outcome: outcome.status,
        requests: scopeBudget.spent,
        changes: outcome.status === 'applied' ? outcome.result.changes.length : 0,
      });
    } catch (error) {
      const stopper = stepStopper(error, due.scope);
      if (error instanceof BudgetExhausted) {
        // Remember what the unfinished listing cost at least, so it is not started again until the
        // hour has that much left (nothing spent twice on a listing that cannot finish).
        state.requests = Math.max(state.requests ?? 0, scopeBudget.spent + 1);
        states.set(due.id, state);
        await syncState.putScopeState(workspace.id, state);
      }
      if (stopper) {
        stop ??= stopper;
        if (stopper.outcome !== 'not-administrable' && stopper.outcome !== 'credential-rejected') return;
      }
      report.scopesFailed += 1;
      state.lastError = scopeError(error, at);
      state.requests = scopeBudget.spent;
      // A per-resource listing answering 404 means the resource went away since its listing: re-read that.
      const perResource = scopeKind(due.scope.kind).perResource;
      if (error instanceof NotFound && perResource) {
        await syncState.markDirty(
          workspace.id,
          [perResource.parentListing],
          `${due.scope.kind} listing answered 404`,
        );
      }
      states.set(due.id, state);
      await syncState.putScopeState(workspace.id, state);
      dependencies.onScope?.({
        workspace: workspace.slug,
        scope: due.id,
        outcome: 'failed',
        requests: scopeBudget.spent,
        changes: 0,
        error: state.lastError.message,
      });
    }
  };

  const timeLeft = () => deadlineAt - now().getTime();
  // Set when due scopes were left for lack of budget, so callers know the step did not finish its work.
  let budgetStopped = false;
  const startCost = (due: DueScope, leastCost: number): number | null => {
    const expected = pace.startCost(states.get(due.id)?.requests, leastCost);
    if (expected === null) budgetStopped = true;
    return expected;
  };
  const recordUnaffordable = async (due: DueScope, lastCost: number) => {
    const state: ScopeState = { ...(states.get(due.id) ?? {}), scope: due.id };
    state.lastError = {
      at: now().toISOString(),
      message: `${due.id} needs at least ${lastCost} requests, more than the sync's hourly budget of ${settings.hourlyRequestBudget} (SYNC_HOURLY_REQUEST_BUDGET); it is not read`,
    };
    states.set(due.id, state);
    await syncState.putScopeState(workspace.id, state);
    report.scopesFailed += 1;
  };
  // Listings first, one at a time: the grant scopes to refresh depend on what they find. A due listing
  // the hour cannot pay for yet keeps the budget for itself: stale grant scopes wait, so the hour fills
  // up again (10,000 members are 101 requests; paced steps leave about one share in the hour), and only
  // scopes marked dirty by webhooks or provisioning go ahead.
  let listingWaiting = false;
  for (const due of dueScopes(LISTING_SCOPES, states, now().getTime(), intervals)) {
    const lastCost = states.get(due.id)?.requests ?? 0;
    if (lastCost > settings.hourlyRequestBudget) {
      // It can never be read within one hour's budget: waiting for it would stall every other scope.
      await recordUnaffordable(due, lastCost);
      continue;
    }
    const expected = stop || timeLeft() <= 0 ? null : startCost(due, scopeKind(due.scope.kind).leastCost);
    if (expected === null) {
      listingWaiting = !stop;
      break;
    }
    await refreshOne(due, expected);
  }

  const scopes = await storedScopes(store, workspace.id);
  if (!stop) {
    const queue = dueScopes(scopes, states, now().getTime(), intervals).filter(
      (due) =>
        scopeKind(due.scope.kind).perResource !== undefined && (!listingWaiting || due.reason === 'dirty'),
    );
    const worker = async () => {
      for (let due = queue.shift(); due; due = queue.shift()) {
        const expected = stop || timeLeft() <= 0 ? null : startCost(due, scopeKind(due.scope.kind).leastCost);
        if (expected === null) return;
        await refreshOne(due, expected);
      }
    };
    await Promise.all(Array.from({ length: settings.parallelScopes }, worker));
  }

  // Pass bookkeeping: complete when every scope has been refreshed (or is held) since the pass began.
  const passStart = Date.parse(status.passStartedAt);
  const settled = (scope: ScopeRef) => {
    const state = states.get(scopeId(scope));
    return (
      Boolean(state?.hold) || (state?.refreshedAt !== undefined && Date.parse(state.refreshedAt) >= passStart)
    );
  };
  const refreshed = scopes.filter(settled).length;
  const passRequests = status.passRequests + budget.spent;
  const passCompleted = refreshed === scopes.length && !stop;
  const endedAt = now();
  const outcome: StepOutcome =
    stop?.outcome ??
    (pace.spentOut || budgetStopped
      ? 'budget-exhausted'
      : timeLeft() <= 0
        ? 'deadline'
        : 'completed-due-scopes');
  const pass = { startedAt: status.passStartedAt, refreshed, total: scopes.length };
  if (passCompleted) {
    status.lastCompletedPass = {
      startedAt: status.passStartedAt,
      completedAt: endedAt.toISOString(),
      requests: passRequests,
      scopes: scopes.length,
    };
    delete status.passStartedAt;
    status.passRequests = 0;
  } else {
    status.passRequests = passRequests;
  }
  if (stop?.outcome === 'rate-limited') {
    const retryAfterMs = stop.reason instanceof RateLimited ? stop.reason.retryAfterMs : undefined;
    status.resumeAfter = new Date(
      endedAt.getTime() + (retryAfterMs ?? settings.rateLimitPauseMs),
    ).toISOString();
  } else {
    delete status.resumeAfter;
  }
  if (stop && stop.outcome !== 'budget-exhausted' && stop.outcome !== 'deadline') {
    status.lastError = scopeError(stop.reason, endedAt.toISOString());
  }
  status.lastStep = {
    at: stepStart.toISOString(),
    outcome,
    requests: budget.spent,
    scopesRefreshed: report.scopesRefreshed,
    changes: report.changes,
  };
  await syncState.putStatus(status);

  return {
    workspace: workspace.slug,
    outcome,
    ...report,
    requests: budget.spent,
    holds: [...states.values()].filter((state) => state.hold).map((state) => state.scope),
    passCompleted,
    pass,
    freshnessSeconds: freshnessByKind(scopes, states, endedAt.getTime()),
    ...(status.resumeAfter ? { resumeAfter: status.resumeAfter } : {}),
    ...(status.lastError ? { error: status.lastError } : {}),
  };
}
