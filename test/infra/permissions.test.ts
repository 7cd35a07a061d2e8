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

type FunctionName = 'webhook' | 'applyEvents' | 'sync' | 'api' | 'grantExpiry';
const ALL_FUNCTIONS: FunctionName[] = ['webhook', 'applyEvents', 'sync', 'api', 'grantExpiry'];

function expectStatements(role: FunctionName, expected: PolicyStatementJson[]) {
  const fn = built.stack.functions[role];
  const own = [
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(fn.logGroup)]),
    allow(XRAY, ['*']),
  ];
  expect(sortStatements(statementsOfRole(built, fn.role))).toEqual(sortStatements([...own, ...expected]));
}

/** events:PutEvents on the default bus, under the stack's own source only. */
function putAccessRequestEvents(): PolicyStatementJson {
  const defaultBus = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':event-bus/default',
      ],
    ],
  };
  return allow(['events:PutEvents'], [defaultBus], {
    StringEquals: { 'events:source': 'bitbucket-governance' },
  });
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

  it('api: table read/write (grants, request records), credentials read, put/get on export objects, access-request events', () => {
    expectStatements('api', [
      allow(TABLE_READ_WRITE, tableAndIndexes()),
      allow(SECRET_READ, [refOf(built.stack.secrets.credentials)]),
      allow(
        ['s3:GetObject', 's3:PutObject'],
        [{ 'Fn::Join': ['', [arnOf(built.stack.exports.bucket), '/*']] }],
      ),
      putAccessRequestEvents(),
    ]);
  });

  it('grant expiry: table read/write, credentials read (Bitbucket and organization), access-request events', () => {
    expectStatements('grantExpiry', [
      allow(TABLE_READ_WRITE, tableAndIndexes()),
      allow(SECRET_READ, [refOf(built.stack.secrets.credentials)]),
      putAccessRequestEvents(),
    ]);
  });

  it('only the api and the grant expiry may put events, on the default bus, as bitbucket-governance', () => {
    const putters = Object.values(built.template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).some((statement) =>
          [statement.Action].flat().some((action) => action.startsWith('events:')),
        ),
      )
      .flatMap((policy) => policy.Properties.Roles as unknown[])
      .map((role) => JSON.stringify(role));
    expect(putters.sort()).toEqual(
      [built.stack.functions.api.role, built.stack.functions.grantExpiry.role]
        .map((role) => JSON.stringify(refOf(role)))
        .sort(),
    );
  });

  it('every function role is assumable by Lambda only and has no managed policy', () => {
    const roles = built.template.findResources('AWS::IAM::Role');
    for (const name of ALL_FUNCTIONS) {
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

  it('the expiry scheduler role may only invoke the grant expiry function', () => {
    const expiryArn = arnOf(built.stack.functions.grantExpiry.function);
    expect(sortStatements(statementsOfRole(built, built.stack.grantExpirySchedule.role))).toEqual(
      sortStatements([
        allow(['lambda:InvokeFunction'], [expiryArn, { 'Fn::Join': ['', [expiryArn, ':*']] }]),
      ]),
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

// Each secret's own key decides who can read it: GetSecretValue alone no longer suffices. The key policy is
// the only place use of a created key can come from: the account administers the key but may use it for
// nothing, so no IAM policy (not even `kms:*` on `*`) can let another principal decrypt.
describe('secret keys', () => {
  type SecretName = 'credentials' | 'webhookSecrets';
  const FUNCTIONS = ALL_FUNCTIONS;
  const READERS = {
    credentials: ['api', 'applyEvents', 'sync', 'grantExpiry'],
    webhookSecrets: ['webhook'],
  } as const satisfies Record<SecretName, FunctionName[]>;
  const SECRETS = Object.keys(READERS) as SecretName[];
  const OPERATORS = [
    'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Ops_0123456789abcdef',
    'arn:aws:iam::123456789012:user/ada',
  ];

  const VIA_SECRETS_MANAGER = {
    StringEquals: {
      'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
    },
  };
  const ACCOUNT_ROOT = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
  };
  /** Every action that uses a symmetric key's material, or hands its use to someone (a grant). */
  const KEY_USE = [
    'kms:Decrypt',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:GenerateDataKeyPair',
    'kms:GenerateDataKeyPairWithoutPlaintext',
    'kms:ReEncryptFrom',
    'kms:ReEncryptTo',
    'kms:CreateGrant',
  ];
  /** What managing, updating and deleting the key takes (CloudFormation's execution role does it). */
  const KEY_ADMINISTRATION = [
    'kms:PutKeyPolicy',
    'kms:GetKeyPolicy',
    'kms:ScheduleKeyDeletion',
    'kms:CancelKeyDeletion',
    'kms:DescribeKey',
    'kms:EnableKey',
    'kms:DisableKey',
    'kms:EnableKeyRotation',
    'kms:DisableKeyRotation',
    'kms:GetKeyRotationStatus',
    'kms:CreateAlias',
    'kms:UpdateAlias',
    'kms:DeleteAlias',
    'kms:UpdateKeyDescription',
    'kms:ListResourceTags',
    'kms:ListKeyPolicies',
    'kms:ListGrants',
    'kms:RevokeGrant',
    'kms:TagResource',
    'kms:UntagResource',
  ];

  let withOperators: BuiltStack;
  beforeAll(() => {
    withOperators = buildStack({ secretOperators: OPERATORS.join(',') });
  }, BUILD_TIMEOUT_MS);

  interface KeyStatement {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Principal: { AWS: unknown };
    Resource: string;
    Condition?: unknown;
  }

  function keyPolicyOf(stack: BuiltStack, name: SecretName): KeyStatement[] {
    const key = stack.stack.secrets.keys[name];
    if (!key) throw new Error(`no key for the ${name} secret`);
    const resource = stack.template.findResources('AWS::KMS::Key')[logicalIdOf(key)];
    return resource?.Properties.KeyPolicy.Statement as KeyStatement[];
  }

  /** Whether one of the statement's action patterns (`kms:Get*`, `kms:*`) covers `action`. */
  function covers(statement: KeyStatement, action: string): boolean {
    return [statement.Action].flat().some((pattern) => {
      const regex = pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.');
      return new RegExp(`^${regex}$`, 'i').test(action);
    });
  }

  /** A function's name for its role, `account` for the account root, or the principal itself. */
  function principalName(stack: BuiltStack, principal: unknown): string {
    if (JSON.stringify(principal) === JSON.stringify(ACCOUNT_ROOT)) return 'account';
    const found = FUNCTIONS.find(
      (fn) => JSON.stringify(principal) === JSON.stringify(arnOf(stack.stack.functions[fn].role)),
    );
    return found ?? (typeof principal === 'string' ? principal : JSON.stringify(principal));
  }

  /** Who may use the key, for which actions, under which condition: every statement counted. */
  function usersOf(
    stack: BuiltStack,
    name: SecretName,
  ): Record<string, { actions: string[]; condition: unknown }> {
    const users: Record<string, { actions: string[]; condition: unknown }> = {};
    for (const statement of keyPolicyOf(stack, name)) {
      const actions = KEY_USE.filter((action) => covers(statement, action));
      if (actions.length === 0) continue;
      for (const principal of [statement.Principal.AWS].flat()) {
        const user = principalName(stack, principal);
        if (users[user]) throw new Error(`${user} is named by two statements that use the ${name} key`);
        users[user] = { actions: actions.sort(), condition: statement.Condition };
      }
    }
    return users;
  }

  const readersOnly = (name: SecretName) =>
    Object.fromEntries(
      READERS[name].map((fn) => [fn, { actions: ['kms:Decrypt'], condition: VIA_SECRETS_MANAGER }]),
    );

  it.each(SECRETS)('the %s key policy: every statement allows, on this key, with nothing negated', (name) => {
    for (const stack of [built, withOperators]) {
      for (const statement of keyPolicyOf(stack, name)) {
        expect(Object.keys(statement).sort()).toEqual(
          expect.arrayContaining(['Action', 'Effect', 'Principal', 'Resource']),
        );
        for (const field of Object.keys(statement))
          expect(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition']).toContain(field);
        expect(statement).toMatchObject({ Effect: 'Allow', Resource: '*' });
      }
    }
  });

  it.each(SECRETS)(
    'the %s key: the account may administer it (PutKeyPolicy, ScheduleKeyDeletion, …) and use it for nothing',
    (name) => {
      for (const stack of [built, withOperators]) {
        const accountStatements = keyPolicyOf(stack, name).filter(
          (statement) => principalName(stack, statement.Principal.AWS) === 'account',
        );
        expect(accountStatements).toEqual([
          {
            Sid: 'AccountAdministersTheKeyButCannotUseIt',
            Effect: 'Allow',
            Action: [
              'kms:CancelKeyDeletion',
              'kms:CreateAlias',
              'kms:Delete*',
              'kms:Describe*',
              'kms:Disable*',
              'kms:Enable*',
              'kms:Get*',
              'kms:List*',
              'kms:Put*',
              'kms:Revoke*',
              'kms:ScheduleKeyDeletion',
              'kms:TagResource',
              'kms:UntagResource',
              'kms:Update*',
            ],
            Principal: { AWS: ACCOUNT_ROOT },
            Resource: '*',
          },
        ]);
        const [administration] = accountStatements;
        if (!administration) throw new Error('no account statement');
        for (const action of KEY_ADMINISTRATION) expect(covers(administration, action), action).toBe(true);
        // No `kms:*`, no decrypt, no data keys, no grants: an IAM policy can hand none of them out.
        for (const action of KEY_USE) expect(covers(administration, action), action).toBe(false);
        expect(usersOf(stack, name)).not.toHaveProperty('account');
      }
    },
  );

  it.each(Object.entries(READERS))(
    'the %s key: only %j may use it, to decrypt, and only through Secrets Manager',
    (name) => {
      expect(usersOf(built, name as SecretName)).toEqual(readersOnly(name as SecretName));
    },
  );

  it.each(SECRETS)(
    'the %s key: secretOperators get exactly GenerateDataKey and Decrypt through Secrets Manager, beside the readers',
    (name) => {
      expect(usersOf(withOperators, name)).toEqual({
        ...readersOnly(name),
        ...Object.fromEntries(
          OPERATORS.map((arn) => [
            arn,
            { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], condition: VIA_SECRETS_MANAGER },
          ]),
        ),
      });
    },
  );

  it('the credential readers cannot decrypt the webhook secrets, nor the webhook receiver the credential', () => {
    expect(usersOf(built, 'credentials')).not.toHaveProperty('webhook');
    for (const reader of READERS.credentials)
      expect(usersOf(built, 'webhookSecrets')).not.toHaveProperty(reader);
  });

  it('no IAM policy grants a KMS action: with created secrets the key policies alone decide', () => {
    for (const stack of [built, withOperators]) {
      const kmsActions = Object.values(stack.template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
          .flatMap((statement) => [statement.Action].flat())
          .filter((action) => action.startsWith('kms:')),
      );
      expect(kmsActions).toEqual([]);
    }
  });

  it(
    'secretOperators reach only the key the stack creates; an imported secret keeps its own key policy',
    () => {
      const oneImported = buildStack({
        credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/credentials-AbCdEf',
        secretOperators: OPERATORS,
      });
      oneImported.template.resourceCountIs('AWS::KMS::Key', 1);
      expect(oneImported.stack.secrets.keys.credentials).toBeUndefined();
      expect(Object.keys(usersOf(oneImported, 'webhookSecrets')).sort()).toEqual(
        ['webhook', ...OPERATORS].sort(),
      );
      const everyPolicy = JSON.stringify(oneImported.template.findResources('AWS::IAM::Policy'));
      for (const arn of OPERATORS) expect(everyPolicy).not.toContain(arn);
    },
    BUILD_TIMEOUT_MS,
  );

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
        const expected = SECRETS.filter((name) => (READERS[name] as readonly string[]).includes(fn)).map(
          (name) => allow(['kms:Decrypt'], [keyOf[name]], VIA_SECRETS_MANAGER),
        );
        expect(kmsStatements, fn).toEqual(expected);
      }
    },
    BUILD_TIMEOUT_MS,
  );
});
