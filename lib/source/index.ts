export type {
  AbsenceCheck,
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
