// Every way an Atlassian Admin API call can fail, as one typed family of its own. It does not extend the
// Bitbucket errors on purpose: the sync treats Bitbucket's RateLimited as "stop the whole step", and an
// Admin API 429 (a separate limit, ADMIN-API.md "Paging, limits, errors") must not be mistaken for it.
// Messages carry the method, the concrete path (no query string), the status and Atlassian's own words
// (title/detail), never the organization API key: errors end up in logs and API answers.
import { redactString } from '../observability/redaction.js';

export interface AdminErrorDetails {
  method: string;
  /** Concrete URL path (orgId and ids filled in), never the query string. */
  path: string;
  /** Route template, e.g. `POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/search`. */
  endpoint: string;
  status?: number | undefined;
}

/** What Atlassian said in an error body: its `code` and its title/detail, key-free and short. */
export interface AdminSaid {
  code?: string | undefined;
  /** `title: detail` (or `message`, or the body's text); `no description` when empty. */
  said: string;
}

export class AdminApiError extends Error {
  readonly method: string;
  readonly path: string;
  /** Route template (see adminEndpoints), the same for every call of one endpoint. */
  readonly endpoint: string;
  /** HTTP status; undefined when no answer arrived (network failure, deadline, nothing sent). */
  readonly status: number | undefined;
  /** Atlassian's machine-readable `errors[0].code`, when it sent one. */
  readonly code: string | undefined;
  /** Atlassian's words (title/detail or message), key-free and at most ~300 characters. */
  readonly adminSaid: string;
  /** True when trying the same request again later may succeed (429, 5xx, network failure). */
  readonly retryable: boolean;

  constructor(details: AdminErrorDetails, said: AdminSaid, options: { retryable?: boolean } = {}) {
    const status = details.status === undefined ? '' : ` answered ${details.status}`;
    const code = said.code === undefined ? '' : ` [${said.code}]`;
    super(redactString(`Admin API ${details.method} ${details.path}${status}: ${said.said}${code}`));
    // Subclasses name themselves explicitly: bundlers may rename classes.
    this.name = 'AdminApiError';
    this.method = details.method;
    this.path = details.path;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.code = said.code === undefined ? undefined : redactString(said.code);
    this.adminSaid = redactString(said.said);
    this.retryable = options.retryable ?? false;
  }

  /** Plain data for JSON logs and API answers (an Error's own message is not enumerable). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      endpoint: this.endpoint,
      status: this.status,
      code: this.code,
      adminSaid: this.adminSaid,
      retryable: this.retryable,
    };
  }
}

/** 401: the organization API key is wrong, revoked or expired (keys live at most one year). */
export class AdminUnauthorized extends AdminApiError {
  override readonly name = 'AdminUnauthorized';
}

/**
 * 403: the key lacks a scope the endpoint needs (e.g. `write:groups:admin`), or the group is synced from an
 * identity provider and cannot be changed here (`managedByIdentityProvider`; ADMIN-API.md "add a member").
 */
export class AdminForbidden extends AdminApiError {
  override readonly name = 'AdminForbidden';
  readonly managedByIdentityProvider: boolean;
  constructor(details: AdminErrorDetails, said: AdminSaid) {
    super({ ...details, status: 403 }, said);
    this.managedByIdentityProvider = saysManagedByIdentityProvider(said);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), managedByIdentityProvider: this.managedByIdentityProvider };
  }
}

/** 404: no such org, directory, group or user, or (membership DELETE) the user is not a member. */
export class AdminNotFound extends AdminApiError {
  override readonly name = 'AdminNotFound';
}

/** 400 and any other 4xx not listed above: the request itself was wrong. */
export class AdminBadRequest extends AdminApiError {
  override readonly name = 'AdminBadRequest';
}

/** What the `X-RateLimit-*` headers of a 429 said, when present. */
export interface AdminRateLimitHeaders {
  /** `X-RateLimit-Limit`: requests allowed in the window. */
  limit?: number | undefined;
  /** `X-RateLimit-Remaining`: requests left in the window. */
  remaining?: number | undefined;
  /** `X-RateLimit-Reset` as epoch ms. */
  resetAt?: number | undefined;
}

/**
 * 429 from the Admin API's own rate limit, after the client's retries gave up (or could not wait).
 * `retryAfterMs`: how long Atlassian asked to wait (Retry-After, else X-RateLimit-Reset), in ms, when known.
 */
