// Provisioning: safe grants and revocations of group membership and project/repository permissions.
export * from './provisioning-target.js';
export * from './provisioning-decision.js';
export * from './provisioning-errors.js';
export {
  grantChannel,
  type CallDescription,
  type CapabilityNeed,
  type GrantChannel,
} from './grant-channels.js';
export { provision, type ProvisioningDependencies, type ProvisioningResult } from './provision.js';
