// The template, resource by resource: the properties a reviewer signs off on.
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_AUTHORIZATION_POLICY_BYTES } from '../../infra/deployment-context.js';
import { ROUTES } from '../../lib/api/routes.js';
import { METRIC_NAMES, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/observability/metric-names.js';
import { GSI1, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lib/store/table-definition.js';
import {
  arnOf,
  buildStack,
  BUILD_TIMEOUT_MS,
  logicalIdOf,
  refOf,
  TEST_AUTHORIZATION_POLICY,
  type BuiltStack,
} from './governance-stack.js';

let built: BuiltStack;
beforeAll(() => {
  built = buildStack();
}, BUILD_TIMEOUT_MS);

function resourceOf(construct: Parameters<typeof logicalIdOf>[0]) {
  const id = logicalIdOf(construct);
  const found = Object.entries(
    built.template.toJSON().Resources as Record<string, Record<string, unknown>>,
  ).find(([logicalId]) => logicalId === id);
  if (!found) throw new Error(`no resource ${id}`);
  return found[1] as { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
}

describe('governance table', () => {
  it('uses the shared key names, GSI and TTL attribute', () => {
    const table = resourceOf(built.stack.data.table);
    expect(table.Type).toBe('AWS::DynamoDB::GlobalTable');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: GSI1.indexName,
          KeySchema: [
            { AttributeName: GSI1.partitionKey, KeyType: 'HASH' },
            { AttributeName: GSI1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('is on-demand, encrypted with KMS, recoverable and protected from deletion', () => {
    const table = resourceOf(built.stack.data.table);
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        {
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        },
      ],
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});

it('has one table: idempotency records live in it, not in a second table', () => {
  expect(Object.keys(built.template.findResources('AWS::DynamoDB::GlobalTable'))).toHaveLength(1);
});

describe('functions', () => {
  const POWERTOOLS = {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    NODE_OPTIONS: '--enable-source-maps',
  };

  it('all five run Node.js 24 on arm64 with active tracing and a log group with retention', () => {
    for (const fn of Object.values(functionsByName())) {
      const resource = resourceOf(fn.function);
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: refOf(fn.logGroup) },
      });
      expect(resourceOf(fn.logGroup).Properties.RetentionInDays).toBe(90);
    }
  });

  it('each gets exactly the environment variables it reads', () => {
    const { stack } = built;
    const table = refOf(stack.data.table);
    const credentials = refOf(stack.secrets.credentials);
    const bitbucket = {
      BITBUCKET_WORKSPACES: '',
      SYNC_HOURLY_REQUEST_BUDGET: '800',
      BITBUCKET_ADMINISTRATION: 'auto',
    };
    const environmentOf = (fn: keyof ReturnType<typeof functionsByName>) =>
      (resourceOf(functionsByName()[fn].function).Properties.Environment as { Variables: unknown }).Variables;

    expect(environmentOf('webhook')).toEqual({
      ...POWERTOOLS,
      TABLE_NAME: table,
      WEBHOOK_SECRETS_ARN: refOf(stack.secrets.webhookSecrets),
      EVENTS_QUEUE_URL: refOf(stack.events.queue),
    });
    expect(environmentOf('applyEvents')).toEqual({
      ...POWERTOOLS,
      TABLE_NAME: table,
      CREDENTIALS_SECRET_ARN: credentials,
      ...bitbucket,
    });
    // Steps are paced to the schedule (default every 5 minutes).
    expect(environmentOf('sync')).toEqual({
      ...POWERTOOLS,
      TABLE_NAME: table,
      CREDENTIALS_SECRET_ARN: credentials,
      ...bitbucket,
      SYNC_STEP_INTERVAL_MINUTES: '5',
    });
    expect(environmentOf('api')).toEqual({
      ...POWERTOOLS,
      TABLE_NAME: table,
      CREDENTIALS_SECRET_ARN: credentials,
      EXPORT_BUCKET: refOf(stack.exports.bucket),
      ...bitbucket,
      AUTHORIZATION_POLICY: JSON.stringify(TEST_AUTHORIZATION_POLICY),
    });
    // Over every governed workspace in the table: no workspace list; the budget and the administration
    // for the revocations it makes.
    expect(environmentOf('grantExpiry')).toEqual({
      ...POWERTOOLS,
      TABLE_NAME: table,
      CREDENTIALS_SECRET_ARN: credentials,
      SYNC_HOURLY_REQUEST_BUDGET: '800',
      BITBUCKET_ADMINISTRATION: 'auto',
    });
  });

  it('the authorization policy reaches the API function alone, as compact JSON', () => {
    const policy = {
      statements: [
        {
          principal: 'arn:aws:iam::123456789012:user/ops/ada',
          roles: ['administrator', 'reader'],
          workspaces: ['acme'],
        },
      ],
    };
    // Given as text with spaces (as after -c), the function gets it compact.
    const custom = buildStack({ authorizationPolicy: JSON.stringify(policy, null, 1).replace(/\n/g, '') });
    const withPolicy = custom.template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { AUTHORIZATION_POLICY: Match.anyValue() } } },
    });
    expect(Object.keys(withPolicy)).toEqual([logicalIdOf(custom.stack.functions.api.function)]);
    const variables = Object.values(withPolicy)[0]?.Properties.Environment.Variables as Record<
      string,
      string
    >;
    expect(variables.AUTHORIZATION_POLICY).toBe(JSON.stringify(policy));
    // Lambda caps a function's environment at 4 KB in all: the policy's 3000 bytes leave room for the rest,
    // each name and value counted, an ARN or name CloudFormation fills in at up to 128 characters.
    const others = Object.entries(variables).filter(([name]) => name !== 'AUTHORIZATION_POLICY');
    const otherBytes = others.reduce(
      (sum, [name, value]) => sum + name.length + (typeof value === 'string' ? value.length : 128),
      0,
    );
    expect(otherBytes).toBeLessThan(4096 - MAX_AUTHORIZATION_POLICY_BYTES - 400);
  });

  it('context reaches the functions: workspaces, hourly budget and administration', () => {
    const custom = buildStack({
      workspaces: 'acme, beta',
      hourlyRequestBudget: '600',
      administration: 'organization',
    });
    const variables = custom.template.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: {
          Variables: {
            BITBUCKET_WORKSPACES: 'acme,beta',
            SYNC_HOURLY_REQUEST_BUDGET: '600',
            BITBUCKET_ADMINISTRATION: 'organization',
          },
        },
      },
    });
    expect(Object.keys(variables)).toHaveLength(3);
  });

  it('the applier consumes the queue in batches with partial-batch failure reporting', () => {
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(built.stack.events.queue),
      FunctionName: refOf(built.stack.functions.applyEvents.function),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });
});

