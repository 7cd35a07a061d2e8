// `npx cdk synth|deploy` runs this (cdk.json). Context is validated first; cdk-nag's AWS Solutions checks
// run as a validation plugin, so an unacknowledged finding fails the synth.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  DeploymentContextError,
  parseDeploymentContext,
  type DeploymentSettings,
} from './deployment-context.js';
import { BitbucketGovernanceStack } from './stack.js';

const STACK_NAME = 'BitbucketGovernance';

const app = new App();
let settings: DeploymentSettings;
try {
  settings = parseDeploymentContext((key) => app.node.tryGetContext(key));
} catch (error) {
  if (!(error instanceof DeploymentContextError)) throw error;
  // The problem list is the whole message; a stack trace would only bury it.
  console.error(error.message);
  process.exit(1);
}
// Environment-agnostic (no `env`): synthesises without credentials, and deploys to the account and region
// of the profile `cdk deploy` runs with.
new BitbucketGovernanceStack(app, STACK_NAME, { settings });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
