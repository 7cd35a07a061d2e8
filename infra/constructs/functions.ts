// The five functions and, next to each, exactly what its role may do. Reading this file answers "what can
// the webhook receiver touch?" without opening the template.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ACCESS_REQUEST_EVENT_SOURCE } from '../../functions/commons/access-request-events.js';
import type { AuthorizationPolicyDocument } from '../../lib/authz/index.js';
import { UI_ASSETS_FILE_NAME, UI_ASSETS_FILE_VARIABLE } from '../../lib/ui/index.js';
import { buildUiAssets } from '../../lib/ui/ui-build.js';
import { GovernanceFunction } from './governance-function.js';
import type { GovernanceSecrets } from './secrets.js';

/** Partition-key prefix of webhook delivery records: the only items the receiver may write or delete. */
export const DELIVERY_KEY_PREFIX = 'DELIVERY#';

/** How often the expiry of time-boxed grants runs (the issue: every minute). */
export const GRANT_EXPIRY_RATE = Duration.minutes(1);

/** The applier's timeout; the queue's visibility timeout is derived from it. */
export const APPLY_EVENTS_TIMEOUT = Duration.seconds(60);

export interface GovernanceFunctionsProps {
  table: TableV2;
  secrets: GovernanceSecrets;
  queue: Queue;
  exportsBucket: Bucket;
  /** Empty: every workspace the credential can see. */
  workspaces: string[];
  hourlyRequestBudget: number;
  /** BITBUCKET_ADMINISTRATION for every function that calls Bitbucket. */
  administration: 'auto' | 'bitbucket' | 'organization';
  /** The sync schedule's rate: each step spends the hourly budget's share of it. */
  syncInterval: Duration;
  /** Who holds which role: the API function's AUTHORIZATION_POLICY, read at cold start. */
  authorizationPolicy: AuthorizationPolicyDocument;
  /** Serve the reviewer page: its files are built now and shipped beside the API function's bundle. */
  reviewerPage: boolean;
}

/** Builds the reviewer page into a temporary file for the API function's bundle (lib/ui). */
function builtReviewerPage(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bbgov-ui-')), UI_ASSETS_FILE_NAME);
  writeFileSync(file, JSON.stringify(buildUiAssets()));
  return file;
}

export class GovernanceFunctions extends Construct {
  readonly sync: GovernanceFunction;
  readonly webhook: GovernanceFunction;
  readonly applyEvents: GovernanceFunction;
  readonly api: GovernanceFunction;
  readonly grantExpiry: GovernanceFunction;

