export * from './sync-step.js';
export * from './run-until-complete.js';
export * from './governed-workspaces.js';
export { refreshScope, type WorkspaceRef, type DeletionGuard } from './scope-refresh.js';
export {
  allScopes,
  dueScopes,
  freshnessByKind,
  LISTING_SCOPES,
  PERIODIC_LISTING_BUDGET_SHARE,
  stretchedIntervals,
} from './scope-plan.js';
export * from './settings.js';
