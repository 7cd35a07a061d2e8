export * from './sync-step.js';
export * from './run-until-complete.js';
export * from './governed-workspaces.js';
export { refreshScope, type WorkspaceRef, type DeletionGuard } from './scope-refresh.js';
export {
  dueScopes,
  freshnessByKind,
  LISTING_SCOPES,
  PERIODIC_LISTING_BUDGET_SHARE,
  scopesOf,
  stretchedIntervals,
} from './scope-plan.js';
export { SCOPE_KINDS, scopeKind, type ScopeKindRow, type PerResourceKind } from './scope-kinds.js';
export { scopeApisOf, storedScopes } from './stored-scopes.js';
export * from './settings.js';
export { coverageOf, gapScopeCount, summariseGaps, type Coverage } from './gap-summary.js';
export { additionalSyncIdentities, type SyncIdentity } from './sync-lanes.js';
