// "Run steps until the pass completes", for the CLI and `npm start`: the same steps the scheduler runs,
// back to back, with a progress callback. It stops, never waits an hour, when the rolling-hour budget is
// spent or Bitbucket asks us to back off, and says when to resume.
import { runSyncStep, type StepReport, type SyncDependencies } from './sync-step.js';
import type { WorkspaceRef } from './scope-refresh.js';

export interface PassProgress {
  workspace: string;
  step: number;
  refreshed: number;
  total: number;
  requests: number;
  budgetLeft: number;
  elapsedMs: number;
}

export interface PassRunResult {
  completed: boolean;
  steps: StepReport[];
  requests: number;
  /** Why it stopped before completing, when it did. */
  stoppedBecause?: string;
  resumeAfter?: string;
}

export interface RunUntilCompleteOptions {
  /** Time given to each step. */
  stepTimeMs?: number;
  maxSteps?: number;
  onProgress?: (progress: PassProgress) => void;
}

export async function runUntilPassComplete(
  dependencies: SyncDependencies,
  workspace: WorkspaceRef,
  options: RunUntilCompleteOptions = {},
): Promise<PassRunResult> {
  const now = dependencies.now ?? (() => new Date());
  const started = now().getTime();
  const steps: StepReport[] = [];
  let requests = 0;
  for (let step = 1; step <= (options.maxSteps ?? 1000); step++) {
    const report = await runSyncStep(
      dependencies,
      workspace,
      now().getTime() + (options.stepTimeMs ?? 60_000),
    );
    steps.push(report);
    requests += report.requests;
    options.onProgress?.({
      workspace: workspace.slug,
      step,
      refreshed: report.pass.refreshed,
      total: report.pass.total,
      requests,
      budgetLeft: Math.max(0, dependencies.settings.hourlyRequestBudget - requests),
      elapsedMs: now().getTime() - started,
    });
    if (report.passCompleted) return { completed: true, steps, requests };
    if (report.outcome !== 'completed-due-scopes' && report.outcome !== 'deadline') {
      return {
        completed: false,
        steps,
        requests,
        stoppedBecause: report.error ? `${report.outcome}: ${report.error.message}` : report.outcome,
        ...(report.resumeAfter ? { resumeAfter: report.resumeAfter } : {}),
      };
    }
    if (report.outcome === 'completed-due-scopes' && report.scopesRefreshed === 0) {
      // Nothing was due, or only failing scopes were: more steps now would change nothing.
      return report.scopesFailed === 0
        ? { completed: true, steps, requests, stoppedBecause: 'every scope is fresher than its interval' }
        : {
            completed: false,
            steps,
            requests,
            stoppedBecause: 'every due scope failed; see the sync status',
          };
    }
  }
  return { completed: false, steps, requests, stoppedBecause: 'step limit reached' };
}
