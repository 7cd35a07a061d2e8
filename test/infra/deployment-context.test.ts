// Context validation: defaults, accepted spellings, and errors that name the key.
import { spawnSync } from 'node:child_process';
import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DeploymentContextError, parseDeploymentContext } from '../../infra/deployment-context.js';

const parse = (context: Record<string, unknown>) => parseDeploymentContext((key) => context[key]);

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
  it('applies the defaults to an empty context', () => {
    const settings = parse({});
    expect(settings).toEqual({
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
