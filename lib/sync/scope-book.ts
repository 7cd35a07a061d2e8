// What one sync step learned about each scope, written down as it goes: the scope states (freshness,
// cost, hold, capability gap, last error), the step's counters and the progress callback. The step
// decides what happened to a scope; this book records it the same way every time.
import { AdminApiError } from '../atlassian-admin/index.js';
import { describeGap, NotFound } from '../bitbucket/index.js';
import { scopeId, type ScopeRef } from '../model/index.js';
import { logger } from '../observability/index.js';
import type {
  CapabilityGap,
  DeletionHold,
  ScopeError,
  ScopeState,
  SyncStateStore,
} from '../store/sync-state.js';
import { BitbucketError } from '../bitbucket/index.js';
import type { DueScope } from './scope-plan.js';
import { scopeKind } from './scope-kinds.js';
import type { WorkspaceRef } from './scope-refresh.js';

/** Passed to `onScope` after each scope, for progress display and logs. */
export interface ScopeEvent {
  workspace: string;
  scope: string;
  /** `refused`: the credential may not read this scope (a capability gap; the step goes on). */
  outcome: 'applied' | 'held' | 'failed' | 'vanished' | 'refused';
  requests: number;
  changes: number;
  error?: string;
}

/** The step's counts of what happened to its scopes. */
export interface ScopeCounts {
  scopesRefreshed: number;
  scopesFailed: number;
  /** Scopes the credential was refused this step (capability gaps; not failures). */
  scopesRefused: number;
  /** Store changes written (added, changed, removed items). */
  changes: number;
}

/** A step's failure as stored on a scope or the workspace status: what, when, and which call when known. */
export function scopeError(error: unknown, at: string): ScopeError {
  if (error instanceof BitbucketError) {
    return {
      at,
      message: error.message,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.endpoint ? { endpoint: error.endpoint } : {}),
    };
  }
  if (error instanceof AdminApiError) {
    return { at, message: error.message, status: error.status, endpoint: error.endpoint };
  }
  return { at, message: error instanceof Error ? error.message : String(error) };
}

export class ScopeBook {
  readonly counts: ScopeCounts = { scopesRefreshed: 0, scopesFailed: 0, scopesRefused: 0, changes: 0 };
  readonly #states: Map<string, ScopeState>;

  constructor(
    private readonly syncState: SyncStateStore,
    private readonly workspace: WorkspaceRef,
    states: readonly ScopeState[],
    private readonly onScope?: (event: ScopeEvent) => void,
  ) {
    this.#states = new Map(states.map((state) => [state.scope, state]));
  }

  /** Every scope's state as the step knows it now, by scope id. */
  get states(): ReadonlyMap<string, ScopeState> {
    return this.#states;
  }

  /**
   * Makes every gap recorded with a credential not among `credentials` (the fingerprints of the step's
   * identities) due now, in this step's view only: the gap stays reported until the scope is read or
   * refused again.
   */
  retryGapsNotOf(credentials: readonly string[]): void {
    for (const [id, state] of this.#states) {
      const gap = state.capabilityGap;
      if (gap && (gap.credential === undefined || !credentials.includes(gap.credential))) {
        this.#states.set(id, { ...state, capabilityGap: { ...gap, checkedAt: new Date(0).toISOString() } });
      }
    }
  }

