// Refreshing one scope: read its complete listing, translate it, hold a mass removal, apply the diff,
// and clean up the grant scopes of resources that disappeared. A listing that fails midway throws before
// anything is written, so a failed read never deletes good data.
import type { BitbucketClient, CallOptions } from '../bitbucket/index.js';
import type { GovernanceItem, ScopeRef } from '../model/index.js';
import type { ApplyResult, GovernanceStore, Observed } from '../store/index.js';
import type { DeletionHold } from '../store/sync-state.js';
import {
  observeGroups,
  observeMembers,
  observeProjectGrants,
  observeProjects,
  observeRepositories,
  observeRepositoryGrants,
} from './observations.js';

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
  | { status: 'applied'; result: ApplyResult; removedResources: string[] }
  | { status: 'held'; hold: DeletionHold }
  | { status: 'vanished' };

export interface RefreshContext {
  client: BitbucketClient;
  store: GovernanceStore;
  workspace: WorkspaceRef;
  call: CallOptions;
  guard: DeletionGuard;
  /** Apply a removal above the guard's share (the hold was released). */
  holdReleased: boolean;
  now: () => Date;
}

/** Reads the scope's listing from Bitbucket and returns the items it observed. */
async function observeScope(
  context: RefreshContext,
  scope: ScopeRef,
): Promise<GovernanceItem[] | 'vanished'> {
  const { client, store, workspace, call } = context;
  switch (scope.kind) {
    case 'members':
      return observeMembers(workspace.id, await client.listWorkspaceMembers(workspace.slug, call));
    case 'groups':
      return observeGroups(await client.listGroups(workspace.slug, call));
    case 'projects':
      return observeProjects(await client.listProjects(workspace.slug, call));
    case 'repositories':
      return observeRepositories(await client.listRepositories(workspace.slug, {}, call));
    case 'project-grants': {
      const project = await store.getResource(workspace.id, 'project', scope.projectId);
      if (!project) return 'vanished';
      const key = project.item.attributes.key;
      const [users, groups] = await Promise.all([
        client.listProjectUserGrants(workspace.slug, key, call),
        client.listProjectGroupGrants(workspace.slug, key, call),
      ]);
      return observeProjectGrants(scope.projectId, users, groups);
    }
    case 'repository-grants': {
      const repository = await store.getResource(workspace.id, 'repository', scope.repositoryId);
      if (!repository) return 'vanished';
      const slug = repository.item.attributes.slug;
      const [users, groups] = await Promise.all([
        client.listRepositoryUserGrants(workspace.slug, slug, call),
        client.listRepositoryGroupGrants(workspace.slug, slug, call),
      ]);
      return observeRepositoryGrants(scope.repositoryId, users, groups);
    }
  }
}

/** The resource type whose mass disappearance the guard watches in this scope, if any. */
function guardedType(scope: ScopeRef): 'user' | 'repository' | undefined {
  if (scope.kind === 'members') return 'user';
  if (scope.kind === 'repositories') return 'repository';
  return undefined;
}

function deletionHold(
  context: RefreshContext,
  scope: ScopeRef,
  stored: readonly Observed[],
  observed: GovernanceItem[],
  since: string,
): DeletionHold | undefined {
  const type = guardedType(scope);
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

/** Removes the grants of projects or repositories the listing no longer has (their scopes are gone). */
async function removeOrphanedGrants(
  context: RefreshContext,
  scope: ScopeRef,
  result: ApplyResult,
  observedAt: string,
): Promise<string[]> {
  if (scope.kind !== 'projects' && scope.kind !== 'repositories') return [];
  const removed = result.changes
    .filter((change) => change.before?.kind === 'resource' && change.after === null)
    .map((change) => (change.before as { id: string }).id);
  for (const id of removed) {
    const grants: ScopeRef =
      scope.kind === 'projects'
        ? { kind: 'project-grants', projectId: id }
        : { kind: 'repository-grants', repositoryId: id };
    await context.store.applyScopeDiff(context.workspace.id, grants, [], observedAt, {
      cause: 'sync',
      actor: 'sync',
    });
  }
  return removed;
}

export async function refreshScope(context: RefreshContext, scope: ScopeRef): Promise<RefreshOutcome> {
  // The observation time is when the read began: anything written after that by a faster writer wins.
  const observedAt = context.now().toISOString();
  const observed = await observeScope(context, scope);
  if (observed === 'vanished') return { status: 'vanished' };
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
  const removedResources = await removeOrphanedGrants(context, scope, result, observedAt);
  return { status: 'applied', result, removedResources };
}
