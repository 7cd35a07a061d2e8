// Reads and validates the whole configuration once. Every problem is reported with the variable's name
// and what was expected, all at once, so a misconfigured deployment fails at cold start, not mid-sync.
import type { AuthorizationPolicyDocument } from '../authz/index.js';
import type { z } from 'zod';
import {
  Credential,
  CredentialSecretAdminPart,
  CredentialSecretSyncPart,
  EnvironmentSchema,
  HTTPS_RULE,
  identityKeyOf,
  REMOTE_URL_VARIABLES,
  SyncIdentities,
  WebhookSecrets,
  type Administration,
  type LocalTokenEntry,
  type OrganizationCredential,
  type WorkspaceSlug,
} from './schemas.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Where the Bitbucket credential comes from. Secrets are read lazily (and re-read on 401). */
export type CredentialSource =
  | { from: 'secrets-manager'; secretArn: string }
  | { from: 'environment'; credential: Credential }
  | { from: 'none' };

/**
 * Where the organization credential (Atlassian Admin API) comes from: the environment, the `admin` part
 * of the credentials secret in AWS (read lazily; the secret may have none), or nowhere.
 */
export type OrganizationCredentialSource =
  | { from: 'secrets-manager'; secretArn: string }
  | { from: 'environment'; credential: OrganizationCredential }
  | { from: 'none' };

/**
 * Where the sync's further Bitbucket identities come from: the environment (BITBUCKET_SYNC_IDENTITIES),
 * the `syncIdentities` part of the credentials secret (read lazily; the secret may have none), or nowhere.
 */
export type SyncIdentitiesSource =
  | { from: 'secrets-manager'; secretArn: string }
  | { from: 'environment'; credentials: SyncIdentities }
  | { from: 'none' };

export type WebhookSecretSource =
  | { from: 'secrets-manager'; secretArn: string }
  | { from: 'environment'; secrets: WebhookSecrets }
  | { from: 'none' };

export interface AppConfig {
  bitbucket: {
    apiUrl: string;
    oauthUrl: string;
    /** Workspace slugs to govern; empty means every workspace the credential can see. */
    workspaces: z.infer<typeof WorkspaceSlug>[];
    hourlyRequestLimit: number;
    credentials: CredentialSource;
    /** Further identities the sync reads with, each with its own hour. */
    syncIdentities: SyncIdentitiesSource;
  };
  /** Workspaces administered in admin.atlassian.com: the Atlassian Admin API (ADMIN-API.md). */
  organization: {
    apiUrl: string;
    /** BITBUCKET_ADMINISTRATION: discover per workspace (`auto`) or force one mode. */
    administration: Administration;
    /** Requests per rolling hour allowed on the Admin API (its own hour, apart from Bitbucket's). */
    hourlyRequestLimit: number;
    credentials: OrganizationCredentialSource;
  };
  store: { tableName: string; endpoint?: string };
  sync: {
    hourlyRequestBudget: number;
    membershipIntervalMs: number;
    listingIntervalMs: number;
    stepIntervalMs: number;
    deletionGuardShare: number;
    /** How long a refused listing waits before it is tried again, ms. */
    capabilityGapRetryMs: number;
  };
  webhooks: {
    secrets: WebhookSecretSource;
    /** Workspace slugs that may deliver unsigned (WEBHOOK_ALLOW_UNSIGNED); empty for none. */
    allowUnsigned: readonly string[];
    queueUrl?: string;
  };
  exports: { bucket?: string };
  local: {
    port: number;
    apiToken?: string;
    /** LOCAL_API_TOKENS: callers with roles, each with its bearer token. */
    apiTokens: LocalTokenEntry[];
    dataDir: string;
  };
  /** The AWS policy document (AUTHORIZATION_POLICY); absent: nobody holds a role. */
  authorization: { policy?: AuthorizationPolicyDocument };
}

type Environment = Record<string, string | undefined>;
type ParsedEnvironment = { [K in keyof typeof EnvironmentSchema]: z.output<(typeof EnvironmentSchema)[K]> };

/** "SOURCE.path: expected …" for one zod issue; record-key issues report the inner reason. */
export function formatIssue(source: string, issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? `${source}.${issue.path.join('.')}` : source;
  const inner = issue.code === 'invalid_key' ? issue.issues[0] : undefined;
  return `${where}: expected ${inner?.message ?? issue.message}`;
}

/** A URL's user name and password replaced by `…`, so an error can show the rest of it. */
function withoutUserInfo(raw: string): string {
  if (!URL.canParse(raw)) return raw;
  const url = new URL(raw);
  return url.username === '' && url.password === '' ? raw : raw.replace(/\/\/[^/]*@/, '//…@');
}

