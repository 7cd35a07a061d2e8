// Every scope of a workspace as the store knows it: the listings, and one scope per stored resource of
// each per-resource kind (scope-kinds.ts).
import type { ScopeRef } from '../model/index.js';
import type { GovernanceStore } from '../store/index.js';
import type { WorkspaceAdministration } from '../store/sync-state.js';
import { scopesOf } from './scope-plan.js';
import { PER_RESOURCE_KINDS, type ScopeApi } from './scope-kinds.js';

/**
 * The workspace's scopes from the resources stored now (one store query per per-resource kind), for the
 * APIs it is read through (default Bitbucket alone).
 */
export async function storedScopes(
  store: GovernanceStore,
  workspaceId: string,
  apis: readonly ScopeApi[] = ['bitbucket'],
): Promise<ScopeRef[]> {
  const types = PER_RESOURCE_KINDS.map((row) => row.perResource.resourceType);
  const listed = await Promise.all(types.map((type) => store.listResources(workspaceId, type)));
  return scopesOf(
    Object.fromEntries(types.map((type, i) => [type, listed[i]!.map((entry) => entry.item.id)])),
    apis,
  );
}

/** The APIs a workspace's scopes are read through, from its administration as the sync last found it. */
export function scopeApisOf(administration: WorkspaceAdministration | undefined): ScopeApi[] {
  return administration?.orgGroupsRead ? ['bitbucket', 'atlassian-admin'] : ['bitbucket'];
}
