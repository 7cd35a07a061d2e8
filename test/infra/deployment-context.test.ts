// Context validation: defaults, accepted spellings, and errors that name the key.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  DeploymentContextError,
  MAX_AUTHORIZATION_POLICY_BYTES,
  parseDeploymentContext,
} from '../../infra/deployment-context.js';
import { TEST_AUTHORIZATION_POLICY } from './governance-stack.js';

/** Parses `context`, with the required policy added unless the context names one (even as undefined). */
const parse = (context: Record<string, unknown>) =>
  parseDeploymentContext((key) =>
    key === 'authorizationPolicy' && !(key in context) ? TEST_AUTHORIZATION_POLICY : context[key],
  );

function problemsOf(context: Record<string, unknown>): string[] {
  try {
    parse(context);
  } catch (error) {
    if (error instanceof DeploymentContextError) return error.problems;
    throw error;
  }
  throw new Error('expected a DeploymentContextError');
}

describe('parseDeploymentContext', () => {
  it('applies the defaults to a context holding only the policy', () => {
    const settings = parse({});
    expect(settings).toEqual({
      authorizationPolicy: TEST_AUTHORIZATION_POLICY,
      workspaces: [],
      scheduleRate: expect.any(Duration),
      hourlyRequestBudget: 800,
      administration: 'auto',
      credentialsSecretArn: undefined,
      webhookSecretsArn: undefined,
      credentialsKeyArn: undefined,
      webhookSecretsKeyArn: undefined,
      secretOperators: [],
      alarmEmail: undefined,
      oldestScopeAgeAlarmHours: 6,
    });
    expect(settings.scheduleRate.toMinutes()).toBe(5);
  });

  it('accepts -c strings and cdk.json values alike', () => {
    const fromCli = parse({
      workspaces: ' acme , beta.team ,',
      scheduleRate: '2 hours',
      hourlyRequestBudget: '500',
      oldestScopeAgeAlarmHours: '1.5',
      alarmEmail: 'ops@example.com',
      credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/credentials-AbCdEf',
    });
    expect(fromCli.workspaces).toEqual(['acme', 'beta.team']);
    expect(fromCli.scheduleRate.toMinutes()).toBe(120);
    expect(fromCli.hourlyRequestBudget).toBe(500);
    expect(fromCli.oldestScopeAgeAlarmHours).toBe(1.5);
    const fromJson = parse({ workspaces: ['acme'], scheduleRate: '1 minute', hourlyRequestBudget: 900 });
    expect(fromJson.workspaces).toEqual(['acme']);
    expect(fromJson.scheduleRate.toMinutes()).toBe(1);
    expect(fromJson.hourlyRequestBudget).toBe(900);
  });

  it('treats an empty string as unset', () => {
    expect(parse({ alarmEmail: '', workspaces: '' })).toMatchObject({
      alarmEmail: undefined,
      workspaces: [],
    });
  });

  it('reports every bad key at once, each by name with what was expected and what it got', () => {
    const problems = problemsOf({
      workspaces: 'Acme',
      scheduleRate: 'every 5 minutes',
      hourlyRequestBudget: 'lots',
      credentialsSecretArn: 'arn:aws:s3:::bucket',
      webhookSecretsArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/webhooks',
      alarmEmail: 'ops',
      oldestScopeAgeAlarmHours: '-1',
    });
    expect(problems).toHaveLength(7);
    for (const key of [
      'workspaces.0',
      'scheduleRate',
      'hourlyRequestBudget',
      'credentialsSecretArn',
      'webhookSecretsArn',
      'alarmEmail',
      'oldestScopeAgeAlarmHours',
    ]) {
      expect(problems.some((problem) => problem.startsWith(`${key}: expected `))).toBe(true);
    }
    expect(problems).toContain('hourlyRequestBudget: expected a whole number, got "lots"');
  });

  it('takes the KMS key of an imported secret by key ARN, never an alias, and never without the secret', () => {
    const credentialsSecretArn =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/credentials-AbCdEf';
    const credentialsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    expect(parse({ credentialsSecretArn, credentialsKeyArn })).toMatchObject({
      credentialsSecretArn,
      credentialsKeyArn,
    });
    expect(
      problemsOf({
        credentialsSecretArn,
        credentialsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/bbgov',
      }),
    ).toEqual([expect.stringMatching(/^credentialsKeyArn: expected the ARN of a KMS key .*not of an alias/)]);
    expect(problemsOf({ webhookSecretsKeyArn: credentialsKeyArn })).toEqual([
      expect.stringMatching(/^webhookSecretsKeyArn: expected only together with webhookSecretsArn/),
    ]);
  });

  describe('secretOperators', () => {
    const ops = 'arn:aws:iam::123456789012:role/ops';
    const sso =
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef';
    const ada = 'arn:aws-cn:iam::210987654321:user/people/ada.lovelace@example.com';

    it('takes role and user ARNs (with a path) as a -c list or a cdk.json list, each once', () => {
      expect(parse({ secretOperators: ` ${ops} ,${sso},, ${ops}` }).secretOperators).toEqual([ops, sso]);
      expect(parse({ secretOperators: [ada, ops] }).secretOperators).toEqual([ada, ops]);
      expect(parse({ secretOperators: '' }).secretOperators).toEqual([]);
    });

    it('refuses an account, a session, a group or a wildcard, naming the entry and saying what to give', () => {
      const problemOf = (arn: string) => problemsOf({ secretOperators: [ops, arn] });
      expect(problemOf('arn:aws:iam::123456789012:root')).toEqual([
        expect.stringMatching(
          /^secretOperators\.1: expected a role or user, not an account \(naming an account lets every IAM policy/,
        ),
      ]);
      expect(problemOf('123456789012')).toEqual([
        expect.stringMatching(/^secretOperators\.1: expected a role or user, not an account/),
      ]);
      expect(problemOf('arn:aws:sts::123456789012:assumed-role/Admin/ada')).toEqual([
        expect.stringMatching(
          /^secretOperators\.1: expected the role's ARN \(arn:aws:iam::ACCOUNT:role\/PATH\/NAME; `aws iam get-role --role-name NAME` shows it\), not an assumed-role session ARN, got /,
        ),
      ]);
      for (const arn of [
        'arn:aws:iam::123456789012:group/admins',
        'arn:aws:iam::123456789012:role/*',
        'arn:aws:iam::12345:role/ops',
        'ops',
        '*',
      ])
        expect(problemOf(arn), arn).toEqual([
          `secretOperators.1: expected the ARN of an IAM role or user (arn:aws:iam::ACCOUNT:role/NAME or arn:aws:iam::ACCOUNT:user/NAME), got ${JSON.stringify([ops, arn])}`,
        ]);
      expect(problemsOf({ secretOperators: 42 })).toEqual([
        'secretOperators: expected a comma-separated list of IAM role or user ARNs, got 42',
      ]);
    });

    it('are refused when both secrets are imported: there is no key of ours to name them in', () => {
      const imported = {
        credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/credentials-AbCdEf',
        webhookSecretsArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/webhooks-123456',
      };
      expect(problemsOf({ ...imported, secretOperators: ops })).toEqual([
        expect.stringMatching(/^secretOperators: expected only when the stack creates a secret/),
      ]);
      expect(parse({ ...imported, secretOperators: '' }).secretOperators).toEqual([]);
      expect(
        parse({ credentialsSecretArn: imported.credentialsSecretArn, secretOperators: ops }).secretOperators,
      ).toEqual([ops]);
    });
  });

  describe('authorizationPolicy', () => {
    const admins = {
      principal: 'arn:aws:sts::123456789012:assumed-role/GovernanceAdmins/*',
      roles: ['administrator'],
      workspaces: ['*'],
    };
    const reviewers = {
      principal: 'arn:aws:sts::123456789012:assumed-role/Reviewers/*',
      roles: ['reader'],
      workspaces: ['acme', 'beta.team'],
    };
    const policyOf = (...statements: unknown[]) => ({ statements });
    const problemsOfPolicy = (authorizationPolicy: unknown) => problemsOf({ authorizationPolicy });

    it('takes a -c JSON string and a cdk.json object alike', () => {
      const policy = policyOf(admins, reviewers);
      expect(parse({ authorizationPolicy: JSON.stringify(policy) }).authorizationPolicy).toEqual(policy);
      expect(parse({ authorizationPolicy: policy }).authorizationPolicy).toEqual(policy);
      // Indented text (a string in cdk.json) is JSON all the same.
      expect(parse({ authorizationPolicy: JSON.stringify(policy, null, 2) }).authorizationPolicy).toEqual(
        policy,
      );
    });

    it('takes the principals AWS callers arrive as: sessions, users, federated users, root, patterns', () => {
      const principals = [
        'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/ada@example.com',
        'arn:aws-cn:sts::123456789012:assumed-role/Reviewers/*',
        'arn:aws:sts::*:assumed-role/Reviewers/*',
        'arn:aws:sts::123456789012:federated-user/ada',
        'arn:aws:iam::123456789012:user/people/ada',
        'arn:aws:iam::123456789012:root',
        'arn:aws:iam::123456789012:*',
      ];
      const policy = policyOf(...principals.map((principal) => ({ ...admins, principal })));
      expect(parse({ authorizationPolicy: policy }).authorizationPolicy).toEqual(policy);
    });

    it("accepts README's deploy example, passed as jq -c passes it", () => {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const example = /cat > policy\.json <<'JSON'\n([\s\S]*?)\nJSON\n/.exec(readme)?.[1];
      expect(example).toBeDefined();
      const compact = JSON.stringify(JSON.parse(example ?? ''));
      expect(parse({ authorizationPolicy: compact }).authorizationPolicy).toEqual(JSON.parse(compact));
    });

    it('is required: without it the synth stops with an example', () => {
      for (const authorizationPolicy of [undefined, ''])
        expect(problemsOfPolicy(authorizationPolicy)).toEqual([
          `authorizationPolicy: expected the policy document naming who holds which role (README "Roles"), e.g. -c authorizationPolicy='{"statements":[{"principal":"arn:aws:sts::123456789012:assumed-role/GovernanceAdmins/*","roles":["administrator"],"workspaces":["*"]}]}', got nothing`,
        ]);
    });

    it('names at least one administrator', () => {
      const problem =
        'authorizationPolicy: expected at least one administrator (a statement with "roles": ["administrator"]); without one nobody could grant, revoke or release a hold';
      expect(problemsOfPolicy(policyOf(reviewers))).toEqual([problem]);
      expect(problemsOfPolicy(JSON.stringify(policyOf()))).toEqual([problem]);
    });

    it('refuses what is not a policy document, naming the key and the path', () => {
      expect(problemsOfPolicy('{"statements": [')).toEqual([
        'authorizationPolicy: expected a JSON policy document {"statements": [...]} on one line (the CDK CLI keeps a -c value only up to its first line break; from a file: -c authorizationPolicy="$(jq -c . policy.json)"), got "{\\"statements\\": ["',
      ]);
      // What the CLI passes on for `-c authorizationPolicy="$(cat indented.json)"`.
      expect(problemsOfPolicy('{')[0]).toMatch(/^authorizationPolicy: expected .* on one line .*, got "\{"$/);
      expect(problemsOfPolicy('[]')).toEqual([
        'authorizationPolicy: expected a policy document {"statements": [...]}, got []',
      ]);
      expect(problemsOfPolicy(42)).toEqual([
        'authorizationPolicy: expected a policy document {"statements": [...]}, got 42',
      ]);
      expect(problemsOfPolicy({ statement: [admins] })).toEqual([
        'authorizationPolicy.statements: expected a list of statements, got nothing',
        'authorizationPolicy: expected only statements, got "statement"',
      ]);
      expect(problemsOfPolicy(policyOf(admins, 'admins'))).toEqual([
        'authorizationPolicy.statements.1: expected a statement {"principal": …, "roles": […], "workspaces": […], "accountId"?: …}, got "admins"',
      ]);
      expect(problemsOfPolicy(policyOf(admins, { ...reviewers, role: 'reader' }))).toEqual([
        'authorizationPolicy.statements.1: expected only principal, roles, workspaces and accountId, got "role"',
      ]);
      expect(problemsOfPolicy(policyOf(admins, { principal: reviewers.principal }))).toEqual([
        'authorizationPolicy.statements.1.roles: expected a list, got nothing',
        'authorizationPolicy.statements.1.workspaces: expected a list, got nothing',
      ]);
    });

    it('refuses an unknown role or a bad workspace, naming the entry', () => {
      expect(problemsOfPolicy(policyOf({ ...admins, roles: ['admin'], workspaces: ['Acme Corp'] }))).toEqual([
        'authorizationPolicy.statements.0.roles.0: expected one of reader, requester, approver, administrator, got "admin"',
        'authorizationPolicy.statements.0.workspaces.0: expected a workspace slug or "*", got "Acme Corp"',
      ]);
      expect(problemsOfPolicy(JSON.stringify(policyOf(admins, { ...reviewers, roles: [] })))).toEqual([
        'authorizationPolicy.statements.1.roles: expected at least one role, got []',
      ]);
    });

    it('refuses a principal no AWS caller can be, saying what to write instead', () => {
      const problemOf = (principal: string) =>
        problemsOfPolicy(policyOf(admins, { ...reviewers, principal }));
      const shapes =
        'an IAM principal ARN or ARN pattern (arn:aws:iam::ACCOUNT:role/NAME (every session of the role), arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION or arn:aws:iam::ACCOUNT:user/NAME, "*" matching any run of characters (arn:aws:sts::ACCOUNT:assumed-role/ROLE/* is every session of ROLE), or oidc:SUBJECT for a reviewer-page user)';
      for (const principal of [
        '*',
        'alice',
        'arn:*',
        'arn:aws:s3:::bucket',
        'arn:aws:iam::12345:user/ada',
        'arn:aws:iam::123456789012:group/admins',
        'arn:aws:sts::123456789012:session/ada',
        'arn:aws:sts::123456789012:assumed-role/Reviewers/ada lovelace',
      ])
        expect(problemOf(principal), principal).toEqual([
          `authorizationPolicy.statements.1.principal: expected ${shapes}, got ${JSON.stringify(principal)}`,
        ]);
      expect(problemOf('local')).toEqual([
        `authorizationPolicy.statements.1.principal: expected ${shapes}; "local" is the local server's caller and names nobody in AWS, got "local"`,
      ]);
      // A role ARN stands for its sessions (lib/authz); a pattern inside one is not a role's name.
      const roleArn =
        'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Ops_0a1b';
      expect(() =>
        parse({ authorizationPolicy: policyOf(admins, { ...reviewers, principal: roleArn }) }),
      ).not.toThrow();
      expect(problemOf('arn:aws:iam::123456789012:role/Ops*')).toEqual([
        `authorizationPolicy.statements.1.principal: expected ${shapes}, got "arn:aws:iam::123456789012:role/Ops*"`,
      ]);
    });

    it(`refuses a policy over ${MAX_AUTHORIZATION_POLICY_BYTES} bytes of compact JSON, saying how large it is`, () => {
      const session = (index: number) => ({
        principal: `arn:aws:sts::123456789012:assumed-role/Engineers/engineer-${String(index).padStart(4, '0')}@example.com`,
        roles: ['requester'],
        workspaces: ['acme'],
      });
      const statements = [admins, ...Array.from({ length: 40 }, (_, index) => session(index))];
      const size = (count: number) =>
        Buffer.byteLength(JSON.stringify(policyOf(...statements.slice(0, count))));
      const fits = statements.filter((_, index) => size(index + 1) <= MAX_AUTHORIZATION_POLICY_BYTES).length;
      // Indentation does not count: the function gets compact JSON.
      expect(
        parse({ authorizationPolicy: JSON.stringify(policyOf(...statements.slice(0, fits)), null, 2) })
          .authorizationPolicy.statements,
      ).toHaveLength(fits);
      const tooLarge = policyOf(...statements.slice(0, fits + 1));
      expect(problemsOfPolicy(tooLarge)).toEqual([
        `authorizationPolicy: expected at most 3000 bytes of compact JSON (it travels in the API function's environment, which Lambda caps at 4 KB), got ${size(fits + 1)} bytes; shorten it with ARN patterns, e.g. one arn:aws:sts::123456789012:assumed-role/Reviewers/* statement instead of one per session, and one statement per role listing several workspaces`,
      ]);
    });
  });

  it('refuses a zero or fractional budget', () => {
    expect(problemsOf({ hourlyRequestBudget: 0 })).toEqual([
      'hourlyRequestBudget: expected a number above zero, got 0',
    ]);
    expect(problemsOf({ hourlyRequestBudget: '1.5' })).toEqual([
      'hourlyRequestBudget: expected a whole number, got "1.5"',
    ]);
  });
});

it('the CDK app stops on bad context with the key named and no stack trace', () => {
  // CDK_CONTEXT_JSON is how the CDK CLI hands context to the app.
  const run = spawnSync('npx', ['tsx', 'infra/app.ts'], {
    cwd: new URL('../../', import.meta.url),
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ scheduleRate: 'soon' }) },
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('scheduleRate: expected a rate such as "5 minutes"');
  expect(run.stderr).not.toMatch(/\n\s+at /);
});

it('the CDK app stops without an authorization policy, showing one', () => {
  const run = spawnSync('npx', ['tsx', 'infra/app.ts'], {
    cwd: new URL('../../', import.meta.url),
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({}) },
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(
    `authorizationPolicy: expected the policy document naming who holds which role (README "Roles"), e.g. -c authorizationPolicy='{"statements":[{"principal":"arn:aws:sts::123456789012:assumed-role/GovernanceAdmins/*",`,
  );
  expect(run.stderr).not.toMatch(/\n\s+at /);
});
