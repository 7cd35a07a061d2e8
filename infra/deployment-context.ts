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
  if (problems.length > 0) throw new DeploymentContextError(problems);
  return settings as DeploymentSettings;
}
