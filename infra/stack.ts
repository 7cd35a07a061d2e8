// The whole connector in one stack: data, secrets, queue, bucket, functions, HTTP API, schedules, monitoring.
// Each piece is a construct of its own under infra/constructs; this file only wires them.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GovernanceData } from './constructs/data.js';
import { EventQueue } from './constructs/event-queue.js';
import { ExportsBucket } from './constructs/exports-bucket.js';
import { APPLY_EVENTS_TIMEOUT, GovernanceFunctions, GRANT_EXPIRY_RATE } from './constructs/functions.js';
import { GovernanceHttpApi } from './constructs/http-api.js';
import { Monitoring } from './constructs/monitoring.js';
import { GovernanceSecrets } from './constructs/secrets.js';
import { FunctionSchedule } from './constructs/function-schedule.js';
import type { DeploymentSettings } from './deployment-context.js';

export interface BitbucketGovernanceStackProps extends StackProps {
  settings: DeploymentSettings;
}

export class BitbucketGovernanceStack extends Stack {
  readonly data: GovernanceData;
  readonly secrets: GovernanceSecrets;
  readonly events: EventQueue;
  readonly exports: ExportsBucket;
  readonly functions: GovernanceFunctions;
  readonly http: GovernanceHttpApi;
  readonly syncSchedule: FunctionSchedule;
  readonly grantExpirySchedule: FunctionSchedule;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: BitbucketGovernanceStackProps) {
    super(scope, id, {
      description: 'bitbucket-governance: identity governance for Bitbucket Cloud',
      ...props,
    });
    const { settings } = props;

    this.data = new GovernanceData(this, 'Data');
    this.secrets = new GovernanceSecrets(this, 'Secrets', {
      credentialsSecretArn: settings.credentialsSecretArn,
      webhookSecretsArn: settings.webhookSecretsArn,
      credentialsKeyArn: settings.credentialsKeyArn,
      webhookSecretsKeyArn: settings.webhookSecretsKeyArn,
      secretOperators: settings.secretOperators,
    });
    this.events = new EventQueue(this, 'Events', { consumerTimeout: APPLY_EVENTS_TIMEOUT });
    this.exports = new ExportsBucket(this, 'Exports');
    this.functions = new GovernanceFunctions(this, 'Functions', {
      table: this.data.table,
      secrets: this.secrets,
      queue: this.events.queue,
      exportsBucket: this.exports.bucket,
      workspaces: settings.workspaces,
      hourlyRequestBudget: settings.hourlyRequestBudget,
      administration: settings.administration,
      syncInterval: settings.scheduleRate,
      authorizationPolicy: settings.authorizationPolicy,
      reviewerPage: settings.uiOidcIssuer !== undefined,
    });
    this.http = new GovernanceHttpApi(this, 'Http', {
      handlers: { api: this.functions.api.function, webhook: this.functions.webhook.function },
      ...(settings.uiOidcIssuer && settings.uiOidcAudience
        ? { reviewerPage: { issuer: settings.uiOidcIssuer, audience: settings.uiOidcAudience } }
        : {}),
    });
    this.syncSchedule = new FunctionSchedule(this, 'SyncSchedule', {
      target: this.functions.sync.function,
      rate: settings.scheduleRate,
      purpose: 'one budgeted sync step',
    });
    this.grantExpirySchedule = new FunctionSchedule(this, 'GrantExpirySchedule', {
      target: this.functions.grantExpiry.function,
      rate: GRANT_EXPIRY_RATE,
      purpose: 'end the time-boxed grants that expired',
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: {
        sync: this.functions.sync,
        webhook: this.functions.webhook,
        applyEvents: this.functions.applyEvents,
        api: this.functions.api,
        grantExpiry: this.functions.grantExpiry,
      },
      queue: this.events.queue,
      deadLetterQueue: this.events.deadLetterQueue,
      httpApi: this.http.httpApi,
      oldestScopeAgeAlarm: Duration.hours(settings.oldestScopeAgeAlarmHours),
      alarmEmail: settings.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.http.url,
      description: 'HTTP API base URL: /v1/… with SigV4, /webhooks/bitbucket/<workspace> for Bitbucket',
    });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'CredentialsSecretArn', {
      value: this.secrets.credentials.secretArn,
      description: 'Put the Bitbucket credential JSON here',
    });
    new CfnOutput(this, 'WebhookSecretsArn', {
      value: this.secrets.webhookSecrets.secretArn,
      description: 'Put {"<workspace>": "<secret>"} here',
    });
    new CfnOutput(this, 'EventsQueueUrl', { value: this.events.queue.queueUrl });
    new CfnOutput(this, 'ExportBucketName', { value: this.exports.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
  }
}
