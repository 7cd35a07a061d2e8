// The end of a sync step (DESIGN §4): what it reports, and the pass bookkeeping that decides whether the
// pass is complete and what the workspace status says until the next step.
import type { IdentityReport } from './sync-lanes.js';
import { RateLimited } from '../bitbucket/index.js';
import { scopeId, type ScopeRef } from '../model/index.js';
import type {
  CapabilityGapSummary,
  ScopeError,
  SyncStateStore,
  WorkspaceSyncStatus,
} from '../store/sync-state.js';
import { scopeError, type ScopeBook, type ScopeCounts } from './scope-book.js';
import { freshnessByKind } from './scope-plan.js';
import type { WorkspaceRef } from './scope-refresh.js';

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

export interface StepReport extends ScopeCounts {
  workspace: string;
  outcome: StepOutcome;
  requests: number;
  holds: string[];
  passCompleted: boolean;
  pass: { startedAt: string; refreshed: number; total: number };
  freshnessSeconds: Record<string, number | null>;
  resumeAfter?: string;
  error?: ScopeError;
  /** What the credential cannot read, by kind, after this step (empty: nothing). */
  capabilityGaps: CapabilityGapSummary[];
  /** Requests this step sent to the Atlassian Admin API (its own hour; not in `requests`). */
  adminApiRequests: number;
  /** With several Bitbucket identities: each one's requests, and why it sat out or what it was refused. */
  identities?: IdentityReport[];
}

/**
 * Pass bookkeeping after a step: the pass is complete when every scope the credential can read has been
 * refreshed (or is held) since it began; a scope it may not read (a capability gap) is listed on the pass
 * instead. Writes the workspace status and answers the step's report.
 */
export async function settleStep(
  dependencies: { syncState: Pick<SyncStateStore, 'putStatus'>; rateLimitPauseMs: number },
  workspace: WorkspaceRef,
  status: WorkspaceSyncStatus,
  step: {
    passStartedAt: string;
    book: ScopeBook;
    scopes: ScopeRef[];
    capabilityGaps: CapabilityGapSummary[];
    outcome: StepOutcome;
    stop: { outcome: StepOutcome; reason?: unknown } | undefined;
    stepStart: Date;
    requests: number;
    adminApiRequests: number;
    endedAt: Date;
  },
): Promise<StepReport> {
  const { book, scopes, capabilityGaps, outcome, stop, endedAt, passStartedAt } = step;
  const passStart = Date.parse(passStartedAt);
  const settled = (scope: ScopeRef) => {
    const state = book.states.get(scopeId(scope));
    return (
      Boolean(state?.hold) ||
      Boolean(state?.capabilityGap) ||
      (state?.refreshedAt !== undefined && Date.parse(state.refreshedAt) >= passStart)
    );
  };
  const refreshed = scopes.filter(settled).length;
  const passRequests = status.passRequests + step.requests;
  const passAdminApiRequests = (status.passAdminApiRequests ?? 0) + step.adminApiRequests;
  const passCompleted = refreshed === scopes.length && !stop;
  const pass = { startedAt: passStartedAt, refreshed, total: scopes.length };
  if (passCompleted) {
    status.lastCompletedPass = {
      startedAt: passStartedAt,
      completedAt: endedAt.toISOString(),
      requests: passRequests,
      ...(passAdminApiRequests > 0 ? { adminApiRequests: passAdminApiRequests } : {}),
      scopes: scopes.length,
      ...(capabilityGaps.length > 0 ? { capabilityGaps } : {}),
    };
    delete status.passStartedAt;
    status.passRequests = 0;
    delete status.passAdminApiRequests;
  } else {
    status.passRequests = passRequests;
    if (passAdminApiRequests > 0) status.passAdminApiRequests = passAdminApiRequests;
  }
  if (stop?.outcome === 'rate-limited') {
    const retryAfterMs = stop.reason instanceof RateLimited ? stop.reason.retryAfterMs : undefined;
    status.resumeAfter = new Date(
      endedAt.getTime() + (retryAfterMs ?? dependencies.rateLimitPauseMs),
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
    at: step.stepStart.toISOString(),
    outcome,
    requests: step.requests,
    scopesRefreshed: book.counts.scopesRefreshed,
    changes: book.counts.changes,
  };
  await dependencies.syncState.putStatus(status);

  return {
    workspace: workspace.slug,
    outcome,
    ...book.counts,
    requests: step.requests,
    holds: [...book.states.values()].filter((state) => state.hold).map((state) => state.scope),
    passCompleted,
    pass,
    freshnessSeconds: freshnessByKind(scopes, book.states, endedAt.getTime()),
    ...(status.resumeAfter ? { resumeAfter: status.resumeAfter } : {}),
    ...(status.lastError ? { error: status.lastError } : {}),
    capabilityGaps,
    adminApiRequests: step.adminApiRequests,
  };
}