function describeIssue(name: string, issue: z.core.$ZodIssue, raw: string | undefined): string {
  const shown = raw === undefined ? undefined : withoutUserInfo(raw);
  const got =
    shown === undefined
      ? 'it is not set'
      : `got ${JSON.stringify(shown.length > 40 ? `${shown.slice(0, 40)}…` : shown)}`;
  // Never echo values of variables that hold secrets.
  const secretish = /TOKEN|SECRET|PASSWORD|KEY/.test(name);
  return `${formatIssue(name, issue)}${secretish ? '' : `, ${got}`}`;
}

function parseEnvironment(env: Environment, problems: string[]): ParsedEnvironment {
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(EnvironmentSchema)) {
    // An empty variable counts as unset, as shells and .env files commonly leave them.
    const raw = env[name] === '' ? undefined : env[name];
    const result = (schema as z.ZodType).safeParse(raw);
    if (result.success) parsed[name] = result.data;
    else for (const issue of result.error.issues) problems.push(describeIssue(name, issue, raw));
  }
  return parsed as ParsedEnvironment;
}

/**
 * True when this environment is an AWS Lambda function's: the Lambda runtime sets AWS_LAMBDA_FUNCTION_NAME
 * in every function and a deployment cannot unset it. Anything else (`npm start`, `bbgov`, tests) is local
 * mode.
 */
export function runsInLambda(env: Environment): boolean {
  return (env.AWS_LAMBDA_FUNCTION_NAME ?? '') !== '';
}

/** In AWS nothing answers on loopback but the function itself: every remote URL must be https there. */
function refuseHttpInLambda(env: Environment, parsed: ParsedEnvironment, problems: string[]): void {
  if (!runsInLambda(env)) return;
  for (const name of REMOTE_URL_VARIABLES) {
    const url = parsed[name];
    if (url !== undefined && URL.canParse(url) && new URL(url).protocol === 'http:') {
      problems.push(
        `${name}: expected an https URL (${HTTPS_RULE}; this is AWS Lambda), got ${JSON.stringify(url)}`,
      );
    }
  }
}

function credentialSource(env: ParsedEnvironment, problems: string[]): CredentialSource {
  const candidates: Credential[] = [];
  const pairs: [string | undefined, string | undefined, string, string][] = [
    [env.BITBUCKET_EMAIL, env.BITBUCKET_API_TOKEN, 'BITBUCKET_EMAIL', 'BITBUCKET_API_TOKEN'],
    [
      env.BITBUCKET_OAUTH_CLIENT_ID,
      env.BITBUCKET_OAUTH_CLIENT_SECRET,
      'BITBUCKET_OAUTH_CLIENT_ID',
      'BITBUCKET_OAUTH_CLIENT_SECRET',
    ],
  ];
  // A variable that is set but invalid is already reported; saying it is missing would be wrong.
  const reported = (name: string) => problems.some((problem) => problem.startsWith(`${name}:`));
  for (const [first, second, firstName, secondName] of pairs) {
    if (reported(firstName) || reported(secondName)) continue;
    if ((first === undefined) !== (second === undefined)) {
      problems.push(
        `${first === undefined ? firstName : secondName}: expected it to be set together with ${first === undefined ? secondName : firstName}`,
      );
    }
  }
  if (env.BITBUCKET_EMAIL && env.BITBUCKET_API_TOKEN) {
    candidates.push({ auth: 'api-token', email: env.BITBUCKET_EMAIL, apiToken: env.BITBUCKET_API_TOKEN });
  }
  if (env.BITBUCKET_OAUTH_CLIENT_ID && env.BITBUCKET_OAUTH_CLIENT_SECRET) {
    candidates.push({
      auth: 'oauth-client-credentials',
      clientId: env.BITBUCKET_OAUTH_CLIENT_ID,
      clientSecret: env.BITBUCKET_OAUTH_CLIENT_SECRET,
    });
  }
  if (env.BITBUCKET_ACCESS_TOKEN)
    candidates.push({ auth: 'access-token', token: env.BITBUCKET_ACCESS_TOKEN });

  if (env.CREDENTIALS_SECRET_ARN) {
    if (candidates.length > 0) {
      problems.push(
        'CREDENTIALS_SECRET_ARN: expected no BITBUCKET_* credential variables beside it (choose one source)',
      );
    }
    return { from: 'secrets-manager', secretArn: env.CREDENTIALS_SECRET_ARN };
  }
  if (candidates.length > 1) {
    problems.push(
      `BITBUCKET_*: expected one credential, got ${candidates.map((c) => c.auth).join(' and ')} (unset all but one)`,
    );
  }
  const [credential] = candidates;
  return credential ? { from: 'environment', credential } : { from: 'none' };
}

