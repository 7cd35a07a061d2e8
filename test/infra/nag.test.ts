// cdk-nag's AWS Solutions checks over the whole app: no finding may be left unacknowledged, and every
// acknowledgement says why.
import { Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, BUILD_TIMEOUT_MS, type BuiltStack } from './governance-stack.js';

let created: BuiltStack;
let imported: BuiltStack;
let importedWithKeys: BuiltStack;
let withOperators: BuiltStack;
beforeAll(() => {
  const importedSecrets = {
    credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/credentials-AbCdEf',
    webhookSecretsArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bbgov/webhooks-123456',
  };
  created = buildStack();
  imported = buildStack({ ...importedSecrets, alarmEmail: 'ops@example.com', workspaces: 'acme' });
  importedWithKeys = buildStack({
    ...importedSecrets,
    credentialsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    webhookSecretsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000',
  });
  withOperators = buildStack({
    secretOperators: 'arn:aws:iam::123456789012:role/ops,arn:aws:iam::123456789012:user/ada',
  });
}, BUILD_TIMEOUT_MS);

/** One line per unacknowledged finding: rule, resource, what is wrong. */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.ruleName} at ${resource.constructPath}: ${violation.description}`,
    ),
  );
}

/** Every acknowledgement recorded anywhere in the tree: construct path, rule id, reason. */
function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutionsChecks', () => {
  it('finds nothing unacknowledged with created secrets', () => {
    expect(findings(created.app)).toEqual([]);
  });

  it('finds nothing unacknowledged with imported secrets and an alarm e-mail', () => {
    expect(findings(imported.app)).toEqual([]);
  });

  it('finds nothing unacknowledged with imported secrets and their keys', () => {
    expect(findings(importedWithKeys.app)).toEqual([]);
  });

  it('finds nothing unacknowledged with secret operators named in the key policies', () => {
    expect(findings(withOperators.app)).toEqual([]);
  });

  it('acknowledges nothing more when the key policies name secret operators', () => {
    const paths = (built: BuiltStack) => acknowledgements(built.app).map(({ path, id }) => `${path} ${id}`);
    expect(paths(withOperators).sort()).toEqual(paths(created).sort());
  });

  it(
    'does report a finding the stack does not acknowledge (the check is live)',
    () => {
      const probe = buildStack();
      probe.stack.functions.sync.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:*'], resources: [probe.stack.data.table.tableArn] }),
      );
      expect(findings(probe.app)).toEqual([expect.stringContaining('AwsSolutions-IAM5[Action::dynamodb:*]')]);
    },
    BUILD_TIMEOUT_MS,
  );

  it('every acknowledgement carries a written reason', () => {
    const all = acknowledgements(created.app);
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) {
      expect(reason.trim().length, `${id} on ${path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('acknowledges only these findings, each on the construct it concerns', () => {
    const ids = acknowledgements(created.app).map(
      ({ path, id }) => `${path} ${id.replace(/<[^>]+>/, '<ARN>')}`,
    );
    const xray = (fn: string) => `BitbucketGovernance/Functions/${fn}/Role AwsSolutions-IAM5[Resource::*]`;
    const index = (fn: string) =>
      `BitbucketGovernance/Functions/${fn}/Role AwsSolutions-IAM5[Resource::<ARN>/index/*]`;
    expect(ids.sort()).toEqual(
      [
        xray('Webhook'),
        xray('ApplyEvents'),
        xray('Sync'),
        xray('Api'),
        xray('GrantExpiry'),
        index('ApplyEvents'),
        index('Sync'),
        index('Api'),
        index('GrantExpiry'),
        'BitbucketGovernance/Functions/Api/Role AwsSolutions-IAM5[Resource::<ARN>/*]',
        'BitbucketGovernance/SyncSchedule/Role AwsSolutions-IAM5[Resource::<ARN>:*]',
        'BitbucketGovernance/GrantExpirySchedule/Role AwsSolutions-IAM5[Resource::<ARN>:*]',
        'BitbucketGovernance/Secrets/Credentials AwsSolutions-SMG4',
        'BitbucketGovernance/Secrets/WebhookSecrets AwsSolutions-SMG4',
        'BitbucketGovernance/Exports/AccessLogs AwsSolutions-S1',
        `BitbucketGovernance/Http/Api/POST--webhooks--bitbucket--{workspace} AwsSolutions-APIG4`,
      ].sort(),
    );
  });
});
