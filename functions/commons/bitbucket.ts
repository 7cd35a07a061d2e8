// The Bitbucket and Atlassian organization clients of the four functions that call Bitbucket (the webhook
// receiver never does), built once per execution environment on first use.
import { organizationAccess as buildOrganizationAccess } from '../../lib/atlassian-admin/index.js';
import { bitbucketClientFromConfig } from '../../lib/bitbucket/index.js';
import { organizationCredentialProvider } from '../../lib/config/index.js';
import { config, stores } from './clients.js';
import { once } from './once.js';

/** The Bitbucket client for the configured credential. */
export const bitbucketClient = once(() => bitbucketClientFromConfig(config()));

/**
 * The Atlassian organization side: the Admin API client over the credentials secret's `admin` part (or
 * none), its own hourly ledger and BITBUCKET_ADMINISTRATION.
 */
export const organizationAccess = once(() =>
  buildOrganizationAccess(
    config().organization,
    organizationCredentialProvider(config().organization.credentials),
    stores().adminLedger,
  ),
);
