// Builds the stack the way infra/app.ts does, but in-process and without bundling (the one real synth, with
// bundling, runs in synth.test.ts). Shared by the infra tests.
import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parseDeploymentContext } from '../../infra/deployment-context.js';
import { BitbucketGovernanceStack } from '../../infra/stack.js';

export interface BuiltStack {
  app: App;
  stack: BitbucketGovernanceStack;
  template: Template;
}

/** The feature flags of cdk.json, so the tested template is the one `cdk deploy` produces. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/**
 * The policy every test deploy gets unless it passes its own: the context is required, and names at least one
 * administrator (cdk.json holds none, so no deploy inherits a made-up administrator).
 */
export const TEST_AUTHORIZATION_POLICY = {
  statements: [
    {
      principal: 'arn:aws:sts::123456789012:assumed-role/GovernanceAdmins/*',
      roles: ['administrator'],
      workspaces: ['*'],
    },
    {
      principal: 'arn:aws:sts::123456789012:assumed-role/Engineers/ada@example.com',
      accountId: '557058:ada',
      roles: ['requester'],
      workspaces: ['acme'],
    },
  ],
};

export function buildStack(context: Record<string, unknown> = {}): BuiltStack {
  // An empty bundling list makes NodejsFunction skip esbuild: template tests need no bundles.
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      'aws:cdk:bundling-stacks': [],
      authorizationPolicy: TEST_AUTHORIZATION_POLICY,
      ...context,
    },
  });
  const settings = parseDeploymentContext((key) => app.node.tryGetContext(key));
  const stack = new BitbucketGovernanceStack(app, 'BitbucketGovernance', { settings });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id CloudFormation knows a construct's main resource by. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
}

/** `{ "Fn::GetAtt": [id, "Arn"] }` of a construct's main resource. */
export function arnOf(construct: IConstruct): unknown {
  return { 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] };
}

export function refOf(construct: IConstruct): unknown {
  return { Ref: logicalIdOf(construct) };
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Condition?: unknown;
}

/** Every statement attached to a role (its inline default policy), actions and resources as sorted lists. */
export function statementsOfRole(built: BuiltStack, role: IConstruct): PolicyStatementJson[] {
  const roleId = logicalIdOf(role);
  const policies = Object.values(built.template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some(
      (entry) => JSON.stringify(entry) === JSON.stringify({ Ref: roleId }),
    ),
  );
  const managed = built.template.findResources('AWS::IAM::Role')[roleId]?.Properties?.ManagedPolicyArns;
  if (managed) throw new Error(`role ${roleId} has managed policies: ${JSON.stringify(managed)}`);
  return policies.flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).map((statement) =>
      normalise(statement),
    ),
  );
}

function normalise(statement: Record<string, unknown>): PolicyStatementJson {
  const list = (value: unknown) => (Array.isArray(value) ? [...value] : [value]);
  const normalised: PolicyStatementJson = {
    Effect: statement.Effect as string,
    Action: (list(statement.Action) as string[]).sort(),
    Resource: list(statement.Resource).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
  if (statement.Condition) normalised.Condition = statement.Condition;
  return normalised;
}

/** Building the stack takes seconds (more on a busy machine): longer than vitest's default hook timeout. */
export const BUILD_TIMEOUT_MS = 120_000;