function organizationCredentialSource(
  env: ParsedEnvironment,
  credentials: CredentialSource,
  problems: string[],
): OrganizationCredentialSource {
  const { ATLASSIAN_ORG_ID: orgId, ATLASSIAN_ADMIN_API_KEY: apiKey } = env;
  if ((orgId === undefined) !== (apiKey === undefined)) {
    problems.push(
      orgId === undefined
        ? 'ATLASSIAN_ORG_ID: expected it to be set together with ATLASSIAN_ADMIN_API_KEY'
        : 'ATLASSIAN_ADMIN_API_KEY: expected it to be set together with ATLASSIAN_ORG_ID',
    );
  }
  if (orgId && apiKey) {
    if (credentials.from === 'secrets-manager') {
      problems.push(
        'ATLASSIAN_ADMIN_API_KEY: expected no key in the environment beside CREDENTIALS_SECRET_ARN (put "admin": {"orgId", "apiKey"} in that secret)',
      );
    }
    return { from: 'environment', credential: { orgId, apiKey } };
  }
  // In AWS the key lives in the credentials secret; whether it holds one is known when it is read.
  if (credentials.from === 'secrets-manager')
    return { from: 'secrets-manager', secretArn: credentials.secretArn };
  return { from: 'none' };
}

function syncIdentitiesSource(
  env: ParsedEnvironment,
  credentials: CredentialSource,
  problems: string[],
): SyncIdentitiesSource {
  if (env.BITBUCKET_SYNC_IDENTITIES !== undefined) {
    if (credentials.from === 'secrets-manager') {
      problems.push(
        'BITBUCKET_SYNC_IDENTITIES: expected none in the environment beside CREDENTIALS_SECRET_ARN (put "syncIdentities": […] in that secret)',
      );
      return { from: 'none' };
    }
    if (credentials.from === 'none') {
      problems.push(
        'BITBUCKET_SYNC_IDENTITIES: expected a primary credential beside it (BITBUCKET_EMAIL + BITBUCKET_API_TOKEN, …)',
      );
      return { from: 'none' };
    }
    try {
      const list = parseSyncIdentities(env.BITBUCKET_SYNC_IDENTITIES, 'BITBUCKET_SYNC_IDENTITIES');
      const primary = identityKeyOf(credentials.credential);
      if (list.some((credential) => identityKeyOf(credential) === primary))
        problems.push(
          'BITBUCKET_SYNC_IDENTITIES: expected other identities than the primary credential (the same one twice shares one hour)',
        );
      return { from: 'environment', credentials: list };
    } catch (error) {
      problems.push(...(error instanceof ConfigError ? error.problems : [String(error)]));
      return { from: 'none' };
    }
  }
  if (credentials.from === 'secrets-manager')
    return { from: 'secrets-manager', secretArn: credentials.secretArn };
  return { from: 'none' };
}

function webhookSecretSource(env: ParsedEnvironment, problems: string[]): WebhookSecretSource {
  if (env.WEBHOOK_SECRETS_ARN) return { from: 'secrets-manager', secretArn: env.WEBHOOK_SECRETS_ARN };
  if (env.WEBHOOK_SECRETS === undefined) return { from: 'none' };
  try {
    return { from: 'environment', secrets: parseWebhookSecrets(env.WEBHOOK_SECRETS, 'WEBHOOK_SECRETS') };
  } catch (error) {
    problems.push(...(error instanceof ConfigError ? error.problems : [String(error)]));
    return { from: 'none' };
  }
}

/**
 * Parses the environment into the connector's configuration, or throws one ConfigError listing every
 * problem. Remote URLs must be https; http is accepted only for a loopback host outside AWS Lambda.
 */
