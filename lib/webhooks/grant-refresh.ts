// Re-reads one per-resource scope (a repository's or project's explicit grants) from the source and
// applies the diff, recorded as caused by a webhook. The same listing as the sync's, but addressed by the
// slug or key the event names, so a just-renamed repository is read under its new name.
import type { CallOptions } from '../bitbucket/index.js';
import type { ScopeRef } from '../model/index.js';
import type { GovernanceSource, ScopeTarget } from '../source/index.js';
import type { ApplyResult, GovernanceStore } from '../store/index.js';
import { listConfirmed } from '../sync/confirmed-listing.js';
import { scopeKind, type PerResourceKind } from '../sync/scope-kinds.js';

/** A per-resource scope to re-read, with the address the event gives it. */
export type GrantTarget = Extract<ScopeTarget, { kind: 'repository-grants' | 'project-grants' }>;

export interface GrantRefreshContext {
  source: GovernanceSource;
  store: GovernanceStore;
  workspace: { id: string; slug: string };
  call: CallOptions;
  now: () => Date;
}

function perResourceOf(target: GrantTarget): PerResourceKind {
  const perResource = scopeKind(target.kind).perResource;
  if (!perResource) throw new Error(`${target.kind} is not a per-resource scope kind`);
  return perResource;
}

/** The stored scope a target refreshes (the target without its address). */
export function grantScope(target: GrantTarget): ScopeRef {
  const perResource = perResourceOf(target);
  return perResource.scopeOf(perResource.resourceIdOf(target));
}

/** The listing whose items are the target's resources: re-read when the target's listing answers 404. */
export function parentListingOf(target: GrantTarget): string {
  return perResourceOf(target).parentListing;
}

/** Requests one refresh of the target costs at least. */
export function leastCostOf(target: GrantTarget): number {
  return scopeKind(target.kind).leastCost;
}

/**
 * Lists the target from the source and applies the diff, the way the sync does: repeated items merged,
 * a grant one walk skipped removed only once confirmed (lib/sync/confirmed-listing.ts). `reread` is set
 * when part of the listing could not be trusted: the caller marks the scope for the sync. Throws the
 * source's errors; writes nothing then.
 */
export async function refreshGrants(
  context: GrantRefreshContext,
  target: GrantTarget,
): Promise<{ result: ApplyResult; reread?: { reason: string } }> {
  const { source, workspace, call } = context;
  // Observed when the read began: a write that lands meanwhile from a later read wins.
  const observedAt = context.now().toISOString();
  const scope = grantScope(target);
  const stored = await context.store.readScope(workspace.id, scope);
  const listing = await listConfirmed({ source, workspace, call }, target, stored);
  const result = await context.store.applyScopeDiff(
    workspace.id,
    scope,
    listing.items,
    observedAt,
    { cause: 'webhook', actor: 'webhook' },
    { stored },
  );
  return { result, ...(listing.reread ? { reread: listing.reread } : {}) };
}
