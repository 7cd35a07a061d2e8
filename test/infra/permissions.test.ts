// Each function's role, statement by statement: what it may do and on which resource, nothing more.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  arnOf,
  buildStack,
  BUILD_TIMEOUT_MS,
  logicalIdOf,
  refOf,
  statementsOfRole,
  type BuiltStack,
  type PolicyStatementJson,
} from './governance-stack.js';

let built: BuiltStack;
beforeAll(() => {
  built = buildStack();
}, BUILD_TIMEOUT_MS);

const TABLE_READ_WRITE = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];
const SECRET_READ = ['secretsmanager:GetSecretValue'];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

function allow(actions: string[], resources: unknown[], condition?: unknown): PolicyStatementJson {
  const statement: PolicyStatementJson = {
    Effect: 'Allow',
    Action: [...actions].sort(),
    Resource: resources,
  };
  if (condition) statement.Condition = condition;
  return statement;
}

function sortStatements(statements: PolicyStatementJson[]): PolicyStatementJson[] {
  const sorted = statements.map((statement) => ({
    ...statement,
    Resource: [...statement.Resource].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  }));
  return sorted.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function expectStatements(role: 'webhook' | 'applyEvents' | 'sync' | 'api', expected: PolicyStatementJson[]) {
  const fn = built.stack.functions[role];
  const own = [
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(fn.logGroup)]),
    allow(XRAY, ['*']),
  ];
  expect(sortStatements(statementsOfRole(built, fn.role))).toEqual(sortStatements([...own, ...expected]));
}

function tableAndIndexes() {
  const tableArn = arnOf(built.stack.data.table);
  return [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }];
}

