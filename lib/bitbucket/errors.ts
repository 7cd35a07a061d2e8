// Every way a Bitbucket call can fail, as one typed family. Messages carry the method, the path (never a
// query string) and the status, and never a credential: errors end up in logs and API answers.
import { redactString } from '../observability/redaction.js';

export interface BitbucketErrorDetails {
  method: string;
  /** URL path only: the query string may carry filters and is left out on purpose. */
  path: string;
  status?: number | undefined;
  /** Route template, e.g. `GET /2.0/workspaces/{workspace}/projects`, when known. */
  endpoint?: string | undefined;
  /** Bitbucket's `X-Accepted-OAuth-Scopes` on a refusal: the scopes the endpoint wants, when it says. */
  acceptedScopes?: string[] | undefined;
}

export class BitbucketError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly endpoint: string | undefined;
  readonly acceptedScopes: string[] | undefined;

  constructor(details: BitbucketErrorDetails, what: string) {
    const status = details.status === undefined ? '' : ` answered ${details.status}`;
    super(`${details.method} ${details.path}${status}: ${redactString(what)}`);
    // Subclasses name themselves explicitly: bundlers may rename classes.
    this.name = 'BitbucketError';
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.endpoint = details.endpoint;
    this.acceptedScopes = details.acceptedScopes;
  }

  /** Plain data for JSON logs and API answers (an Error's own message is not enumerable). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      status: this.status,
    };
  }
}

/** 429. `retryAfterMs` is set when Bitbucket sent Retry-After (it usually does not). */
export class RateLimited extends BitbucketError {
  override readonly name = 'RateLimited';
  readonly retryAfterMs: number | undefined;
  constructor(details: BitbucketErrorDetails, what: string, retryAfterMs?: number) {
    super({ ...details, status: 429 }, what);
    this.retryAfterMs = retryAfterMs;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** An endpoint Atlassian announced as removed (see removed-endpoints.ts): the announcement and its date. */
export interface RemovalAnnouncement {
  /** Atlassian changelog id, e.g. `CHANGE-2770`. */
  change: string;
  /** Date the removal took effect, `YYYY-MM-DD`. */
  removedOn: string;
}

/**
 * The endpoint was removed: a 410, or a 404 on an endpoint Atlassian announced as removed (since about
 * 2026-08 some removed endpoints answer 404, API-NOTES "Rate limits and errors"). `status` stays what
 * Bitbucket answered; `change` is the CHANGE-… id, from the body or from the announcement. Never retried.
 */
export class Gone extends BitbucketError {
  override readonly name = 'Gone';
  readonly change: string | undefined;
  /** `YYYY-MM-DD`, when the removal is one of ours on record (removed-endpoints.ts). */
  readonly removedOn: string | undefined;
  constructor(details: BitbucketErrorDetails, what: string, announcement?: RemovalAnnouncement) {
    const announced = announcement
      ? `removed by Atlassian on ${announcement.removedOn} (${announcement.change})`
      : undefined;
    super(
      { ...details, status: details.status ?? 410 },
      announced === undefined ? what : `${announced}; Bitbucket said: ${what}`,
    );
    this.change = /CHANGE-\d+/.exec(what)?.[0] ?? announcement?.change;
    this.removedOn = announcement?.removedOn;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), change: this.change, removedOn: this.removedOn };
  }
}

/** 403: the credential is known but may not do this. */
export class Forbidden extends BitbucketError {
  override readonly name = 'Forbidden';
}
/** 404. */
export class NotFound extends BitbucketError {
  override readonly name = 'NotFound';
}
/** 402: the plan's user limit is reached. */
export class PlanLimit extends BitbucketError {
  override readonly name = 'PlanLimit';
}
/** 401, still after the credential was re-read once. */
export class Unauthorized extends BitbucketError {
  override readonly name: string = 'Unauthorized';
}

/**
 * The OAuth token endpoint (`POST /site/oauth2/access_token`) refused the client credentials (400 or
 * 401). A subclass of Unauthorized, so callers that treat Unauthorized as "the credential is refused" still
 * do; unlike a 401 from the API it is not retried with the same credential (the answer would not change).
 * `oauthError` is the RFC 6749 `error` code (e.g. `invalid_grant`, `invalid_client`) and `description`
 * Bitbucket's `error_description`, the actionable part (e.g. "Cannot use client_credentials with a consumer
 * marked as \"public\""), both with any credential cut out.
 */
export class OAuthTokenRefused extends Unauthorized {
  override readonly name = 'OAuthTokenRefused';
  readonly oauthError: string | undefined;
  readonly description: string | undefined;
  constructor(details: BitbucketErrorDetails, refusal: OAuthRefusal) {
    const said = [refusal.error, refusal.description].filter((part) => part !== undefined).join(': ');
    super(details, `the OAuth token request was refused${said === '' ? '' : `: ${said}`}`);
    this.oauthError = refusal.error === undefined ? undefined : redactString(refusal.error);
    this.description = refusal.description === undefined ? undefined : redactString(refusal.description);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), oauthError: this.oauthError, description: this.description };
  }
}

