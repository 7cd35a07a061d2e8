// What each function's handler factory (lib/handlers) is given in AWS: the shared objects of clients.ts,
// put together per function. Each is a builder the handler runs on its first invocation.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type ApiDependencies } from '../../lib/api/index.js';
import { provisioningDependenciesOf } from '../../lib/api/provisioning-handlers.js';
import { AuthorizationPolicy } from '../../lib/authz/index.js';
import type { ApplyEventsHandlerDependencies } from '../../lib/handlers/apply-events-handler.js';
import type { GrantExpiryHandlerDependencies } from '../../lib/handlers/grant-expiry-handler.js';
import type { SyncHandlerDependencies } from '../../lib/handlers/sync-handler.js';
import { webhookSecretProvider } from '../../lib/config/index.js';
import { logger } from '../../lib/observability/index.js';
import { LocalExportWriter, S3ExportWriter } from '../../lib/store/export-files.js';
import { syncSettingsFromConfig } from '../../lib/sync/index.js';
import type { WebhookEventMessage } from '../../lib/webhooks/event-message.js';
import type { WebhookIntakeDependencies } from '../../lib/webhooks/intake.js';
import {
  accessRequestEvents,
  bitbucketClient,
  config,
  organizationAccess,
  sqsClient,
  stores,
} from './clients.js';

export function apiDependencies(): ApiDependencies {
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

export function syncDependencies(): SyncHandlerDependencies {
  const { store, syncState, ledger } = stores();
  return {
    client: bitbucketClient(),
    store,
    syncState,
    ledger,
    settings: syncSettingsFromConfig(config()),
    organization: organizationAccess(),
    runnerId: `sync-${process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? process.pid}`,
    configuredWorkspaces: config().bitbucket.workspaces,
  };
}

export function applyEventsDependencies(): ApplyEventsHandlerDependencies {
  const { store, syncState, ledger, activity } = stores();
  return {
    client: bitbucketClient(),
    store,
    syncState,
    ledger,
    activity,
    hourlyRequestLimit: config().bitbucket.hourlyRequestLimit,
  };
}

/**
 * The expiry of time-boxed grants: provisioning as the API's `/grants` path builds it
 * (lib/api/provisioning-handlers.ts provisioningDependenciesOf), and the same event publisher.
 */
export function grantExpiryDependencies(): GrantExpiryHandlerDependencies {
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

export function webhookDependencies(): WebhookIntakeDependencies {
  const { webhooks } = config();
  const { deliveryLog } = stores();
  if (webhooks.allowUnsigned.length > 0) {
    logger.warn('WEBHOOK_ALLOW_UNSIGNED lists workspaces whose unsigned deliveries only mark scopes dirty', {
      workspaces: webhooks.allowUnsigned,
    });
  }
  return {
    secrets: webhookSecretProvider(webhooks.secrets),
    allowUnsigned: webhooks.allowUnsigned,
    recordDelivery: (workspace, id) => deliveryLog.record(workspace, id),
    forgetDelivery: (workspace, id) => deliveryLog.forget(workspace, id),
    enqueue: async (message: WebhookEventMessage) => {
      if (!webhooks.queueUrl)
        throw new Error('EVENTS_QUEUE_URL is not set: the receiver has nowhere to queue events');
      await sqsClient().send(
        new SendMessageCommand({
          QueueUrl: webhooks.queueUrl,
          MessageBody: JSON.stringify(message),
          MessageAttributes: { eventKey: { DataType: 'String', StringValue: message.eventKey } },
        }),
      );
    },
  };
}