  constructor(scope: Construct, id: string, props: GovernanceFunctionsProps) {
    super(scope, id);
    const { table, secrets, queue, exportsBucket } = props;
    const bitbucketSettings = {
      BITBUCKET_WORKSPACES: props.workspaces.join(','),
      SYNC_HOURLY_REQUEST_BUDGET: String(props.hourlyRequestBudget),
      BITBUCKET_ADMINISTRATION: props.administration,
    };

    this.webhook = new GovernanceFunction(this, 'Webhook', {
      entryFile: 'webhook.ts',
      description: 'Verifies signed Bitbucket webhook deliveries and queues them',
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment: {
        TABLE_NAME: table.tableName,
        WEBHOOK_SECRETS_ARN: secrets.webhookSecrets.secretArn,
        EVENTS_QUEUE_URL: queue.queueUrl,
      },
    });
    // Only the webhook secrets: the receiver can neither read the credential nor decrypt with its key.
    secrets.grantRead('webhookSecrets', this.webhook.role);
    // Written by hand rather than with grant*(): the receiver needs one action on each resource, and its
    // table access is fenced to delivery records.
    this.webhook.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DELIVERY_KEY_PREFIX}*`] } },
      }),
    );
    this.webhook.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );

    this.applyEvents = new GovernanceFunction(this, 'ApplyEvents', {
      entryFile: 'apply-events.ts',
      description: 'Applies queued webhook events: targeted refreshes, deletions, activity',
      timeout: APPLY_EVENTS_TIMEOUT,
      memorySize: 512,
      environment: {
        TABLE_NAME: table.tableName,
        CREDENTIALS_SECRET_ARN: secrets.credentials.secretArn,
        ...bitbucketSettings,
      },
    });
    table.grantReadWriteData(this.applyEvents.role);
    secrets.grantRead('credentials', this.applyEvents.role);
    this.applyEvents.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        // Refreshes spend the shared Bitbucket budget; two pollers are plenty and the least SQS allows.
        maxConcurrency: 2,
      }),
    );

    this.sync = new GovernanceFunction(this, 'Sync', {
      entryFile: 'sync.ts',
      description: 'One budgeted step of the rolling Bitbucket sync',
      // Below the shortest sensible schedule rate, so steps do not pile up.
      timeout: Duration.minutes(4),
      memorySize: 512,
      environment: {
        TABLE_NAME: table.tableName,
        CREDENTIALS_SECRET_ARN: secrets.credentials.secretArn,
        ...bitbucketSettings,
        SYNC_STEP_INTERVAL_MINUTES: String(props.syncInterval.toMinutes()),
      },
    });
    table.grantReadWriteData(this.sync.role);
    secrets.grantRead('credentials', this.sync.role);

    this.api = new GovernanceFunction(this, 'Api', {
      entryFile: 'api.ts',
      description: 'The /v1 HTTP API: access questions, exports, audited grants and revocations',
      // Under API Gateway's 29-second integration limit, so a slow request ends in the function's own
      // logged timeout rather than an unexplained gateway 503.
      timeout: Duration.seconds(28),
      memorySize: 1024,
      environment: {
        TABLE_NAME: table.tableName,
        CREDENTIALS_SECRET_ARN: secrets.credentials.secretArn,
        EXPORT_BUCKET: exportsBucket.bucketName,
        ...bitbucketSettings,
        // Only the API decides who may do what; compact, as Lambda counts every byte of the environment.
        AUTHORIZATION_POLICY: JSON.stringify(props.authorizationPolicy),
        ...(props.reviewerPage ? { [UI_ASSETS_FILE_VARIABLE]: UI_ASSETS_FILE_NAME } : {}),
      },
      // The page is built here, at synth; the function's lazy build from sources (lib/ui/ui-build.ts, with
      // esbuild) is left out of every bundle (function-bundling.ts) and never runs.
      ...(props.reviewerPage ? { bundledFiles: { [UI_ASSETS_FILE_NAME]: builtReviewerPage() } } : {}),
    });
    table.grantReadWriteData(this.api.role);
    secrets.grantRead('credentials', this.api.role);
    this.api.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [exportsBucket.arnForObjects('*')],
      }),
    );

    this.grantExpiry = new GovernanceFunction(this, 'GrantExpiry', {
      entryFile: 'expire-grants.ts',
      description: 'Ends time-boxed grants of access requests once they expire (every minute)',
      // Under the schedule's minute, so runs do not pile up (each one is safe to repeat regardless).
      timeout: Duration.seconds(50),
      memorySize: 512,
      environment: {
        TABLE_NAME: table.tableName,
        // The Bitbucket credential and the organization's (its `admin` part) are in this one secret.
        CREDENTIALS_SECRET_ARN: secrets.credentials.secretArn,
        SYNC_HOURLY_REQUEST_BUDGET: bitbucketSettings.SYNC_HOURLY_REQUEST_BUDGET,
        BITBUCKET_ADMINISTRATION: bitbucketSettings.BITBUCKET_ADMINISTRATION,
      },
    });
    table.grantReadWriteData(this.grantExpiry.role);
    secrets.grantRead('credentials', this.grantExpiry.role);

    // Access-request state changes go to the default bus, from the two functions that make them, and
    // only under the stack's own source: neither can pass its events off as another application's.
    const defaultBus = Stack.of(this).formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: 'default',
    });
    for (const fn of [this.api, this.grantExpiry]) {
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [defaultBus],
          conditions: { StringEquals: { 'events:source': ACCESS_REQUEST_EVENT_SOURCE } },
        }),
      );
    }

    for (const fn of [this.applyEvents, this.sync, this.api, this.grantExpiry]) {
      acknowledgeWildcard(
        fn.role,
        table,
        '/index/*',
        'Added by TableV2.grantReadWriteData: the function queries the GSI of its own table; no other table is reachable.',
      );
    }
    acknowledgeWildcard(
      this.api.role,
      exportsBucket,
      '/*',
      'Exports are written and read under keys chosen per request (workspace, time); the grant is limited to objects of the one export bucket.',
    );
  }
}

/** Acknowledges cdk-nag's IAM5 finding for `<resource ARN><suffix>` on one role, with its reason. */
function acknowledgeWildcard(
  role: IConstruct,
  resource: TableV2 | Bucket,
  suffix: string,
  reason: string,
): void {
  const element = resource.node.defaultChild as CfnElement;
  const logicalId = Stack.of(role).resolve(element.logicalId) as string;
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>${suffix}]`,
    reason,
  });
}
