// Reads and validates the CDK context (`-c key=value` or cdk.json) once, before any construct exists, so a
// typo fails the synth with the key's name instead of deploying something surprising.
import { Duration } from 'aws-cdk-lib';
import { z } from 'zod';
import { AuthorizationPolicy, AuthorizationPolicyDocument } from '../lib/authz/index.js';
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

/** Every context key the app reads, with its default; and `authorizationPolicy`, required (below). */
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
  /**
   * The reviewer page's OpenID Connect issuer (https URL, as in the tokens' `iss`): its JWTs authorize the
   * page's data routes. Without it (and uiOidcAudience) the page's routes are not deployed.
   */
  uiOidcIssuer: z
    .url({ protocol: /^https$/, error: 'an https URL (the issuer as the tokens name it in "iss")' })
    .optional(),
  /** The audiences (client ids) the page's JWTs must carry in `aud`: comma-separated or a list. */
  uiOidcAudience: z
    .union([z.string(), z.array(z.string())], 'a comma-separated list of audiences (client ids)')
    .transform((value) =>
      (Array.isArray(value) ? value : value.split(',')).map((entry) => entry.trim()).filter(Boolean),
    )
    .optional(),
  oldestScopeAgeAlarmHours: z.coerce
    .number('a number of hours')
    .positive('a number of hours above zero')
    .default(6),
};

/** The context key of the authorization policy document (read apart from the schema: it has no default). */
export const AUTHORIZATION_POLICY_KEY = 'authorizationPolicy';

/**
 * The most compact-JSON bytes the policy may take: it travels in the API function's environment, and
 * Lambda allows 4 KB of environment variables in all (the stack sets about 600 bytes of its own).
 */
export const MAX_AUTHORIZATION_POLICY_BYTES = 3000;

export type DeploymentSettings = {
  [K in keyof typeof DeploymentContextSchema]: z.output<(typeof DeploymentContextSchema)[K]>;
} & {
  /** Who holds which role (README "Roles"): the API function's AUTHORIZATION_POLICY. */
  authorizationPolicy: AuthorizationPolicyDocument;
};

const EXAMPLE_POLICY = JSON.stringify({
  statements: [
    {
      principal: 'arn:aws:sts::123456789012:assumed-role/GovernanceAdmins/*',
      roles: ['administrator'],
      workspaces: ['*'],
    },
  ],
});

const PRINCIPAL_SHAPES =
  'arn:aws:iam::ACCOUNT:role/NAME (every session of the role), arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION or arn:aws:iam::ACCOUNT:user/NAME, "*" matching any run of characters (arn:aws:sts::ACCOUNT:assumed-role/ROLE/* is every session of ROLE), or oidc:SUBJECT for a reviewer-page user';

/**
 * Why `principal` can never name a caller in AWS, or undefined when it can. API Gateway's IAM authorizer
 * reports a caller as the ARN it signed with: a role's session (`sts::…:assumed-role/ROLE/SESSION`, the
 * role's path left out), an IAM user (`iam::…:user/PATH/NAME`), a federated user or the account's root.
 */
function principalProblem(principal: string): string | undefined {
  if (principal === 'local')
    return `an IAM principal ARN or ARN pattern (${PRINCIPAL_SHAPES}); "local" is the local server's caller and names nobody in AWS`;
  // The reviewer page's callers: the subject of the OpenID Connect issuer's JWT (lib/ui oidcPrincipalOf).
  if (/^oidc:\S+$/.test(principal)) return undefined;
  const arn = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}|\*):(\S+)$/.exec(principal);
  if (!arn) return `an IAM principal ARN or ARN pattern (${PRINCIPAL_SHAPES})`;
  const [, , service = '', , resource = ''] = arn;
  // A role ARN stands for every session of the role (lib/authz matches assumed-role/NAME/* for it).
  const callerShapes =
    service === 'iam' ? /^(root$|user\/|role\/[^*]+$|\*)/ : /^(assumed-role\/|federated-user\/|\*)/;
  if (!callerShapes.test(resource)) return `an IAM principal ARN or ARN pattern (${PRINCIPAL_SHAPES})`;
  return undefined;
}

