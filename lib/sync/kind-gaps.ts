// Refusals of one step by scope kind: after a few refusals of one per-resource kind and no success, its
// other scopes take the same capability gap without a call.
import type { ScopeKind } from '../model/index.js';
import type { CapabilityGap } from '../store/sync-state.js';

/**
 * After this many refusals of one per-resource kind in a step with no success of that kind, the rest of
 * its due scopes take the same gap without a call: a token lacking `read:repository:bitbucket` would
 * otherwise spend two requests (the 401 and its retry after re-reading the credential) on every repository.
 */
export const REFUSALS_BEFORE_INFERRING_A_KIND_GAP = 3;

/**
 * The refusals of one step, by kind: after `REFUSALS_BEFORE_INFERRING_A_KIND_GAP` refusals of a kind and
 * no success of it, the kind's remaining scopes take the last gap without a call.
 */
export class KindGaps {
  readonly #refusals = new Map<ScopeKind, { count: number; scope: string; gap: CapabilityGap }>();
  readonly #read = new Set<ScopeKind>();

  refused(kind: ScopeKind, scope: string, gap: CapabilityGap): void {
    const known = this.#refusals.get(kind);
    this.#refusals.set(kind, { count: (known?.count ?? 0) + 1, scope, gap });
  }

  read(kind: ScopeKind): void {
    this.#read.add(kind);
  }

  /**
   * The gap to record without a call, or undefined when the scope should be tried. Keeps the `since` of
   * the scope's `previous` gap. An inferred gap is retried at its kind's interval, not the gap interval.
   */
  inferred(kind: ScopeKind, at: string, previous?: CapabilityGap): CapabilityGap | undefined {
    const refusals = this.#refusals.get(kind);
    if (!refusals || this.#read.has(kind) || refusals.count < REFUSALS_BEFORE_INFERRING_A_KIND_GAP)
      return undefined;
    return {
      ...refusals.gap,
      since: previous?.since ?? at,
      checkedAt: at,
      inferredFrom: `${refusals.count} refusals of ${kind} scopes in the same step (last: ${refusals.scope})`,
    };
  }
}
