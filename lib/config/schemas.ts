// Shapes of every secret and every configuration value, as zod schemas. Parsed once, at cold start.
import * as z from 'zod';
import { AuthorizationPolicyDocument, PolicyStatement, RESERVED_PRINCIPALS } from '../authz/index.js';

/** A workspace slug as Bitbucket allows it: lower case letters, digits, `-`, `_`, `.`. */
export const WorkspaceSlug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,61}$/,
    'a Bitbucket workspace slug (lower case letters, digits, ".", "_", "-")',
  );

/** A required string whose error, missing or empty, says what it should be. */
const requiredText = (what: string) => z.string({ error: what }).min(1, { error: what });

export const ApiTokenCredential = z.object({
  auth: z.literal('api-token'),
  email: z.email({ error: 'an Atlassian account e-mail address' }),
  apiToken: requiredText('a non-empty API token'),
});

export const OAuthClientCredential = z.object({
  auth: z.literal('oauth-client-credentials'),
  clientId: requiredText('a non-empty OAuth client id'),
  clientSecret: requiredText('a non-empty OAuth client secret'),
});

export const AccessTokenCredential = z.object({
  auth: z.literal('access-token'),
  token: requiredText('a non-empty access token'),
});

/** Contents of the credentials secret (and what the environment variables add up to locally). */
export const Credential = z.discriminatedUnion(
  'auth',
  [ApiTokenCredential, OAuthClientCredential, AccessTokenCredential],
  { error: 'auth to be "api-token", "oauth-client-credentials" or "access-token"' },
);
export type Credential = z.infer<typeof Credential>;
export type CredentialKind = Credential['auth'];

/**
 * An Atlassian organization API key and the organization it belongs to (ADMIN-API.md "Base and
 * authentication"): created in admin.atlassian.com, sent as `Authorization: Bearer`.
 */
export const OrganizationCredential = z.object({
  orgId: requiredText('a non-empty organization id (ATLASSIAN_ORG_ID; shown in the admin.atlassian.com URL)'),
  apiKey: requiredText('a non-empty organization API key'),
});
export type OrganizationCredential = z.infer<typeof OrganizationCredential>;

/**
 * What makes two credentials one identity to Bitbucket's rate limit as far as the configuration can tell:
 * the API token's account e-mail (any case), the OAuth client id, the access token itself. Credentials of
 * one account under different kinds are found at run time (`GET /2.0/user`).
 */
export function identityKeyOf(credential: Credential): string {
  if (credential.auth === 'api-token') return `email:${credential.email.toLowerCase()}`;
  if (credential.auth === 'oauth-client-credentials') return `oauth:${credential.clientId}`;
  return `token:${credential.token}`;
}

/**
 * Further Bitbucket identities the sync reads with (issue 22): credentials of other service accounts, each
 * with its own rolling hour of about 1,000 requests (API-NOTES "Rate limits and errors"). Read-only scopes
 * suffice; provisioning and webhooks keep the primary credential. At most 10.
 */
export const SyncIdentities = z
  .array(Credential)
  .max(10, 'at most 10 further identities')
  .refine(
    (list) => new Set(list.map(identityKeyOf)).size === list.length,
    'each identity once (two credentials of one account or consumer share one hour at Bitbucket)',
  );
export type SyncIdentities = z.infer<typeof SyncIdentities>;

/** The credentials secret's optional sync part: `"syncIdentities": [<credential>, …]` beside the primary one. */
export const CredentialSecretSyncPart = z.object({ syncIdentities: SyncIdentities.optional() });

/** The credentials secret's optional organization part: `"admin": {"orgId", "apiKey"}` beside the Bitbucket credential. */
export const CredentialSecretAdminPart = z.object({ admin: OrganizationCredential.optional() });

/**
 * How each workspace's groups and roles are administered: `auto` discovers it (the organization's
 * workspaces through the Admin API, or Bitbucket's own evidence), the others force it.
 */
export const Administration = z.enum(
  ['auto', 'bitbucket', 'organization'],
  'one of auto, bitbucket, organization',
);
export type Administration = z.infer<typeof Administration>;

/** Contents of the webhook secrets secret: `{"<workspace slug>": "<secret>"}`. */
export const WebhookSecrets = z.record(
  WorkspaceSlug,
  z.string({ error: 'a secret string' }).min(16, 'a secret of at least 16 characters'),
);
export type WebhookSecrets = z.infer<typeof WebhookSecrets>;

const positiveInteger = z.coerce
  .number('a whole number')
  .int('a whole number')
  .positive('a number above zero');

const share = z.coerce.number('a number between 0 and 1').gt(0).max(1, 'a number between 0 and 1');

/**
 * True when `hostname` can only mean this machine: `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`.
 * Takes a WHATWG URL's `hostname` (IPv6 in brackets; IPv4 already normalised, so `127.1` arrives as
 * `127.0.0.1`). Names that merely resolve to loopback are not trusted: DNS can change its answer.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True for an `http:` URL whose host is loopback (see isLoopbackHost); false for anything unparsable. */
