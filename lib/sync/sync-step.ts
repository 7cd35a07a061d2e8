// One step of the rolling sync for one workspace (DESIGN §4): take the lease, work out the request
// budget left in the rolling hour, refresh due scopes in priority order until the budget or the time
// runs out, and record pass progress. A step never deletes on a failed read and never overlaps another.
import {
  BitbucketError,
  BudgetExhausted,
  capabilityGapOf,
  DeadlineExceeded,
  describeGap,
  isRefusal,
  NotFound,
  OAuthTokenRefused,
  RateLimited,
  sourceOf,
  Unauthorized,
  type BitbucketClient,
  type RequestBudget,
  type SharedBudget,
} from '../bitbucket/index.js';
import { openHourlyBudget } from '../budget/index.js';
import { scopeId, type ScopeKind, type ScopeRef } from '../model/index.js';
import { logger } from '../observability/index.js';
import type { GovernanceSource } from '../source/index.js';
import type { GovernanceStore } from '../store/index.js';
import type {
  CapabilityGap,
  CapabilityGapSummary,
  RequestLedger,
  ScopeError,
  ScopeState,
  SyncStateStore,
  WorkspaceSyncStatus,
} from '../store/sync-state.js';
import { summariseGaps } from './gap-summary.js';
import { LISTING_KINDS, scopeKind } from './scope-kinds.js';
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
  /** `refused`: the credential may not read this scope (a capability gap; the step goes on). */
  outcome: 'applied' | 'held' | 'failed' | 'vanished' | 'refused';
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
  /** Scopes the credential was refused this step (capability gaps; not failures). */
  scopesRefused: number;
  changes: number;
  holds: string[];
  passCompleted: boolean;
  pass: { startedAt: string; refreshed: number; total: number };
  freshnessSeconds: Record<string, number | null>;
  resumeAfter?: string;
  error?: ScopeError;
  /** What the credential cannot read, by kind, after this step (empty: nothing). */
  capabilityGaps: CapabilityGapSummary[];
}

/**
 * After this many refusals of one per-resource kind in a step with no success of that kind, the rest of
 * its due scopes take the same gap without a call: a token lacking `read:repository:bitbucket` would
 * otherwise spend two requests (the 401 and its retry after re-reading the credential) on every repository.
 */