/** What a refused OAuth token request said: `{"error": "...", "error_description": "..."}` (RFC 6749 §5.2). */
export interface OAuthRefusal {
  error?: string | undefined;
  description?: string | undefined;
}

/**
 * The `error` and `error_description` of a token endpoint's refusal, each cut to 300 characters; a body
 * that is not that JSON gives its text (short) as the description, an empty body gives neither.
 */
export function describeOAuthRefusal(body: string): OAuthRefusal {
  const short = (text: string) => (text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text);
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown } | null;
    if (parsed && typeof parsed === 'object') {
      const error = typeof parsed.error === 'string' ? short(parsed.error) : undefined;
      const description =
        typeof parsed.error_description === 'string' ? short(parsed.error_description) : undefined;
      if (error !== undefined || description !== undefined) return { error, description };
    }
  } catch {
    // Not JSON: a proxy's page or plain text; its words are the best description there is.
  }
  const text = body.trim();
  return text === '' ? {} : { description: describeErrorBody(text) };
}
/** 5xx, a network failure, an unexpected redirect or a body that is not the JSON it should be. */
export class UpstreamError extends BitbucketError {
  override readonly name = 'UpstreamError';
  /** False when trying again cannot help (a redirect, a `next` link to another origin). */
  readonly retryable: boolean;
  constructor(details: BitbucketErrorDetails, what: string, options: { retryable?: boolean } = {}) {
    super(details, what);
    this.retryable = options.retryable ?? true;
  }
}
/** Any other 4xx (400, 409, …): the request itself was wrong. */
export class BadRequest extends BitbucketError {
  override readonly name = 'BadRequest';
}

/** The caller's request budget would be exceeded: nothing was sent. */
export class BudgetExhausted extends BitbucketError {
  override readonly name = 'BudgetExhausted';
  readonly limit: number;
  constructor(limit: number, request?: { method: string; path: string }, lastError?: BitbucketError) {
    super(request ?? { method: '-', path: '-' }, `request budget of ${limit} exhausted; request not sent`);
    // When a retry is what would overrun the budget, the error that asked for it stays reachable.
    if (lastError) Object.defineProperty(this, 'cause', { value: lastError, enumerable: false });
    if (request === undefined) this.message = `request budget of ${limit} exhausted; request not sent`;
    this.limit = limit;
  }
}

/** The caller's deadline had already passed before the first attempt: nothing was sent. */
export class DeadlineExceeded extends BitbucketError {
  override readonly name = 'DeadlineExceeded';
  constructor(details: BitbucketErrorDetails) {
    super(details, 'deadline already passed; request not sent');
  }
}

/** A 2xx body did not have the shape the client relies on. Names the endpoint and the field path. */
export class ResponseShapeError extends BitbucketError {
  override readonly name = 'ResponseShapeError';
  readonly field: string;
  constructor(details: BitbucketErrorDetails & { endpoint: string }, field: string, problem: string) {
    super(details, `${field}: ${problem}`);
    this.field = field;
    // The endpoint template leads, so the message reads "GET /2.0/…/{workspace}/projects: values[3].uuid: …".
    this.message = `${details.endpoint}: ${field}: ${redactString(problem)} (${details.method} ${details.path})`;
  }
}

const MAX_DETAIL = 300;

/** Bitbucket's own words from an error body (`{error: {message, detail}}` or plain text), kept short. */
export function describeErrorBody(body: string): string {
  let text = body.trim();
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: { message?: unknown; detail?: unknown } } | null)?.error;
    if (error && typeof error.message === 'string') {
      text = typeof error.detail === 'string' ? `${error.message} (${error.detail})` : error.message;
    }
  } catch {
    // Not JSON: 429s are text/plain, proxies answer HTML. The raw text is the best description.
  }
  const change = /CHANGE-\d+/.exec(body)?.[0];
  if (change && !text.includes(change)) text = `${text} [${change}]`;
  if (text === '') return 'no description';
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/** The typed error for a non-2xx answer. */
export function errorForStatus(
  details: BitbucketErrorDetails,
  status: number,
  body: string,
  retryAfterMs: number | undefined,
): BitbucketError {
  const what = describeErrorBody(body);
  const withStatus = { ...details, status };
  switch (status) {
    case 401:
      return new Unauthorized(withStatus, what);
    case 402:
      return new PlanLimit(withStatus, what);
    case 403:
      return new Forbidden(withStatus, what);
    case 404:
      return new NotFound(withStatus, what);
    case 410:
      return new Gone(withStatus, what);
    case 429:
      return new RateLimited(withStatus, what, retryAfterMs);
  }
  if (status >= 500) return new UpstreamError(withStatus, what);
  if (status >= 300 && status < 400)
    return new UpstreamError(withStatus, 'unexpected redirect', { retryable: false });
  return new BadRequest(withStatus, what);
}