  /** A copy of a scope's state to change and record (a fresh one for a scope never seen). */
  stateOf(id: string): ScopeState {
    return { ...(this.#states.get(id) ?? {}), scope: id };
  }

  /** Requests the last refresh of a scope cost, when known. */
  lastCost(id: string): number | undefined {
    return this.#states.get(id)?.requests;
  }

  /**
   * A refresh applied at `at` (the read's start): fresh, no longer held, refused or failing, and no
   * longer dirty unless `reread` says part of the listing could not be trusted (pages that moved while
   * they were read): then it stays marked, with that reason, for the next step.
   */
  async applied(
    due: DueScope,
    at: string,
    requests: number,
    changes: number,
    orphanedScopes: readonly ScopeRef[],
    reread?: { reason: string },
  ): Promise<void> {
    const state = this.stateOf(due.id);
    state.refreshedAt = at;
    state.requests = requests;
    const settled = [
      'dirty',
      'dirtyReason',
      'lastError',
      'hold',
      'holdReleased',
      'holdRelease',
      'capabilityGap',
    ] as const;
    for (const field of settled) delete state[field];
    if (reread) {
      state.dirty = true;
      state.dirtyReason = reread.reason;
    }
    this.counts.scopesRefreshed += 1;
    this.counts.changes += changes;
    for (const orphan of orphanedScopes) {
      this.#states.delete(scopeId(orphan));
      await this.syncState.deleteScopeState(this.workspace.id, scopeId(orphan));
    }
    await this.#put(state);
    this.#tell(due, 'applied', requests, changes);
  }

  /** A refresh whose removals the deletion guard holds for release. */
  async held(due: DueScope, hold: DeletionHold, requests: number): Promise<void> {
    const state = this.stateOf(due.id);
    state.hold = hold;
    state.dirty = false;
    state.requests = requests;
    // Read fine, only held: no longer refused.
    delete state.lastError;
    delete state.capabilityGap;
    await this.#put(state);
    this.#tell(due, 'held', requests, 0);
  }

  /** The scope's resource is gone from the store: the scope and its state go with it. */
  async vanished(due: DueScope): Promise<void> {
    this.#states.delete(due.id);
    await this.syncState.deleteScopeState(this.workspace.id, due.id);
    this.#tell(due, 'vanished', 0, 0);
  }

  /** The credential may not read the scope: record the gap (logged once per new refusal). */
  async refused(due: DueScope, gap: CapabilityGap, requests: number): Promise<void> {
    const state = this.stateOf(due.id);
    const known = state.capabilityGap;
    state.capabilityGap = gap;
    state.requests = Math.max(requests, state.requests ?? 0);
    for (const settled of ['dirty', 'dirtyReason', 'lastError'] as const) delete state[settled];
    this.counts.scopesRefused += 1;
    await this.#put(state);
    if (!gap.inferredFrom && (known?.endpoint !== gap.endpoint || known?.status !== gap.status)) {
      logger.warn(
        'capability gap: the credential may not read a scope; the rest of the workspace keeps syncing',
        {
          workspace: this.workspace.slug,
          scope: due.id,
          status: gap.status,
          endpoint: gap.endpoint,
          likelyMissing: gap.likelyMissing,
          detail: describeGap(due.id, gap),
        },
      );
    }
    this.#tell(due, 'refused', requests, 0, describeGap(due.id, gap));
  }

  /**
   * A listing that could not finish for lack of budget: remember that it costs at least `spent + 1`, so
   * it is not started again until the hour has that much left (nothing spent twice on a listing that
   * cannot finish). Not a failure of the scope.
   */
  async unfinished(due: DueScope, spent: number): Promise<void> {
    const state = this.stateOf(due.id);
    state.requests = Math.max(state.requests ?? 0, spent + 1);
    await this.#put(state);
  }

  /**
   * A refresh that failed: the error is kept on the scope. A per-resource listing answering 404 means
   * its resource went away since the parent listing was read: that listing is marked for a re-read.
   */
  async failed(due: DueScope, error: unknown, at: string, requests: number): Promise<void> {
    const state = this.stateOf(due.id);
    state.lastError = scopeError(error, at);
    state.requests = requests;
    this.counts.scopesFailed += 1;
    const perResource = scopeKind(due.scope.kind).perResource;
    if (error instanceof NotFound && perResource) {
      await this.syncState.markDirty(
        this.workspace.id,
        [perResource.parentListing],
        `${due.scope.kind} listing answered 404`,
      );
    }
    await this.#put(state);
    this.#tell(due, 'failed', requests, 0, state.lastError.message);
  }

  /** A listing that costs more than the sync's whole hourly budget: not read, said so on the scope. */
  async unaffordable(due: DueScope, message: string, at: string): Promise<void> {
    const state = this.stateOf(due.id);
    state.lastError = { at, message };
    this.counts.scopesFailed += 1;
    await this.#put(state);
  }

  async #put(state: ScopeState): Promise<void> {
    this.#states.set(state.scope, state);
    await this.syncState.putScopeState(this.workspace.id, state);
  }

  #tell(due: DueScope, outcome: ScopeEvent['outcome'], requests: number, changes: number, error?: string) {
    this.onScope?.({
      workspace: this.workspace.slug,
      scope: due.id,
      outcome,
      requests,
      changes,
      ...(error !== undefined ? { error } : {}),
    });
  }
}
