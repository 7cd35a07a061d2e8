// Provisioning: safe grants and revocations of group membership and project/repository permissions,
// each an audited request (idempotency, the record of the calls made and the answer given).
export * from './provisioning-target.js';
export * from './provisioning-decision.js';
export * from './provisioning-errors.js';
export * from './grant-preconditions.js';
export type { CallDescription, CapabilityNeed, GrantChannel } from '../source/index.js';
export {
  provision,
  type BitbucketCallRecord,
  type ProvisioningDependencies,
  type ProvisioningResult,
} from './provision.js';
export {
  provisioningRequestRecord,
  runProvisioningRequest,
  type ProvisionedAnswer,
  type ProvisioningRequestDependencies,
  type ProvisioningRequestInput,
  type ProvisioningRequestOutcome,
} from './provisioning-request.js';
export {
  administrationForProvisioning,
  organizationCredentialMissing,
  type ProvisioningOrganization,
} from './membership-administration.js';
