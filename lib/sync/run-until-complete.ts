// "Run steps until the pass completes", for the CLI and `npm start`: the same steps the scheduler runs,
// back to back, with a progress callback. Back-to-back steps are not paced to a schedule: they may spend
// everything the rolling hour's sync budget has left. It stops, never waits an hour, when that budget is
// spent, Bitbucket asks us to back off, or nothing more can be done, and says which and when to resume.
import type { HourLedger } from '../budget/index.js';
import { runSyncStep, type StepReport, type SyncDependencies } from './sync-step.js';
import type { WorkspaceRef } from './scope-refresh.js';
import { parseScopeId } from '../model/index.js';
import { scopeKind } from './scope-kinds.js';
import type { SyncSettings } from './settings.js';
import { storedScopes } from './stored-scopes.js';
import type { CapabilityGapSummary } from '../store/sync-state.js';

export interface PassProgress {
  workspace: string;
  step: number;
  refreshed: number;
  total: number;
  /** Requests spent by these steps. */
  requests: number;
  /** Requests the rolling hour's sync budget has left after them (at least 0). */
  budgetLeft: number;
  elapsedMs: number;
}

/** Why back-to-back steps stopped before the pass completed. */
export type PassStopReason =
  | 'budget-spent'
  | 'rate-limited'
  | 'credential-rejected'
  | 'not-administrable'
  | 'lease-held'
  | 'scopes-failing'
  | 'step-limit';

export interface PassRunResult {
  completed: boolean;
  steps: StepReport[];
  requests: number;
  /** Set when it stopped before completing. */
  stopReason?: PassStopReason;
  /** One sentence for the operator: why it stopped (or that nothing was due). */
  stoppedBecause?: string;
  /** ISO time from which running again can make progress, when known. */
  resumeAfter?: string;
  /** What the credential may not read, after the last step (empty: nothing). */
  capabilityGaps: CapabilityGapSummary[];
}

export interface RunUntilCompleteOptions {
  /**
   * Time given to each step, ms (default 240,000, a scheduled step's). A scope still reading at the
   * deadline is abandoned and read again by the next step, so a short step on a slow machine pays twice.
   */
  stepTimeMs?: number;
  /** At most this many steps (default 1,000). */
  maxSteps?: number;
  onProgress?: (progress: PassProgress) => void;
}

const DEFAULT_STEP_TIME_MS = 4 * 60_000;

/** The settings of back-to-back steps: the schedule's pacing removed, everything else kept. */
function unpaced(settings: SyncSettings): SyncSettings {
  const { stepIntervalMs: _scheduled, ...rest } = settings;
  return rest;
}

/**
 * Runs sync steps for one workspace until its pass completes or one of `PassStopReason` happens.
 * Spends at most what the rolling hour's sync budget (`settings.hourlyRequestBudget`, requests) has left;
 * errors of the store propagate, Bitbucket's answers end up in the result.
 */