describe('event queue', () => {
  it('is encrypted, redrives to the DLQ after 5 receives, and hides messages ≥ 6× the applier timeout', () => {
    const queue = resourceOf(built.stack.events.queue).Properties;
    const applierTimeout = resourceOf(built.stack.functions.applyEvents.function).Properties
      .Timeout as number;
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: arnOf(built.stack.events.deadLetterQueue), maxReceiveCount: 5 },
    });
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * applierTimeout);
    expect(resourceOf(built.stack.events.deadLetterQueue).Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('both queues refuse requests without TLS', () => {
    for (const queue of [built.stack.events.queue, built.stack.events.deadLetterQueue]) {
      built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [refOf(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('HTTP API', () => {
  it('has exactly the routes of infra/routes.ts, IAM-authorised except the signature-checked webhook', () => {
    const routes = Object.values(built.template.findResources('AWS::ApiGatewayV2::Route')).map((route) => ({
      routeKey: route.Properties.RouteKey as string,
      authorizationType: route.Properties.AuthorizationType as string | undefined,
      target: JSON.stringify(route.Properties.Target),
    }));
    // The reviewer page's routes need an OpenID Connect issuer (test/infra/reviewer-page.test.ts).
    const expected = ROUTES.filter((route) => route.target !== 'ui').map((route) => ({
      routeKey: `${route.method} ${route.path}`,
      authorizationType: route.auth === 'iam' ? 'AWS_IAM' : 'NONE',
    }));
    expect(
      routes.map(({ routeKey, authorizationType }) => ({ routeKey, authorizationType })).sort(byKey),
    ).toEqual(expected.sort(byKey));
    const integrationOf = (target: 'api' | 'webhook') =>
      new Set(
        routes
          .filter(
            (route) => ROUTES.find((r) => `${r.method} ${r.path}` === route.routeKey)?.target === target,
          )
          .map((r) => r.target),
      );
    expect(integrationOf('api').size).toBe(1);
    expect(integrationOf('webhook').size).toBe(1);
    expect([...integrationOf('api')]).not.toEqual([...integrationOf('webhook')]);
  });

  it('integrates the two functions with payload format 2.0', () => {
    for (const fn of [built.stack.functions.api, built.stack.functions.webhook]) {
      built.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: arnOf(fn.function),
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('throttles and access-logs the $default stage', () => {
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('identity.userArn'),
      },
    });
  });
});

it('the scheduler starts the sync at the configured rate with an empty payload', () => {
  const schedule = (rate?: string) =>
    (rate ? buildStack({ scheduleRate: rate }) : built).template.hasResourceProperties(
      'AWS::Scheduler::Schedule',
      {
        ScheduleExpression: `rate(${rate ?? '5 minutes'})`,
        State: 'ENABLED',
        Target: {
          Arn: Match.anyValue(),
          Input: '{}',
          RoleArn: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        },
      },
    );
  schedule();
  schedule('2 hours');
  built.template.hasResourceProperties('AWS::Scheduler::Schedule', {
    Target: { Arn: arnOf(built.stack.functions.sync.function) },
  });
});

it('the grant expiry runs every minute, with an empty payload, under the run-time of its tick', () => {
  const schedules = Object.values(
    built.template.findResources('AWS::Scheduler::Schedule', {
      Properties: { Target: { Arn: arnOf(built.stack.functions.grantExpiry.function) } },
    }),
  );
  expect(schedules).toHaveLength(1);
  expect(schedules[0]?.Properties).toMatchObject({
    ScheduleExpression: 'rate(1 minute)',
    State: 'ENABLED',
    Target: {
      Input: '{}',
      RoleArn: arnOf(built.stack.grantExpirySchedule.role),
      RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
    },
  });
  expect(resourceOf(built.stack.functions.grantExpiry.function).Properties).toMatchObject({
    Handler: 'index.handler',
    Timeout: 50,
  });
});

describe('secrets', () => {
  it('are created empty: no generated or inline value, a description without placeholders', () => {
    const secrets = built.template.findResources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets)).toHaveLength(2);
    for (const secret of Object.values(secrets)) {
      expect(Object.keys(secret.Properties).sort()).toEqual(['Description', 'KmsKeyId']);
      expect(secret.Properties.Description).not.toMatch(/placeholder|changeme|todo/i);
    }
  });

  it('each is encrypted with a customer-managed key of its own, rotated, aliased, removed with it', () => {
    const { secrets } = built.stack;
    const keyIds = (['credentials', 'webhookSecrets'] as const).map((name) => {
      const key = secrets.keys[name];
      if (!key) throw new Error(`no key for the ${name} secret`);
      const secret = resourceOf(secrets[name]);
      expect(secret.Properties.KmsKeyId).toEqual(arnOf(key));
      const keyResource = resourceOf(key);
      expect(keyResource.Type).toBe('AWS::KMS::Key');
      expect(keyResource.Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
      expect(keyResource.DeletionPolicy).toBe(secret.DeletionPolicy);
      return logicalIdOf(key);
    });
    expect(new Set(keyIds).size).toBe(2);
    built.template.resourceCountIs('AWS::KMS::Key', 2);
    for (const [name, alias] of [
      ['credentials', 'alias/bitbucket-governance/BitbucketGovernance/credentials'],
      ['webhookSecrets', 'alias/bitbucket-governance/BitbucketGovernance/webhook-secrets'],
    ] as const) {
      const key = secrets.keys[name];
      built.template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: alias,
        TargetKeyId: key && arnOf(key),
      });
    }
  });

  it(
    "each key's policy is the stack's own, not CDK's default: administration, readers, operators if named",
    () => {
      const sidsOf = (stack: BuiltStack) =>
        (['credentials', 'webhookSecrets'] as const).map((name) => {
          const key = stack.stack.secrets.keys[name];
          if (!key) throw new Error(`no key for the ${name} secret`);
          const policy = stack.template.findResources('AWS::KMS::Key')[logicalIdOf(key)]?.Properties
            .KeyPolicy as {
            Statement: { Sid?: string }[];
          };
          return policy.Statement.map((statement) => statement.Sid);
        });
      const own = ['AccountAdministersTheKeyButCannotUseIt', 'ReadingFunctionsDecryptThroughSecretsManager'];
      expect(sidsOf(built)).toEqual([own, own]);
      const withOperators = buildStack({ secretOperators: 'arn:aws:iam::123456789012:role/ops' });
      const withOperatorSid = [own[0], 'SecretOperatorsPutAndReadThroughSecretsManager', own[1]];
      expect(sidsOf(withOperators)).toEqual([withOperatorSid, withOperatorSid]);
    },
    BUILD_TIMEOUT_MS,
  );

  it('are imported by ARN from context instead, and the roles point at those ARNs', () => {
    const credentialsSecretArn =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/credentials-AbCdEf';
    const webhookSecretsArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/webhooks-123456';
    const imported = buildStack({ credentialsSecretArn, webhookSecretsArn });
    imported.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    imported.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WEBHOOK_SECRETS_ARN: webhookSecretsArn,
          EVENTS_QUEUE_URL: Match.anyValue(),
        }),
      },
    });
    imported.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'secretsmanager:GetSecretValue', Resource: webhookSecretsArn }),
        ]),
      },
    });
    imported.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'secretsmanager:GetSecretValue', Resource: credentialsSecretArn }),
        ]),
      },
    });
    // Their keys are not ours to create; without key ARNs in context they use the AWS-managed key.
    imported.template.resourceCountIs('AWS::KMS::Key', 0);
  });
});

