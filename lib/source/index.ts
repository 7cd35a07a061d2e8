export type {
  CallDescription,
  CapabilityNeed,
  GovernanceSource,
  GrantChannel,
  ProvisioningTarget,
  ScopeTarget,
  SourceCall,
  SourceWorkspace,
  TargetPrincipal,
} from './governance-source.js';
