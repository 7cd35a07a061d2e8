// Refreshing one scope: read its complete listing from the source, merge what the pages repeated and
// confirm what they skipped (confirmed-listing.ts), hold a mass removal, apply the diff, and clean up the
// per-resource scopes of resources that disappeared. A listing that fails midway throws before anything is
// written, so a failed read never deletes good data, and one walk missing an item never deletes it either.
// What differs by kind comes from its row in scope-kinds.ts.
import type { CallOptions } from '../bitbucket/index.js';
import { scopeId, type GovernanceItem, type ScopeRef } from '../model/index.js';
import { logger } from '../observability/index.js';
import type { ScopeLister, ScopeTarget } from '../source/index.js';
import type { ApplyResult, GovernanceStore, Observed } from '../store/index.js';
import type { DeletionHold, ScopeState } from '../store/sync-state.js';
import { listConfirmed, type DriftCounts } from './confirmed-listing.js';
import { perResourceKindListedBy, scopeKind } from './scope-kinds.js';

export type { DriftCounts } from './confirmed-listing.js';

export interface WorkspaceRef {
  /** Bare lower-case uuid: the store's partition. */
  id: string;
  /** Bitbucket slug: what the API calls use. */
  slug: string;
}

export interface DeletionGuard {
  /** Hold a diff that removes more than this share of the stored scope. */
  maxRemovalShare: number;
  /** Scopes smaller than this are never held (removing 2 of 5 members is ordinary). */
  minimumStoredItems: number;
}

export type RefreshOutcome =
  /**
   * `orphanedScopes`: per-resource scopes emptied because their resource left the listing. `drift`: what
   * the pages repeated or skipped and what confirming cost. `reread`: set when part of the listing could
   * not be trusted (repeats that differed, removals left unconfirmed): read the scope again soon.
   */
  | {
      status: 'applied';
      result: ApplyResult;
      orphanedScopes: ScopeRef[];
      drift: DriftCounts;
      reread?: { reason: string };
    }
  | { status: 'held'; hold: DeletionHold }
  | { status: 'vanished' };

export interface RefreshContext {
  source: ScopeLister;
  store: GovernanceStore;
  workspace: WorkspaceRef;
  call: CallOptions;
  guard: DeletionGuard;
  /**
   * The most removals a released hold allows (the released hold's count; Infinity for a release recorded
   * before counts were kept); undefined when no hold was released.
   */
  releasedRemovals: number | undefined;
  now: () => Date;
  /** Direct reads a refresh may spend confirming removals before keeping the rest; default 10. */
  confirmationLimit?: number;
}

/** The removals a scope's released hold allows (RefreshContext.releasedRemovals), from its stored state. */
export function releasedRemovalsOf(state: Pick<ScopeState, 'holdReleased' | 'holdRelease'> | undefined) {
  if (state?.holdReleased !== true) return undefined;
  return state.holdRelease?.removals ?? Number.POSITIVE_INFINITY;
}

/** What to list for a scope: per-resource scopes are addressed by their stored resource's key or slug. */
async function targetOf(context: RefreshContext, scope: ScopeRef): Promise<ScopeTarget | 'vanished'> {
  const perResource = scopeKind(scope.kind).perResource;
  if (!perResource) return scope as ScopeTarget;
  const id = perResource.resourceIdOf(scope);
  const stored = await context.store.getResource(context.workspace.id, perResource.resourceType, id);
  if (!stored) return 'vanished';
  return perResource.targetOf(id, stored.item.attributes);
}

function deletionHold(
  context: RefreshContext,
  scope: ScopeRef,
  stored: readonly Observed[],
  observed: GovernanceItem[],
  since: string,
): DeletionHold | undefined {
  const type = scopeKind(scope.kind).guardedType;
  if (!type) return undefined;
  const storedIds = stored
    .filter(({ item }) => item.kind === 'resource' && item.type === type)
    .map(({ item }) => (item as { id: string }).id);
  if (storedIds.length < context.guard.minimumStoredItems) return undefined;
  const observedIds = new Set(
    observed
      .filter((item) => item.kind === 'resource' && item.type === type)
      .map((item) => (item as { id: string }).id),
  );
  const removals = storedIds.filter((id) => !observedIds.has(id)).length;
  if (removals / storedIds.length <= context.guard.maxRemovalShare) return undefined;
  // A release covers the hold its caller saw, not a larger removal that came after it.
  if (context.releasedRemovals !== undefined && removals <= context.releasedRemovals) return undefined;
  return { since, removals, storedCount: storedIds.length, observedCount: observedIds.size };
}

/** Empties the per-resource scopes of resources the listing no longer has (their scopes are gone). */
async function removeOrphanedScopes(
  context: RefreshContext,
  scope: ScopeRef,
  result: ApplyResult,
  observedAt: string,
): Promise<ScopeRef[]> {
  const child = perResourceKindListedBy(scope.kind)?.perResource;
  if (!child) return [];
  const removed = result.changes
    .filter((change) => change.before?.kind === 'resource' && change.after === null)
    .map((change) => child.scopeOf((change.before as { id: string }).id));
  for (const orphan of removed) {
    await context.store.applyScopeDiff(context.workspace.id, orphan, [], observedAt, {
      cause: 'sync',
      actor: 'sync',
    });
  }
  return removed;
}

export async function refreshScope(context: RefreshContext, scope: ScopeRef): Promise<RefreshOutcome> {
  // The observation time is when the read began: anything written after that by a faster writer wins.
  const observedAt = context.now().toISOString();
  const target = await targetOf(context, scope);
  if (target === 'vanished') return { status: 'vanished' };
  // Read what is stored once: the confirmation, the guard and the diff all compare against it.
  const stored = await context.store.readScope(context.workspace.id, scope);
  const listing = await listConfirmed(
    {
      source: context.source,
      workspace: context.workspace,
      call: context.call,
      ...(context.confirmationLimit === undefined ? {} : { confirmationLimit: context.confirmationLimit }),
    },
    target,
    stored,
  );
  const { items: observed, drift, reread } = listing;
  // Confirmed removals alone are ordinary; repeats and kept removals are the pages moving.
  if (drift.repeatsMerged > 0 || drift.removalsKept > 0) {
    logger.info('listing drift', {
      workspace: context.workspace.slug,
      scope: scopeId(scope),
      ...drift,
      reread,
    });
  }
  // The guard looks at confirmed removals only: a walk that skipped items is not a mass deletion.
  const hold = deletionHold(context, scope, stored, observed, observedAt);
  if (hold) return { status: 'held', hold };
  const result = await context.store.applyScopeDiff(
    context.workspace.id,
    scope,
    observed,
    observedAt,
    { cause: 'sync', actor: 'sync' },
    { stored },
  );
  const orphanedScopes = await removeOrphanedScopes(context, scope, result, observedAt);
  return { status: 'applied', result, orphanedScopes, drift, ...(reread ? { reread } : {}) };
}