export const REFUSALS_BEFORE_INFERRING_A_KIND_GAP = 3;

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
    scopesRefused: 0,
    changes: 0,
  };
  let stop: StopStep | undefined;

  const intervals = stretchedIntervals(settings, states, settings.hourlyRequestBudget);
  const pace = new StepPace(budget, share);
  const source = sourceOf(dependencies);
  const gaps = new KindGaps();
  // Asked at most once per step, and only after a 401: is the credential itself refused, or only a listing?
  let credentialCheck: Promise<boolean> | undefined;
  const credentialRefused = (call: { budget: SharedBudget }) =>
    (credentialCheck ??= credentialIsRefused(dependencies.client, { budget: call.budget, deadlineAt }));
  const recordGap = async (due: DueScope, state: ScopeState, gap: CapabilityGap, requests: number) => {
    const known = state.capabilityGap;
    state.capabilityGap = gap;
    state.requests = Math.max(requests, state.requests ?? 0);
    delete state.dirty;
    delete state.dirtyReason;
    delete state.lastError;
    states.set(due.id, state);
    await syncState.putScopeState(workspace.id, state);
    report.scopesRefused += 1;
    if (!gap.inferredFrom && (known?.endpoint !== gap.endpoint || known?.status !== gap.status)) {
      logger.warn(
        'capability gap: the credential may not read a scope; the rest of the workspace keeps syncing',
        {
          workspace: workspace.slug,
          scope: due.id,
          status: gap.status,
          endpoint: gap.endpoint,
          likelyMissing: gap.likelyMissing,
          detail: describeGap(due.id, gap),
        },
      );
    }
    dependencies.onScope?.({
      workspace: workspace.slug,
      scope: due.id,
      outcome: 'refused',
      requests,
      changes: 0,
      error: describeGap(due.id, gap),
    });
  };
  const refreshOne = (due: DueScope, expected: number) =>
    pace.run(expected, (scopeBudget) => refreshScopeOnce(due, scopeBudget));
  const refreshScopeOnce = async (due: DueScope, scopeBudget: SharedBudget): Promise<void> => {
    const state: ScopeState = { ...(states.get(due.id) ?? {}), scope: due.id };
    const at = now().toISOString();
    const inferred = gaps.inferred(due.scope.kind, at);
    if (inferred) {
      await recordGap(due, state, inferred, 0);
      return;
    }
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
        delete state.capabilityGap;
        gaps.read(due.scope.kind);
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
      const stopper = stepStopper(error);
      if (error instanceof BudgetExhausted) {
        // Remember what the unfinished listing cost at least, so it is not started again until the
        // hour has that much left (nothing spent twice on a listing that cannot finish).
        state.requests = Math.max(state.requests ?? 0, scopeBudget.spent + 1);
        states.set(due.id, state);
        await syncState.putScopeState(workspace.id, state);
      }
      if (!stopper && isRefusal(error)) {
        // Only `/2.0/user` answering 401 says the credential itself is refused (API-NOTES); a 401 on
        // one listing is a scoped token lacking that listing's scope.
        if (error instanceof Unauthorized && (await credentialRefused({ budget: scopeBudget }))) {
          stop ??= new StopStep('credential-rejected', error);
        } else {
          const gap = capabilityGapOf(error, at, state.capabilityGap);
          if (gap) {
            gaps.refused(due.scope.kind, due.id, gap);
            await recordGap(due, state, gap, scopeBudget.spent);
            return;
          }
        }
      }
      if (stopper) {
        stop ??= stopper;
        if (stopper.outcome !== 'credential-rejected') return;
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

  // Pass bookkeeping: complete when every scope the credential can read has been refreshed (or is held)
  // since the pass began; a scope it may not read (a capability gap) is listed on the pass instead.
  const passStart = Date.parse(status.passStartedAt);
  const settled = (scope: ScopeRef) => {
    const state = states.get(scopeId(scope));
    return (
      Boolean(state?.hold) ||
      Boolean(state?.capabilityGap) ||
      (state?.refreshedAt !== undefined && Date.parse(state.refreshedAt) >= passStart)
    );
  };
  const capabilityGaps = summariseGaps(states.values());
  // Nothing of the workspace can be read: every listing is refused. Said as such, not as a completed pass.
  const unreadable = LISTING_KINDS.every((row) => states.get(row.kind)?.capabilityGap !== undefined);
  if (unreadable && !stop) {
    const refusals = capabilityGaps.map((gap) => gap.message).join('; ');
    stop = new StopStep('not-administrable', new Error(`every listing is refused: ${refusals}`));
  }
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
      ...(capabilityGaps.length > 0 ? { capabilityGaps } : {}),
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
  if (capabilityGaps.length > 0) status.capabilityGaps = capabilityGaps;
  else delete status.capabilityGaps;
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
    capabilityGaps,
  };
}

/**
 * True when `GET /2.0/user` answers 401: the credential itself is refused, not one listing (API-NOTES:
 * only this endpoint's 401 says so). Any other answer, or a failure to ask, counts as "not refused": the
 * listing's 401 is then reported as a capability gap, which is retried later either way.
 */
async function credentialIsRefused(
  client: BitbucketClient,
  call: { budget: SharedBudget; deadlineAt: number },
): Promise<boolean> {
  try {
    await client.getCurrentUser(call);
    return false;
  } catch (error) {
    return error instanceof Unauthorized;
  }
}

/**
 * The refusals of one step, by kind: after `REFUSALS_BEFORE_INFERRING_A_KIND_GAP` refusals of a kind and
 * no success of it, the kind's remaining scopes take the last gap without a call.
 */
class KindGaps {
  readonly #refusals = new Map<ScopeKind, { count: number; scope: string; gap: CapabilityGap }>();
  readonly #read = new Set<ScopeKind>();

  refused(kind: ScopeKind, scope: string, gap: CapabilityGap): void {
    const known = this.#refusals.get(kind);
    this.#refusals.set(kind, { count: (known?.count ?? 0) + 1, scope, gap });
  }

  read(kind: ScopeKind): void {
    this.#read.add(kind);
  }

  /** The gap to record without a call, or undefined when the scope should be tried. */
  inferred(kind: ScopeKind, at: string): CapabilityGap | undefined {
    const refusals = this.#refusals.get(kind);
    if (!refusals || this.#read.has(kind) || refusals.count < REFUSALS_BEFORE_INFERRING_A_KIND_GAP)
      return undefined;
    return {
      ...refusals.gap,
      since: at,
      checkedAt: at,
      inferredFrom: `${refusals.count} refusals of ${kind} scopes in the same step (last: ${refusals.scope})`,
    };
  }
}
