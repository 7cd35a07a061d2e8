// Refreshing one scope: read its complete listing from the source, hold a mass removal, apply the diff,
// and clean up the per-resource scopes of resources that disappeared. A listing that fails midway throws
// before anything is written, so a failed read never deletes good data. What differs by kind comes from
// its row in scope-kinds.ts.
import type { CallOptions } from '../bitbucket/index.js';
import type { GovernanceItem, ScopeRef } from '../model/index.js';
import type { GovernanceSource, ScopeTarget } from '../source/index.js';
import type { ApplyResult, GovernanceStore, Observed } from '../store/index.js';
import type { DeletionHold } from '../store/sync-state.js';
import { perResourceKindListedBy, scopeKind } from './scope-kinds.js';

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
  /** `orphanedScopes`: per-resource scopes emptied because their resource left the listing. */
  | { status: 'applied'; result: ApplyResult; orphanedScopes: ScopeRef[] }
  | { status: 'held'; hold: DeletionHold }
  | { status: 'vanished' };

export interface RefreshContext {
  source: GovernanceSource;
  store: GovernanceStore;
  workspace: WorkspaceRef;
  call: CallOptions;
  guard: DeletionGuard;
  /** Apply a removal above the guard's share (the hold was released). */
  holdReleased: boolean;
  now: () => Date;
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
  if (!type || context.holdReleased) return undefined;
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
  const observed = await context.source.listScope(context.workspace, target, context.call);
  // Read what is stored once: the guard and the diff both compare against it.
  const stored = await context.store.readScope(context.workspace.id, scope);
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
  return { status: 'applied', result, orphanedScopes };
}
