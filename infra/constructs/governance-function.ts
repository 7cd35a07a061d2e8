// One Lambda function the way all five are built: Node.js 24 on arm64, an ESM bundle made by the local
// esbuild (never Docker) with the options of function-bundling.ts (shared with the cold-start bench), X-Ray,
// Powertools settings, its own log group and its own role that starts empty.
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/observability/metric-names.js';
import { FUNCTION_NODE_OPTIONS, functionBundling } from './function-bundling.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { ESM_REQUIRE_BANNER } from './function-bundling.js';

export const FUNCTION_LOG_RETENTION = RetentionDays.THREE_MONTHS;

export interface GovernanceFunctionProps {
  /** File under functions/, e.g. `sync.ts`; it exports `handler`. */
  entryFile: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  /** Only the variables this function reads. */
  environment: Record<string, string>;
  /** Files copied beside the bundle (name in the bundle → local path), e.g. the built reviewer page. */
  bundledFiles?: Record<string, string>;
}

/** Shell-quotes one argument for the bundling hook's commands. */
function quoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export class GovernanceFunction extends Construct {
  readonly function: NodejsFunction;
  /** Starts with nothing but writing its own logs and X-Ray; every other permission is granted by name. */
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: GovernanceFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: FUNCTION_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of the default one: the default attaches AWSLambdaBasicExecutionRole, whose
    // log permissions cover every log group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the bitbucket-governance ${id} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}functions/${props.entryFile}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        // Target, banner, minification, source map, where the AWS SDK comes from and what is left out:
        // shared with the cold-start bench and the bundle test.
        ...functionBundling(),
        ...(props.bundledFiles
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_inputDir: string, outputDir: string) =>
                  Object.entries(props.bundledFiles ?? {}).map(
                    ([name, path]) => `cp ${quoted(path)} ${quoted(`${outputDir}/${name}`)}`,
                  ),
              },
            }
          : {}),
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments and PutTelemetryRecords (added by CDK for active tracing) support no resource-level permissions; AWS requires "*".',
    });
  }
}
