// The AWS runtime's shared objects, built once per execution environment and only when first used:
// configuration, the governance table's stores, the Bitbucket client, the SQS client, the access-request
// event publisher.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bitbucketClientFromConfig } from '../../lib/bitbucket/index.js';
import { organizationAccess as buildOrganizationAccess } from '../../lib/atlassian-admin/index.js';
import { loadConfig, organizationCredentialProvider } from '../../lib/config/index.js';
import { governanceStores, governanceTableFromConfig } from '../../lib/store/index.js';
import { EventBridgeAccessRequestEvents } from './access-request-events.js';
import { once } from './once.js';

/** The validated configuration (throws ConfigError on the first invocation when it is wrong). */
export const config = once(() => loadConfig());

/** Every store over the configured table. */
export const stores = once(() => governanceStores(governanceTableFromConfig(config())));

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

/** SQS, for the webhook receiver's queue. */
export const sqsClient = once(() => new SQSClient({}));

/** Access-request state changes as events on the default EventBridge bus (the API and the expiry). */
export const accessRequestEvents = once(() => new EventBridgeAccessRequestEvents(new EventBridgeClient({})));