export async function runUntilPassComplete(
  dependencies: SyncDependencies,
  workspace: WorkspaceRef,
  options: RunUntilCompleteOptions = {},
): Promise<PassRunResult> {
  const now = dependencies.now ?? (() => new Date());
  // Every identity's hour counts: the sync's budget is its share of each (Several identities, README).
  const further = await dependencies.additionalIdentities?.().catch(() => []);
  const ledgers: HourLedger[] = [dependencies.ledger, ...(further ?? []).map((identity) => identity.ledger)];
  const budget = dependencies.settings.hourlyRequestBudget * ledgers.length;
  const hours = () => Promise.all(ledgers.map((ledger) => ledger.spentInLastHour(now())));
  const started = now().getTime();
  const steps: StepReport[] = [];
  // Progress is reported after every scope, not only after each (up to 4-minute) step.
  const live = {
    refreshed: 0,
    total: (await storedScopes(dependencies.store, workspace.id)).length,
    requests: 0,
    syncSpent: 0,
    step: 1,
  };
  const emit = () =>
    options.onProgress?.({
      workspace: workspace.slug,
      step: live.step,
      refreshed: live.refreshed,
      total: Math.max(live.total, live.refreshed),
      requests: live.requests,
      budgetLeft: Math.max(0, budget - live.syncSpent),
      elapsedMs: now().getTime() - started,
    });
  const stepDependencies: SyncDependencies = {
    ...dependencies,
    settings: unpaced(dependencies.settings),
    onScope: (event) => {
      dependencies.onScope?.(event);
      // The Admin API's requests are paid from its own hour: progress counts Bitbucket's, beside its budget.
      if (scopeKind(parseScopeId(event.scope).kind).api === 'bitbucket') {
        live.requests += event.requests;
        live.syncSpent += event.requests;
      }
      if (event.outcome === 'applied' || event.outcome === 'held' || event.outcome === 'refused')
        live.refreshed += 1;
      emit();
      // A listing just changed how many scopes the pass has: count them again (two store queries).
      if (event.outcome === 'applied' && !scopeKind(parseScopeId(event.scope).kind).perResource) {
        void storedScopes(dependencies.store, workspace.id).then(
          (scopes) => (live.total = scopes.length),
          () => undefined,
        );
      }
    },
  };
  const stopped = (
    stopReason: PassStopReason,
    stoppedBecause: string,
    resumeAfter?: string,
  ): PassRunResult => ({
    completed: false,
    steps,
    requests: live.requests,
    capabilityGaps: steps.at(-1)?.capabilityGaps ?? [],
    stopReason,
    stoppedBecause,
    ...(resumeAfter ? { resumeAfter } : {}),
  });
  for (let step = 1; step <= (options.maxSteps ?? 1000); step++) {
    live.step = step;
    const syncSpentBefore = (await hours()).reduce((sum, spent) => sum + (spent.byPurpose.sync ?? 0), 0);
    const requestsBefore = live.requests;
    live.syncSpent = syncSpentBefore;
    const report = await runSyncStep(
      stepDependencies,
      workspace,
      now().getTime() + (options.stepTimeMs ?? DEFAULT_STEP_TIME_MS),
    );
    steps.push(report);
    // The step recorded exactly its requests as 'sync' in the ledger.
    Object.assign(live, {
      refreshed: report.pass.refreshed,
      total: report.pass.total,
      requests: requestsBefore + report.requests,
      syncSpent: syncSpentBefore + report.requests,
    });
    emit();
    const requests = live.requests;
    const { capabilityGaps } = report;
    if (report.passCompleted) return { completed: true, steps, requests, capabilityGaps };
    const detail = report.error ? `: ${report.error.message}` : '';
    switch (report.outcome) {
      case 'completed-due-scopes':
        if (report.scopesRefreshed > 0) continue;
        // Nothing was due, or only failing scopes were: more steps now would change nothing.
        return report.scopesFailed === 0
          ? {
              completed: true,
              steps,
              requests,
              capabilityGaps,
              stoppedBecause: 'every scope is fresher than its interval',
            }
          : stopped(
              'scopes-failing',
              `every due scope failed: ${await failingScopes(dependencies, workspace)}`,
            );
      case 'deadline':
        continue;
      case 'budget-exhausted':
      case 'no-budget-left': {
        // The earliest moment any identity's hour frees a request.
        const freesAt = (await hours())
          .map((spent) => spent.frees)
          .filter((at): at is number => at !== undefined)
          .reduce((earliest, at) => Math.min(earliest, at), Infinity);
        const frees = Number.isFinite(freesAt) ? new Date(freesAt).toISOString() : undefined;
        const per = ledgers.length > 1 ? ` (${ledgers.length} identities × ${budget / ledgers.length})` : '';
        return stopped(
          'budget-spent',
          `the rolling hour's sync budget of ${budget} requests${per} (SYNC_HOURLY_REQUEST_BUDGET) is spent`,
          frees,
        );
      }
      case 'rate-limited':
      case 'waiting-for-rate-limit':
        return stopped('rate-limited', `Bitbucket asked us to back off (429)${detail}`, report.resumeAfter);
      case 'credential-rejected':
        return stopped('credential-rejected', `Bitbucket refused the credential${detail}`);
      case 'not-administrable':
        return stopped('not-administrable', `the credential cannot administer ${workspace.slug}${detail}`);
      case 'lease-held':
        return stopped('lease-held', `another sync of ${workspace.slug} is running; run again when it ends`);
    }
  }
  return stopped('step-limit', `stopped after ${options.maxSteps ?? 1000} steps`);
}

/** The scopes whose last refresh failed, with the error, for people: up to three, then how many more. */
async function failingScopes(dependencies: SyncDependencies, workspace: WorkspaceRef): Promise<string> {
  const failing = (await dependencies.syncState.listScopeStates(workspace.id)).filter(
    (state) => state.lastError,
  );
  const named = failing.slice(0, 3).map((state) => `${state.scope} (${state.lastError!.message})`);
  const more = failing.length > 3 ? `, and ${failing.length - 3} more` : '';
  return named.length > 0 ? `${named.join('; ')}${more}` : 'see the sync status';
}
