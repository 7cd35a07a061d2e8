// The AWS runtime's shared objects, built once per execution environment and only when first used:
// configuration, the governance table's stores, the Bitbucket client, the SQS client.
import { SQSClient } from '@aws-sdk/client-sqs';
import { bitbucketClientFromConfig } from '../../lib/bitbucket/index.js';
import { loadConfig } from '../../lib/config/index.js';
import { governanceStores, governanceTableFromConfig } from '../../lib/store/index.js';
import { once } from './once.js';

/** The validated configuration (throws ConfigError on the first invocation when it is wrong). */
export const config = once(() => loadConfig());

/** Every store over the configured table. */
export const stores = once(() => governanceStores(governanceTableFromConfig(config())));

/** The Bitbucket client for the configured credential. */
export const bitbucketClient = once(() => bitbucketClientFromConfig(config()));

/** SQS, for the webhook receiver's queue. */
export const sqsClient = once(() => new SQSClient({}));