export function loadConfig(env: Environment = process.env): AppConfig {
  const problems: string[] = [];
  const parsed = parseEnvironment(env, problems);
  refuseHttpInLambda(env, parsed, problems);
  const credentials = credentialSource(parsed, problems);
  const webhookSecrets = webhookSecretSource(parsed, problems);
  const organizationCredentials = organizationCredentialSource(parsed, credentials, problems);
  const syncIdentities = syncIdentitiesSource(parsed, credentials, problems);
  // The sync's share cannot exceed what Bitbucket allows; the rest is kept for webhooks and provisioning.
  if (parsed.SYNC_HOURLY_REQUEST_BUDGET > parsed.BITBUCKET_HOURLY_REQUEST_LIMIT) {
    problems.push(
      `SYNC_HOURLY_REQUEST_BUDGET: expected at most BITBUCKET_HOURLY_REQUEST_LIMIT (${parsed.BITBUCKET_HOURLY_REQUEST_LIMIT}), got ${parsed.SYNC_HOURLY_REQUEST_BUDGET}`,
    );
  }
  // The same token twice would make one caller two: the administrator entry would silently win.
  const overlap = (parsed.LOCAL_API_TOKENS ?? []).findIndex(
    (entry) => entry.token === parsed.LOCAL_API_TOKEN,
  );
  if (overlap >= 0) {
    problems.push(
      `LOCAL_API_TOKEN: the same token as LOCAL_API_TOKENS entry ${overlap + 1} (${parsed.LOCAL_API_TOKENS?.[overlap]?.principal}); give each caller its own`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const minutes = 60_000;
  return {
    bitbucket: {
      apiUrl: parsed.BITBUCKET_API_URL,
      oauthUrl: parsed.BITBUCKET_OAUTH_URL,
      workspaces: parsed.BITBUCKET_WORKSPACES,
      hourlyRequestLimit: parsed.BITBUCKET_HOURLY_REQUEST_LIMIT,
      credentials,
      syncIdentities,
    },
    organization: {
      apiUrl: parsed.ATLASSIAN_ADMIN_API_URL,
      administration: parsed.BITBUCKET_ADMINISTRATION,
      hourlyRequestLimit: parsed.ATLASSIAN_ADMIN_HOURLY_REQUEST_LIMIT,
      credentials: organizationCredentials,
    },
    store: {
      tableName: parsed.TABLE_NAME,
      ...(parsed.DYNAMODB_ENDPOINT ? { endpoint: parsed.DYNAMODB_ENDPOINT } : {}),
    },
    sync: {
      hourlyRequestBudget: parsed.SYNC_HOURLY_REQUEST_BUDGET,
      membershipIntervalMs: parsed.SYNC_MEMBERSHIP_INTERVAL_MINUTES * minutes,
      listingIntervalMs: parsed.SYNC_LISTING_INTERVAL_MINUTES * minutes,
      stepIntervalMs: parsed.SYNC_STEP_INTERVAL_MINUTES * minutes,
      deletionGuardShare: parsed.SYNC_DELETION_GUARD_SHARE,
      capabilityGapRetryMs: parsed.SYNC_CAPABILITY_GAP_RETRY_MINUTES * minutes,
    },
    webhooks: {
      secrets: webhookSecrets,
      allowUnsigned: parsed.WEBHOOK_ALLOW_UNSIGNED,
      ...(parsed.EVENTS_QUEUE_URL ? { queueUrl: parsed.EVENTS_QUEUE_URL } : {}),
    },
    exports: parsed.EXPORT_BUCKET ? { bucket: parsed.EXPORT_BUCKET } : {},
    local: {
      port: parsed.PORT,
      ...(parsed.LOCAL_API_TOKEN ? { apiToken: parsed.LOCAL_API_TOKEN } : {}),
      apiTokens: parsed.LOCAL_API_TOKENS ?? [],
      dataDir: parsed.DATA_DIR,
    },
    authorization: parsed.AUTHORIZATION_POLICY ? { policy: parsed.AUTHORIZATION_POLICY } : {},
  };
}

function parseSecretJson<T>(text: string, source: string, schema: z.ZodType<T>, expected: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError([`${source}: expected JSON ${expected}, got text that is not JSON`]);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => formatIssue(source, issue)));
  }
  return result.data;
}

/** Parses the credentials secret's JSON; errors name the field, never the value. */
export function parseCredentialSecret(text: string, source: string): Credential {
  return parseSecretJson(
    text,
    source,
    Credential,
    '{"auth":"api-token","email","apiToken"} | {"auth":"oauth-client-credentials","clientId","clientSecret"} | {"auth":"access-token","token"}',
  );
}

/**
 * The organization credential in the credentials secret's JSON (`"admin": {"orgId", "apiKey"}`), or null
 * when it has none. Errors name the field, never the value.
 */
export function parseOrganizationCredentialSecret(
  text: string,
  source: string,
): OrganizationCredential | null {
  return (
    parseSecretJson(text, source, CredentialSecretAdminPart, '{…, "admin": {"orgId", "apiKey"}}').admin ??
    null
  );
}

/**
 * The sync's further identities: a JSON array of credentials (BITBUCKET_SYNC_IDENTITIES), or the
 * `syncIdentities` part of the credentials secret's JSON (`[]` when it has none). Errors name the entry
 * and field, never a value.
 */
export function parseSyncIdentities(text: string, source: string): SyncIdentities {
  return parseSecretJson(text, source, SyncIdentities, '[{"auth":"api-token","email","apiToken"}, …]');
}

/** The `syncIdentities` part of the credentials secret's JSON, or `[]` when it has none. */
export function parseSyncIdentitiesSecret(text: string, source: string): SyncIdentities {
  return (
    parseSecretJson(text, source, CredentialSecretSyncPart, '{…, "syncIdentities": [<credential>, …]}')
      .syncIdentities ?? []
  );
}

/** Parses the webhook secrets JSON `{"<workspace slug>": "<secret>"}`. */
export function parseWebhookSecrets(text: string, source: string): WebhookSecrets {
  return parseSecretJson(text, source, WebhookSecrets, '{"<workspace slug>": "<secret>"}');
}
