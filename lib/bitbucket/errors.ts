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
}

export class BitbucketError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly endpoint: string | undefined;

  constructor(details: BitbucketErrorDetails, what: string) {
    const status = details.status === undefined ? '' : ` answered ${details.status}`;
    super(`${details.method} ${details.path}${status}: ${redactString(what)}`);
    // Subclasses name themselves explicitly: bundlers may rename classes.
    this.name = 'BitbucketError';
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.endpoint = details.endpoint;
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

/** 410: the endpoint was removed. `change` is the CHANGE-… announcement id when Bitbucket names it. */
export class Gone extends BitbucketError {
  override readonly name = 'Gone';
  readonly change: string | undefined;
  constructor(details: BitbucketErrorDetails, what: string) {
    super({ ...details, status: 410 }, what);
    this.change = /CHANGE-\d+/.exec(what)?.[0];
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), change: this.change };
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
  override readonly name = 'Unauthorized';
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