describe('function roles', () => {
  it('webhook: reads the webhook secret, writes delivery records only, sends to the queue', () => {
    expectStatements('webhook', [
      allow(SECRET_READ, [refOf(built.stack.secrets.webhookSecrets)]),
      allow(['dynamodb:DeleteItem', 'dynamodb:PutItem'], [arnOf(built.stack.data.table)], {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DELIVERY#*'] },
      }),
      allow(['sqs:SendMessage'], [arnOf(built.stack.events.queue)]),
    ]);
  });

  it('apply-events: table read/write, credentials read, consumes the queue', () => {
    expectStatements('applyEvents', [
      allow(TABLE_READ_WRITE, tableAndIndexes()),
      allow(SECRET_READ, [refOf(built.stack.secrets.credentials)]),
      allow(
        [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        [arnOf(built.stack.events.queue)],
      ),
    ]);
  });

  it('sync: table read/write and credentials read, nothing else', () => {
    expectStatements('sync', [
      allow(TABLE_READ_WRITE, tableAndIndexes()),
      allow(SECRET_READ, [refOf(built.stack.secrets.credentials)]),
    ]);
  });

  it('api: table read/write (grants, request records), credentials read, put/get on export objects', () => {
    expectStatements('api', [
      allow(TABLE_READ_WRITE, tableAndIndexes()),
      allow(SECRET_READ, [refOf(built.stack.secrets.credentials)]),
      allow(
        ['s3:GetObject', 's3:PutObject'],
        [{ 'Fn::Join': ['', [arnOf(built.stack.exports.bucket), '/*']] }],
      ),
    ]);
  });

  it('every function role is assumable by Lambda only and has no managed policy', () => {
    const roles = built.template.findResources('AWS::IAM::Role');
    for (const name of ['webhook', 'applyEvents', 'sync', 'api'] as const) {
      const role = roles[logicalIdOf(built.stack.functions[name].role)];
      expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('the scheduler role may only invoke the sync function', () => {
    const syncArn = arnOf(built.stack.functions.sync.function);
    expect(sortStatements(statementsOfRole(built, built.stack.syncSchedule.role))).toEqual(
      sortStatements([allow(['lambda:InvokeFunction'], [syncArn, { 'Fn::Join': ['', [syncArn, ':*']] }])]),
    );
  });

  it('no statement anywhere grants a wildcard action', () => {
    const policies = built.template.findResources('AWS::IAM::Policy');
    const actions = Object.values(policies).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((statement) =>
        Array.isArray(statement.Action) ? statement.Action : [statement.Action],
      ),
    );
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });
});

// Each secret's own key decides who can read it: GetSecretValue alone no longer suffices.
describe('secret keys', () => {
  type FunctionName = 'webhook' | 'applyEvents' | 'sync' | 'api';
  const FUNCTIONS: FunctionName[] = ['webhook', 'applyEvents', 'sync', 'api'];
  const READERS = {
    credentials: ['api', 'applyEvents', 'sync'],
    webhookSecrets: ['webhook'],
  } as const satisfies Record<'credentials' | 'webhookSecrets', FunctionName[]>;

  const VIA_SECRETS_MANAGER = {
    StringEquals: {
      'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
    },
  };
  const ACCOUNT_ROOT = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
  };

  interface KeyStatement {
    Effect: string;
    Action: string | string[];
    Principal: { AWS: unknown };
    Resource: string;
    Condition?: unknown;
  }

  function keyPolicyOf(name: keyof typeof READERS): KeyStatement[] {
    const key = built.stack.secrets.keys[name];
    if (!key) throw new Error(`no key for the ${name} secret`);
    const resource = built.template.findResources('AWS::KMS::Key')[logicalIdOf(key)];
    return resource?.Properties.KeyPolicy.Statement as KeyStatement[];
  }

  /** The function a principal is the role of, or the principal itself when it is no function's role. */
  function principalName(principal: unknown): string {
    const found = FUNCTIONS.find(
      (fn) => JSON.stringify(principal) === JSON.stringify(arnOf(built.stack.functions[fn].role)),
    );
    return found ?? JSON.stringify(principal);
  }

  it.each(Object.entries(READERS))(
    'the %s key policy: the account administers it, only %j may decrypt, and only through Secrets Manager',
    (name, readers) => {
      const [admin, ...grants] = keyPolicyOf(name as keyof typeof READERS);
      // The default administration statement: without it no one could manage or delete the key.
      expect(admin).toEqual({
        Effect: 'Allow',
        Action: 'kms:*',
        Principal: { AWS: ACCOUNT_ROOT },
        Resource: '*',
      });
      for (const grant of grants) {
        expect(grant).toMatchObject({
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Condition: VIA_SECRETS_MANAGER,
        });
      }
      const decrypters = grants.flatMap((grant) => [grant.Principal.AWS].flat().map(principalName));
      expect(decrypters.sort()).toEqual([...readers].sort());
    },
  );

  it('the credential readers cannot decrypt the webhook secrets, nor the webhook receiver the credential', () => {
    const decrypters = (name: keyof typeof READERS) =>
      keyPolicyOf(name)
        .filter((statement) => [statement.Action].flat().some((action) => action !== 'kms:*'))
        .flatMap((statement) => [statement.Principal.AWS].flat().map(principalName));
    expect(decrypters('credentials')).not.toContain('webhook');
    for (const reader of READERS.credentials) expect(decrypters('webhookSecrets')).not.toContain(reader);
  });

  it('no IAM policy grants a KMS action: with created secrets the key policies alone decide', () => {
    const kmsActions = Object.values(built.template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
        .flatMap((statement) => [statement.Action].flat())
        .filter((action) => action.startsWith('kms:')),
    );
    expect(kmsActions).toEqual([]);
  });

  it(
    'imported secrets with a key ARN: each reader gets decrypt on that key alone, through Secrets Manager',
    () => {
      const credentialsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
      const webhookSecretsKeyArn =
        'arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef';
      const imported = buildStack({
        credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/credentials-AbCdEf',
        webhookSecretsArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/webhooks-123456',
        credentialsKeyArn,
        webhookSecretsKeyArn,
      });
      imported.template.resourceCountIs('AWS::KMS::Key', 0);
      const keyOf = { credentials: credentialsKeyArn, webhookSecrets: webhookSecretsKeyArn };
      for (const fn of FUNCTIONS) {
        const kmsStatements = statementsOfRole(imported, imported.stack.functions[fn].role).filter(
          (statement) => statement.Action.some((action) => action.startsWith('kms:')),
        );
        const expected = (Object.keys(READERS) as (keyof typeof READERS)[])
          .filter((name) => (READERS[name] as readonly string[]).includes(fn))
          .map((name) => allow(['kms:Decrypt'], [keyOf[name]], VIA_SECRETS_MANAGER));
        expect(kmsStatements, fn).toEqual(expected);
      }
    },
    BUILD_TIMEOUT_MS,
  );
});
