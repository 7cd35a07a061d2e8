export type {
  AbsenceCheck,
  CallDescription,
  CapabilityNeed,
  GovernanceSource,
  GrantChannel,
  ProvisioningTarget,
  ScopeLister,
  ScopeTarget,
  SourceCall,
  SourceWorkspace,
  TargetPrincipal,
} from './governance-source.js';
