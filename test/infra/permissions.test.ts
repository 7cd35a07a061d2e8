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
const SECRET_READ = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
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
      allow(['secretsmanager:GetSecretValue'], [refOf(built.stack.secrets.webhookSecrets)]),
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
