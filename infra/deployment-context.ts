// Reads and validates the CDK context (`-c key=value` or cdk.json) once, before any construct exists, so a
// typo fails the synth with the key's name instead of deploying something surprising.
import { Duration } from 'aws-cdk-lib';
import { z } from 'zod';
import { formatIssue } from '../lib/config/config.js';
import { WorkspaceSlug } from '../lib/config/schemas.js';

export class DeploymentContextError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid CDK context:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'DeploymentContextError';
  }
}

const RATE_UNITS = { minute: Duration.minutes, hour: Duration.hours, day: Duration.days } as const;

/** "5 minutes", "1 hour", "2 days": the units EventBridge Scheduler's rate() accepts. */
const scheduleRate = z
  .string('a rate such as "5 minutes"')
  .trim()
  .regex(/^[1-9]\d* (minute|hour|day)s?$/, 'a rate such as "5 minutes", "1 hour" or "1 day"')
  .transform((text) => {
    const [amount = '', unit = ''] = text.split(' ');
    return RATE_UNITS[unit.replace(/s$/, '') as keyof typeof RATE_UNITS](Number(amount));
  });

/** `-c` values arrive as strings; cdk.json may hold a list. Both mean the same. */
const workspaceList = z
  .union([z.string(), z.array(z.string())], 'a comma-separated list of workspace slugs')
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((slug) => slug.trim())
      .filter((slug) => slug.length > 0),
  )
  .pipe(z.array(WorkspaceSlug));

const positiveWholeNumber = z.coerce
  .number('a whole number')
  .int('a whole number')
  .positive('a number above zero');

const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/,
    'the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-abc123)',
  );

/** A key ARN, not an alias: IAM statements match a KMS key by its key ARN only. */
const kmsKeyArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
    'the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not of an alias',
  );

const IAM_NAME = String.raw`[\w+=,.@-]+`;
/** A role or user ARN, with an optional path (IAM Identity Center roles have one). */
const IAM_ROLE_OR_USER_ARN = new RegExp(
  String.raw`^arn:aws[a-z-]*:iam::\d{12}:(role|user)/(${IAM_NAME}/)*${IAM_NAME}$`,
);

/** Why an ARN cannot be a secret operator, or undefined when it can. */
function secretOperatorProblem(arn: string): string | undefined {
  if (/^arn:aws[a-z-]*:iam::\d{12}:root$/.test(arn) || /^\d{12}$/.test(arn))
    return 'a role or user, not an account (naming an account lets every IAM policy in it grant the use of the keys)';
  if (/^arn:aws[a-z-]*:sts::\d{12}:assumed-role\//.test(arn))
    return "the role's ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME; `aws iam get-role --role-name NAME` shows it), not an assumed-role session ARN";
  if (!IAM_ROLE_OR_USER_ARN.test(arn))
    return 'the ARN of an IAM role or user (arn:aws:iam::ACCOUNT:role/NAME or arn:aws:iam::ACCOUNT:user/NAME)';
  return undefined;
}

/**
 * Who puts the secret values: a comma-separated `-c` string or a cdk.json list of role or user ARNs, each
 * given GenerateDataKey and Decrypt on the created keys through Secrets Manager. Duplicates count once.
 */
const secretOperatorList = z
  .union([z.string(), z.array(z.string())], 'a comma-separated list of IAM role or user ARNs')
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((arn) => arn.trim())
      .filter((arn) => arn.length > 0),
  )
  .pipe(
    z.array(
      z.string().superRefine((arn, context) => {
        const problem = secretOperatorProblem(arn);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }),
    ),
  )
  .transform((arns) => [...new Set(arns)]);

/** Each key-ARN setting and the imported secret it belongs to: a created secret uses the stack's own key. */
const SECRET_OF_KEY = {
  credentialsKeyArn: 'credentialsSecretArn',
  webhookSecretsKeyArn: 'webhookSecretsArn',
} as const;

/** Every context key the app reads, with its default. */
export const DeploymentContextSchema = {
  workspaces: workspaceList.default([]),
  scheduleRate: scheduleRate.default(Duration.minutes(5)),
  hourlyRequestBudget: positiveWholeNumber.default(800),
  /** BITBUCKET_ADMINISTRATION: who administers the workspaces' groups (`auto` discovers it). */
  administration: z
    .enum(['auto', 'bitbucket', 'organization'], 'one of auto, bitbucket, organization')
    .default('auto'),
  credentialsSecretArn: secretArn.optional(),
  webhookSecretsArn: secretArn.optional(),
  /** The customer-managed key of an imported credentials secret: its readers get decrypt on it. */
  credentialsKeyArn: kmsKeyArn.optional(),
  /** The customer-managed key of an imported webhook-secrets secret. */
  webhookSecretsKeyArn: kmsKeyArn.optional(),
  /** IAM roles or users who put the secret values: they may use the created keys through Secrets Manager. */
  secretOperators: secretOperatorList.default([]),
  alarmEmail: z.email('an e-mail address').optional(),
  oldestScopeAgeAlarmHours: z.coerce
    .number('a number of hours')
    .positive('a number of hours above zero')
    .default(6),
};

export type DeploymentSettings = {
  [K in keyof typeof DeploymentContextSchema]: z.output<(typeof DeploymentContextSchema)[K]>;
};

/**
 * Validates raw context values (as `node.tryGetContext` returns them) and collects every problem before
 * failing, each with its key. An empty string counts as unset.
 */
export function parseDeploymentContext(read: (key: string) => unknown): DeploymentSettings {
  const problems: string[] = [];
  const settings: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(DeploymentContextSchema)) {
    const raw = read(key);
    const result = (schema as z.ZodType).safeParse(raw === '' ? undefined : raw);
    if (result.success) settings[key] = result.data;
    else
      for (const issue of result.error.issues)
        problems.push(`${formatIssue(key, issue)}, got ${JSON.stringify(raw)}`);
  }
  for (const [keyArn, secretArn] of Object.entries(SECRET_OF_KEY)) {
    if (settings[keyArn] !== undefined && settings[secretArn] === undefined)
      problems.push(
        `${keyArn}: expected only together with ${secretArn} (a secret the stack creates is encrypted with the stack's own key), got ${JSON.stringify(settings[keyArn])}`,
      );
  }
  const operators = settings.secretOperators as string[] | undefined;
  if (operators?.length && settings.credentialsSecretArn && settings.webhookSecretsArn)
    problems.push(
      `secretOperators: expected only when the stack creates a secret (an imported secret's key policy is its owner's to write), got ${JSON.stringify(operators)}`,
    );
  if (problems.length > 0) throw new DeploymentContextError(problems);
  return settings as DeploymentSettings;
}