export function isLoopbackHttpUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname);
}

/** Why plain http is refused, in the words every URL error uses. */
export const HTTPS_RULE = 'http only for a loopback host in local mode';

/**
 * A URL the connector sends credentials, table items or queue messages to: https, or http to a loopback
 * host (the simulator, DynamoDB Local). Whether the process is in local mode is known only from the whole
 * environment, so loadConfig refuses the loopback http this lets through when it runs in AWS Lambda.
 */
const remoteUrl = z
  .url({ protocol: /^https?$/, error: `an https URL (${HTTPS_RULE})` })
  // Only http is this check's to refuse (anything else is already not an https URL); the parsed protocol,
  // not the text, so `HTTP://` is http too.
  .refine((url) => !URL.canParse(url) || new URL(url).protocol !== 'http:' || isLoopbackHttpUrl(url), {
    error: `an https URL (${HTTPS_RULE})`,
  })
  // A password in the URL would travel into every request record that keeps the URL sent.
  .refine((url) => !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === ''), {
    error: 'a URL without a user name or password',
  })
  .transform((url) => url.replace(/\/+$/, ''));

/** The variables holding a remoteUrl, for loadConfig's check of the runtime. */
export const REMOTE_URL_VARIABLES = [
  'BITBUCKET_API_URL',
  'BITBUCKET_OAUTH_URL',
  'ATLASSIAN_ADMIN_API_URL',
  'DYNAMODB_ENDPOINT',
  'EVENTS_QUEUE_URL',
] as const;

/** The entropy a local bearer token must carry by estimateTokenBits, in bits. */
export const MIN_LOCAL_TOKEN_BITS = 128;

/**
 * A conservative estimate of a token's entropy, in bits: its length times log2 of the number of distinct
 * characters in it (both counted in Unicode code points). That is never more than the usual length ×
 * log2(size of the character classes used), and unlike it, it sees through repetition: `aaaa…` carries
 * 0 bits, `abab…` one bit a character. It underrates short random strings (32 random hex digits, 128 real
 * bits, use about 14 distinct digits: about 122 bits here), so it never passes a weak token as strong.
 */
export function estimateTokenBits(token: string): number {
  const characters = Array.from(token);
  const distinct = new Set(characters).size;
  return distinct <= 1 ? 0 : characters.length * Math.log2(distinct);
}

/**
 * A bearer token for the local API: at least MIN_LOCAL_TOKEN_BITS by estimateTokenBits. The error gives the
 * estimate and a way to make a good one, never the token.
 */
const localToken = z.string().superRefine((token, context) => {
  const bits = estimateTokenBits(token);
  if (bits >= MIN_LOCAL_TOKEN_BITS) return;
  context.addIssue({
    code: 'custom',
    message: `a token of at least ${MIN_LOCAL_TOKEN_BITS} bits (length × log2 of its distinct characters; this one has about ${Math.floor(bits)}): use e.g. \`openssl rand -base64 32\`, or leave it unset for a random one`,
  });
});

/** Text holding JSON, parsed; `what` says what the JSON should be. */
const jsonText = (what: string) =>
  z.string().transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: what });
      return z.NEVER;
    }
  });

/**
 * One LOCAL_API_TOKENS entry: a strong token and the policy statement it stands for. The connector's own
 * names (RESERVED_PRINCIPALS: `local`, `sync`, `webhook`, `grant-expiry`) are refused, and `*` would make a
 * pattern of a name.
 */
const LocalTokenEntry = PolicyStatement.extend({
  token: localToken,
  principal: z
    .string()
    .min(1)
    .refine((name) => !(RESERVED_PRINCIPALS as readonly string[]).includes(name) && !name.includes('*'), {
      error: `a principal name other than ${RESERVED_PRINCIPALS.map((name) => `"${name}"`).join(', ')}, without "*"`,
    }),
});
export type LocalTokenEntry = z.infer<typeof LocalTokenEntry>;

const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(WorkspaceSlug));

/**
 * `WEBHOOK_ALLOW_UNSIGNED` was a switch before it became a list; a switch value would silently mean a
 * workspace called "true", so it is refused with the new meaning.
 */
const unsignedWorkspaces = z
  .string()
  .refine((value) => !/^\s*(true|false|1|0|yes|no)\s*$/i.test(value), {
    error: 'a comma-separated list of workspace slugs (it is no longer a true/false switch)',
  })
  .pipe(commaList);

/**
 * Every environment variable the connector reads, with its default. Names are fixed by CONTRACTS.md;
 * new ones may be added, none renamed.
 */