/** The value at `path` inside `value`, or undefined. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** `got …` for an error message: short values whole, long ones cut. */
function got(value: unknown): string {
  if (value === undefined) return 'got nothing';
  const text = JSON.stringify(value);
  return `got ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

/** What a policy document issue expected, in words (zod's own words for shapes are its defaults). */
function policyIssueProblem(issue: z.core.$ZodIssue, document: unknown): string {
  const key = [AUTHORIZATION_POLICY_KEY, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length === 0 ? 'statements' : 'principal, roles, workspaces and accountId';
    return `${key}: expected only ${known}, got ${issue.keys.map((name) => JSON.stringify(name)).join(', ')}`;
  }
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    const depth = issue.path.length;
    if (depth === 0) message = 'a policy document {"statements": [...]}';
    else if (depth === 1) message = 'a list of statements';
    else if (depth === 2)
      message = 'a statement {"principal": …, "roles": […], "workspaces": […], "accountId"?: …}';
    else message = issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
  }
  return `${key}: expected ${message}, ${got(valueAt(document, issue.path))}`;
}

/**
 * The authorization policy document: JSON text (`-c authorizationPolicy='{"statements": […]}'`) or an
 * object (cdk.json). Required, with at least one administrator, principals that can name AWS callers, and
 * small enough for the API function's environment.
 */
function parseAuthorizationPolicy(raw: unknown, problems: string[]): AuthorizationPolicyDocument | undefined {
  const key = AUTHORIZATION_POLICY_KEY;
  if (raw === undefined || raw === '') {
    problems.push(
      `${key}: expected the policy document naming who holds which role (README "Roles"), e.g. -c ${key}='${EXAMPLE_POLICY}', got nothing`,
    );
    return undefined;
  }
  let document: unknown = raw;
  if (typeof raw === 'string') {
    try {
      document = JSON.parse(raw) as unknown;
    } catch {
      // The CLI cuts a -c value at its first line break, so an indented file arrives as `{`.
      problems.push(
        `${key}: expected a JSON policy document {"statements": [...]} on one line (the CDK CLI keeps a -c value only up to its first line break; from a file: -c ${key}="$(jq -c . policy.json)"), ${got(raw)}`,
      );
      return undefined;
    }
  }
  const result = AuthorizationPolicyDocument.safeParse(document);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(policyIssueProblem(issue, document));
    return undefined;
  }
  const policy = result.data;
  const before = problems.length;
  policy.statements.forEach(({ principal }, index) => {
    const problem = principalProblem(principal);
    if (problem)
      problems.push(`${key}.statements.${index}.principal: expected ${problem}, ${got(principal)}`);
  });
  if (!new AuthorizationPolicy(policy).hasAdministrator())
    problems.push(
      `${key}: expected at least one administrator (a statement with "roles": ["administrator"]); without one nobody could grant, revoke or release a hold`,
    );
  const bytes = Buffer.byteLength(JSON.stringify(policy), 'utf8');
  if (bytes > MAX_AUTHORIZATION_POLICY_BYTES)
    problems.push(
      `${key}: expected at most ${MAX_AUTHORIZATION_POLICY_BYTES} bytes of compact JSON (it travels in the API function's environment, which Lambda caps at 4 KB), got ${bytes} bytes; shorten it with ARN patterns, e.g. one arn:aws:sts::123456789012:assumed-role/Reviewers/* statement instead of one per session, and one statement per role listing several workspaces`,
    );
  return problems.length === before ? policy : undefined;
}

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
  if ((settings.uiOidcIssuer === undefined) !== (settings.uiOidcAudience === undefined))
    problems.push(
      `uiOidcIssuer and uiOidcAudience: expected both (the reviewer page's JWT authorizer needs the issuer and the audience) or neither, got ${settings.uiOidcIssuer === undefined ? 'only uiOidcAudience' : 'only uiOidcIssuer'}`,
    );
  settings.authorizationPolicy = parseAuthorizationPolicy(read(AUTHORIZATION_POLICY_KEY), problems);
  const operators = settings.secretOperators as string[] | undefined;
  if (operators?.length && settings.credentialsSecretArn && settings.webhookSecretsArn)
    problems.push(
      `secretOperators: expected only when the stack creates a secret (an imported secret's key policy is its owner's to write), got ${JSON.stringify(operators)}`,
    );
  if (problems.length > 0) throw new DeploymentContextError(problems);
  return settings as DeploymentSettings;
}
