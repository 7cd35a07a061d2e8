// `npx cdk synth|deploy` runs this (cdk.json). Context is validated first; cdk-nag's AWS Solutions checks
// run as a validation plugin, so an unacknowledged finding fails the synth.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseDeploymentContext } from './deployment-context.js';
import { BitbucketGovernanceStack } from './stack.js';

const STACK_NAME = 'BitbucketGovernance';

const app = new App();
const settings = parseDeploymentContext((key) => app.node.tryGetContext(key));
new BitbucketGovernanceStack(app, STACK_NAME, {
  settings,
  // Unset without credentials: the template stays environment-agnostic and synthesises offline.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
