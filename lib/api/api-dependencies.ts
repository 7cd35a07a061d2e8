// What the API handlers work with, passed in: AWS-backed in the Lambda, local in tests and `npm start`.
import type { AuthorizationPolicy } from '../authz/index.js';
import type { AccessRequestEvents } from '../requests/access-requests.js';
import type { BitbucketClient } from '../bitbucket/index.js';
import type { ProvisioningOrganization } from '../provisioning/index.js';
import { NotFound } from '../errors/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import type { ExportFileWriter } from '../store/export-files.js';
import type { ProvisioningRequestStore } from '../store/provisioning-requests.js';
import type { AccessRequestStore } from '../store/access-requests.js';
import type { ReviewCampaignStore } from '../store/review-campaigns.js';
import type { HourLedger } from '../budget/index.js';
import type { SyncStateStore } from '../store/sync-state.js';
import { pathParameter, type ApiRequest } from './api-request.js';

export interface ApiDependencies {
  /** Who may do what: every route checks the caller's role on the workspace it touches (lib/authz). */
  authorization: AuthorizationPolicy;
  client: BitbucketClient;
  store: GovernanceStore;
  syncState: SyncStateStore;
  ledger: HourLedger;
  requests: ProvisioningRequestStore;
  /** Access requests and their decisions. */
  accessRequests: AccessRequestStore;
  /** Where access-request state changes are published (EventBridge in AWS); absent: nowhere. */
  accessRequestEvents?: AccessRequestEvents;
  /** Access-review campaigns and their items. */
  reviews: ReviewCampaignStore;
  exportWriter: ExportFileWriter;
  /** Bitbucket's rolling-hour limit for the credential (config bitbucket.hourlyRequestLimit). */
  hourlyRequestLimit: number;
  now?: () => Date;
  /** Exports larger than this go to a file (default 5 MB). */
  exportInlineLimitBytes?: number;
  /** Time a provisioning call may spend on Bitbucket (default 20 s). */
  provisioningTimeMs?: number;
  /**
   * The Atlassian organization side (group membership of workspaces administered in admin.atlassian.com);
   * absent: every workspace is treated as Bitbucket-administered.
   */
  organization?: ProvisioningOrganization;
}

export const DEFAULT_EXPORT_INLINE_LIMIT_BYTES = 5 * 1024 * 1024;

export function clockOf(dependencies: Pick<ApiDependencies, 'now'>): () => Date {
  return dependencies.now ?? (() => new Date());
}

/**
 * The `{workspace}` path parameter (slug or uuid) as a governed workspace (the one the router resolved
 * and authorised, when it did); 404 when unknown.
 */
export async function requireWorkspace(
  dependencies: ApiDependencies,
  request: ApiRequest,
): Promise<WorkspaceEntry> {
  if (request.workspace) return request.workspace;
  const name = pathParameter(request, 'workspace');
  const workspace = await dependencies.store.resolveWorkspace(name);
  if (!workspace) throw new NotFound(`unknown workspace ${name}`, { field: 'workspace' });
  return workspace;
}