export const EnvironmentSchema = {
  BITBUCKET_API_URL: remoteUrl.default('https://api.bitbucket.org'),
  BITBUCKET_OAUTH_URL: remoteUrl.default('https://bitbucket.org'),
  BITBUCKET_EMAIL: z.email('an Atlassian account e-mail address').optional(),
  BITBUCKET_API_TOKEN: z.string().min(1).optional(),
  BITBUCKET_OAUTH_CLIENT_ID: z.string().min(1).optional(),
  BITBUCKET_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
  BITBUCKET_ACCESS_TOKEN: z.string().min(1).optional(),
  BITBUCKET_WORKSPACES: commaList.default([]),
  /**
   * Further identities for the sync as a JSON array of credentials (the secret's shapes), e.g.
   * `[{"auth":"api-token","email":"…","apiToken":"…"}]`. In AWS: `syncIdentities` in the credentials secret.
   */
  BITBUCKET_SYNC_IDENTITIES: z.string().min(1).optional(),
  /** Bitbucket's rolling-hour limit per identity. */
  BITBUCKET_HOURLY_REQUEST_LIMIT: positiveInteger.default(1000),
  BITBUCKET_ADMINISTRATION: Administration.default('auto'),
  ATLASSIAN_ORG_ID: z.string().min(1).optional(),
  ATLASSIAN_ADMIN_API_KEY: z.string().min(1).optional(),
  ATLASSIAN_ADMIN_API_URL: remoteUrl.default('https://api.atlassian.com'),
  /**
   * Requests per rolling hour the connector allows itself on the Atlassian Admin API, apart from
   * Bitbucket's hour. Atlassian publishes no fixed number (ADMIN-API.md); 429s are backed off as well.
   */
  ATLASSIAN_ADMIN_HOURLY_REQUEST_LIMIT: positiveInteger.default(1000),
  CREDENTIALS_SECRET_ARN: z.string().startsWith('arn:', 'a Secrets Manager ARN (arn:…)').optional(),
  WEBHOOK_SECRETS_ARN: z.string().startsWith('arn:', 'a Secrets Manager ARN (arn:…)').optional(),
  WEBHOOK_SECRETS: z.string().optional(),
  /**
   * Workspace slugs whose hooks may deliver unsigned (hooks that cannot carry a secret). Never honoured
   * for a workspace that has a secret; unsigned deliveries only mark scopes dirty. Empty: none.
   */
  WEBHOOK_ALLOW_UNSIGNED: unsignedWorkspaces.default([]),
  TABLE_NAME: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name')
    .default('bitbucket-governance'),
  DYNAMODB_ENDPOINT: remoteUrl.optional(),
  EVENTS_QUEUE_URL: remoteUrl.optional(),
  EXPORT_BUCKET: z.string().min(3).optional(),
  /** The sync's share of the hourly limit; the rest is left for provisioning and webhook refreshes. */
  SYNC_HOURLY_REQUEST_BUDGET: positiveInteger.default(800),
  SYNC_MEMBERSHIP_INTERVAL_MINUTES: positiveInteger.default(15),
  SYNC_LISTING_INTERVAL_MINUTES: positiveInteger.default(60),
  /** How often the scheduler runs a sync step; each step spends the hourly budget's share of it. */
  SYNC_STEP_INTERVAL_MINUTES: positiveInteger.default(5),
  /** A diff removing more than this share of workspace members or repositories is held for release. */
  SYNC_DELETION_GUARD_SHARE: share.default(0.25),
  /** A listing the credential is refused (a capability gap) is tried again after this long. */
  SYNC_CAPABILITY_GAP_RETRY_MINUTES: positiveInteger.default(360),
  PORT: positiveInteger.max(65535, 'a port number up to 65535').default(3000),
  /** Bearer token of the local API; refused under MIN_LOCAL_TOKEN_BITS (see estimateTokenBits). */
  LOCAL_API_TOKEN: localToken.optional(),
  /**
   * Local callers with roles (CONTRACTS.md): `{"<token>": {"principal", "accountId"?, "roles", "workspaces"}}`,
   * read as a list so no error message ever names a token. LOCAL_API_TOKEN stays one administrator of all.
   */
  LOCAL_API_TOKENS: jsonText('a JSON object {"<token>": {"principal", "roles", "workspaces"}}')
    .transform((value, context) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        context.addIssue({ code: 'custom', message: 'a JSON object keyed by token' });
        return z.NEVER;
      }
      return Object.entries(value).map(([token, entry]) => ({ token, ...(entry as object) }));
    })
    .pipe(z.array(LocalTokenEntry))
    .optional(),
  /**
   * The authorization policy document in AWS (CDK context `authorizationPolicy`): `{"statements": [...]}`
   * mapping IAM principal ARN patterns to roles per workspace (lib/authz). Unset: nobody holds a role.
   */
  AUTHORIZATION_POLICY: jsonText('a JSON policy document {"statements": [...]}')
    .pipe(AuthorizationPolicyDocument)
    .optional(),
  DATA_DIR: z.string().min(1).default('.data'),
};
