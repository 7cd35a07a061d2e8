// The scheduled expiry of time-boxed grants (EventBridge Scheduler, every minute): lib/handlers/grant-expiry-handler.ts over AWS.
import { provisioningDependenciesOf } from '../lib/api/provisioning-handlers.js';
import {
  createGrantExpiryHandler,
  type GrantExpiryHandlerDependencies,
} from '../lib/handlers/grant-expiry-handler.js';
import { accessRequestEvents } from './commons/access-request-events.js';
import { bitbucketClient, organizationAccess } from './commons/bitbucket.js';
import { config, stores } from './commons/clients.js';

/**
 * Provisioning as the API's `/grants` path builds it (lib/api/provisioning-handlers.ts
 * provisioningDependenciesOf), and the same event publisher as the API.
 */
function grantExpiryDependencies(): GrantExpiryHandlerDependencies {
  const { store, syncState, ledger, requests, accessRequests } = stores();
  const now = () => new Date();
  return {
    events: accessRequestEvents(),
    accessRequests,
    store,
    now,
    provisioning: provisioningDependenciesOf({
      client: bitbucketClient(),
      store,
      ledger,
      hourlyRequestLimit: config().bitbucket.hourlyRequestLimit,
      now,
      requests,
      syncState,
      organization: { access: organizationAccess(), statuses: syncState },
    }),
  };
}

export const handler = createGrantExpiryHandler(grantExpiryDependencies);
