// The Atlassian Admin API client's public API (ADMIN-API.md; DESIGN §8 "atlassian-admin/").
export {
  ADMIN_PAGE_LIMIT,
  AdminApiClient,
  DEFAULT_ADMIN_API_URL,
  EVERY_DIRECTORY,
  cursorOf,
} from './client.js';
export type {
  AdminApiClientOptions,
  AdminBitbucketWorkspace,
  GroupSearchFilter,
  UserSearchFilter,
} from './client.js';
export { parseRateLimitReset } from './transport.js';
export type { AdminRequestObservation, OrganizationCredential } from './transport.js';
export { adminEndpoints, describeAdminCall } from './endpoints.js';
export type { AdminCallDescription, AdminEndpointName, AdminHttpMethod } from './endpoints.js';
export * from './errors.js';
export {
  bitbucketRoleOf,
  bitbucketWorkspaceResourceId,
  workspaceUuidOfResourceId,
} from './bitbucket-resources.js';
export type { BitbucketWorkspaceRole } from './bitbucket-resources.js';
export { AdminDirectory, AdminGroup, AdminRoleAssignment, AdminUser } from './schemas.js';
export type { CallOptions } from '../bitbucket/transport.js';
export {
  organizationAccess,
  OrganizationNotConfigured,
  requireOrganizationCredential,
} from './organization-access.js';
export type {
  AdministrationSetting,
  OrganizationAccess,
  OrganizationSettings,
} from './organization-access.js';
export { matchBitbucketGroup, OrganizationSource } from './organization-source.js';
export type { BitbucketGroupName } from './organization-source.js';
export {
  ADMINISTRATION_RECHECK_MS,
  WEAK_EVIDENCE_RECHECK_MS,
  discoverAdministration,
  saysAdministeredByOrganization,
} from './administration.js';
export type { LastAccessedEvidence, WorkspaceAdministration } from './administration.js';
export { organizationMembershipChannel } from './organization-channel.js';
export type { OrganizationGroupRef } from './organization-channel.js';
export { PROBE_ACCOUNT_ID, probeOrganization } from './organization-probe.js';
export type { OrganizationCapability, OrganizationReport } from './organization-probe.js';
