export type { GovernanceSource, ScopeTarget, SourceCall, SourceWorkspace } from './governance-source.js';