export class AdminRateLimited extends AdminApiError {
  override readonly name = 'AdminRateLimited';
  readonly retryAfterMs: number | undefined;
  readonly rateLimit: AdminRateLimitHeaders;
  constructor(
    details: AdminErrorDetails,
    said: AdminSaid,
    retryAfterMs: number | undefined,
    rateLimit: AdminRateLimitHeaders = {},
  ) {
    super({ ...details, status: 429 }, said, { retryable: true });
    this.retryAfterMs = retryAfterMs;
    this.rateLimit = rateLimit;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs, rateLimit: this.rateLimit };
  }
}

/** 5xx, a network failure or timeout, or an unexpected redirect (`retryable` false for a redirect). */
export class AdminUpstreamError extends AdminApiError {
  override readonly name: string = 'AdminUpstreamError';
  constructor(details: AdminErrorDetails, said: AdminSaid, options: { retryable?: boolean } = {}) {
    super(details, said, { retryable: options.retryable ?? true });
  }
}

/**
 * A 2xx answer that is not the JSON the endpoint promises (ADMIN-API.md shapes): names the endpoint
 * template and the field. Not retryable.
 */
export class AdminResponseShapeError extends AdminUpstreamError {
  override readonly name = 'AdminResponseShapeError';
  readonly field: string;
  constructor(details: AdminErrorDetails, field: string, problem: string) {
    super(details, { said: `${field}: ${problem}` }, { retryable: false });
    this.field = field;
    // The endpoint template leads: "GET /admin/v2/orgs/{orgId}/directories: data[2].name: … (GET /admin/…)".
    this.message = redactString(
      `${details.endpoint}: ${field}: ${problem} (${details.method} ${details.path})`,
    );
  }
}

/** The caller's deadline had already passed before a request could be sent: nothing was sent. */
export class AdminDeadlineExceeded extends AdminApiError {
  override readonly name = 'AdminDeadlineExceeded';
  constructor(details: AdminErrorDetails) {
    super({ ...details, status: undefined }, { said: 'deadline already passed; request not sent' });
  }
}

const MAX_SAID = 300;
// Words that mark a group synced from an identity provider, as whole words (so `GROUP_MANAGED_BY_IDP` and
// "synced from an identity provider" match, "rapidpath" does not).
const IDP_WORDS =
  /identity[ _-]?provider|(?:^|[^a-z])(?:idp|scim|synced|external(?:ly)?[ _-]?(?:managed|synced))(?:[^a-z]|$)/i;

/** True when a 403's code or words say the group is synced from (managed by) an identity provider. */
export function saysManagedByIdentityProvider(said: AdminSaid): boolean {
  return IDP_WORDS.test(said.code ?? '') || IDP_WORDS.test(said.said);
}

/**
 * Atlassian's words from an error body, with every secret given cut out first: `{"errors":[{status, code,
 * title, detail}]}` (ADMIN-API.md), else `{code?, message}` / `{error: string | {message}}`, else the text.
 */
export function describeAdminErrorBody(body: string, secrets: readonly string[] = []): AdminSaid {
  const text = scrub(body, secrets).trim();
  let said = text;
  let code: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const found = wordsOf(parsed);
    if (found) {
      said = found.said;
      code = found.code;
    }
  } catch {
    // Not JSON: a gateway's page or plain text; its words are the best description there is.
  }
  if (said === '') said = 'no description';
  return { code: code === undefined ? undefined : short(code, 100), said: short(said, MAX_SAID) };
}

function wordsOf(parsed: unknown): AdminSaid | undefined {
  if (!parsed || typeof parsed !== 'object') return undefined;
  const body = parsed as Record<string, unknown>;
  const str = (value: unknown) =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    const [first, ...rest] = body.errors as unknown[];
    const entry = (first && typeof first === 'object' ? first : {}) as Record<string, unknown>;
    const words = [str(entry.title), str(entry.detail) ?? str(entry.message)].filter(
      (part) => part !== undefined,
    );
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
    const said = words.length > 0 ? `${words.join(': ')}${more}` : typeof first === 'string' ? first : '';
    return { code: str(entry.code), said };
  }
  const error = body.error;
  const message =
    str(body.message) ??
    str(error) ??
    (error && typeof error === 'object' ? str((error as Record<string, unknown>).message) : undefined);
  if (message === undefined) return undefined;
  return { code: str(body.code), said: message };
}

/** `text` with every secret of at least 4 characters replaced by `[redacted]`. */
function scrub(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('[redacted]');
  }
  return scrubbed;
}

function short(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
