// The /v1 HTTP API Lambda (API Gateway, IAM auth): lib/handlers/api-handler.ts over AWS.
import type { ApiDependencies } from '../lib/api/index.js';
import { AuthorizationPolicy } from '../lib/authz/index.js';
import { createApiHandler } from '../lib/handlers/api-handler.js';
import { logger } from '../lib/observability/index.js';
import { LocalExportWriter, S3ExportWriter } from '../lib/store/export-files.js';
import { accessRequestEvents } from './commons/access-request-events.js';
import { bitbucketClient, organizationAccess } from './commons/bitbucket.js';
import { config, stores } from './commons/clients.js';

function apiDependencies(): ApiDependencies {
  const { store, syncState, ledger, requests, accessRequests, reviews } = stores();
  const { exports, local, bitbucket, authorization } = config();
  if (!authorization.policy) {
    logger.warn('AUTHORIZATION_POLICY is not set: every /v1 call that needs a role answers 403');
  }
  return {
    authorization: new AuthorizationPolicy(authorization.policy ?? { statements: [] }),
    client: bitbucketClient(),
    store,
    syncState,
    ledger,
    requests,
    accessRequests,
    reviews,
    accessRequestEvents: accessRequestEvents(),
    exportWriter: exports.bucket
      ? new S3ExportWriter({ bucket: exports.bucket })
      : new LocalExportWriter(local.dataDir),
    hourlyRequestLimit: bitbucket.hourlyRequestLimit,
    organization: { access: organizationAccess(), statuses: syncState },
  };
}

export const handler = createApiHandler(apiDependencies);