describe('export bucket', () => {
  it('blocks public access, encrypts, expires exports and logs access', () => {
    const bucket = resourceOf(built.stack.exports.bucket);
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { DestinationBucketName: refOf(built.stack.exports.accessLogsBucket) },
    });
    expect((bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual({
      Id: 'expire-exports',
      ExpirationInDays: 90,
      Status: 'Enabled',
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('both buckets refuse requests without TLS', () => {
    for (const bucket of [built.stack.exports.bucket, built.stack.exports.accessLogsBucket]) {
      built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: refOf(bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('monitoring', () => {
  const topic = () => refOf(built.stack.monitoring.topic);

  it('alarms on DLQ depth, sync errors, scope age over the threshold and API 5xx, notifying the topic', () => {
    const expectAlarm = (properties: Record<string, unknown>) =>
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...properties,
        AlarmActions: [topic()],
      });
    expectAlarm({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalIdOf(built.stack.events.deadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 1,
    });
    expectAlarm({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC_NAMES.SyncErrors,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
    });
    expectAlarm({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC_NAMES.OldestScopeAgeSeconds,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Threshold: 6 * 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    expectAlarm({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: refOf(built.stack.http.httpApi) }],
    });
  });

  it('alarms when due time-boxed grants keep failing to expire, and on the expiry function failing', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC_NAMES.GrantExpiryFailures,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
      AlarmActions: [topic()],
    });
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: refOf(built.stack.functions.grantExpiry.function) }],
      AlarmActions: [topic()],
    });
  });

  it('the scope-age threshold and the alarm e-mail come from context', () => {
    const custom = buildStack({ oldestScopeAgeAlarmHours: '2', alarmEmail: 'ops@example.com' });
    custom.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRIC_NAMES.OldestScopeAgeSeconds,
      Threshold: 7200,
    });
    custom.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: refOf(custom.stack.monitoring.topic),
    });
    built.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('has a dashboard that shows every custom metric', () => {
    const dashboards = Object.values(built.template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const name of Object.values(METRIC_NAMES)) expect(body).toContain(`\\"${name}\\"`);
  });
});

it('outputs the API URL, table name, secret ARNs and queue URL', () => {
  const outputs = built.template.toJSON().Outputs as Record<string, { Value: unknown }>;
  expect(outputs.ApiUrl?.Value).toEqual(built.stack.resolve(built.stack.http.httpApi.apiEndpoint));
  expect(outputs.TableName?.Value).toEqual(refOf(built.stack.data.table));
  expect(outputs.CredentialsSecretArn?.Value).toEqual(refOf(built.stack.secrets.credentials));
  expect(outputs.WebhookSecretsArn?.Value).toEqual(refOf(built.stack.secrets.webhookSecrets));
  expect(outputs.EventsQueueUrl?.Value).toEqual(refOf(built.stack.events.queue));
});

function functionsByName() {
  const { sync, webhook, applyEvents, api, grantExpiry } = built.stack.functions;
  return { sync, webhook, applyEvents, api, grantExpiry };
}

function byKey(a: { routeKey: string }, b: { routeKey: string }) {
  return a.routeKey.localeCompare(b.routeKey);
}
