// One HTTP exchange with Bitbucket, done right: authorised, counted against the caller's budget, bounded
// in concurrency, retried with backoff on 429/5xx/network failures within the caller's deadline, and
// mapped to typed errors. Built on axios with its own retry loop rather than axios-retry, because
// axios-retry sleeps on its own timer (no injectable clock or sleep, so a deadline cannot be enforced
// or tested) and would hold a concurrency slot while it waits.
import axios, { type AxiosInstance, type RawAxiosRequestHeaders } from 'axios';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Credential, CredentialKind } from '../config/schemas.js';
import type { SecretProvider } from '../config/secrets.js';
import { logger } from '../observability/index.js';
import {
  Authorizer,
  basicAuthorization,
  type FetchedToken,
  type OAuthClientCredential,
} from './authorizer.js';
import { parseRetryAfter, retryDelayMs, type RetryPolicy } from './backoff.js';
import {
  BitbucketError,
  BudgetExhausted,
  DeadlineExceeded,
  Gone,
  NotFound,
  OAuthTokenRefused,
  RateLimited,
  Unauthorized,
  UpstreamError,
  describeErrorBody,
  describeOAuthRefusal,
  errorForStatus,
  type BitbucketErrorDetails,
} from './errors.js';
import type { HttpMethod } from './endpoints.js';
import { announcedRemoval } from './removed-endpoints.js';
import type { RequestBudget } from './request-budget.js';
import { OAuthToken } from './schemas.js';
import { parseWith } from './response-parsing.js';

/** What every client method accepts last. */
export interface CallOptions {
  /** Every request sent for this call (retries and token fetches included) takes one unit. */
  budget?: RequestBudget;
  /** Epoch ms. No retry is attempted whose wait would pass it; no attempt outlives it. */
  deadlineAt?: number;
  /**
   * Told the method and absolute URL (query included) of every request as it goes on the wire, after
   * every path and query rule has been applied: request records keep what was really sent.
   */
  onSend?: (request: { method: string; url: string }) => void;
}

export interface TransportOptions {
  apiUrl: string;
  oauthUrl: string;
  credentials: SecretProvider<Credential>;
  maxConcurrency: number;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random?: () => number;
  /** Upper bound of one attempt when no deadline is nearer. */
  attemptTimeoutMs?: number;
}

export interface OutgoingRequest {
  method: HttpMethod;
  /** Absolute URL on the API origin. */
  url: string;
  /** Route template, for errors: `GET /2.0/workspaces/{workspace}/projects`. */
  endpoint: string;
  body?: unknown;
}

export interface Answer {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  data: unknown;
}

interface RawAnswer {
  status: number;
  text: string;
  retryAfter: string | undefined;
  /** `X-Accepted-OAuth-Scopes`, split on commas and spaces; undefined when absent. */
  acceptedScopes: string[] | undefined;
}

const TOKEN_PATH = '/site/oauth2/access_token';
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'PUT', 'DELETE']);

export class Transport {
  readonly apiOrigin: string;
  readonly #apiUrl: string;
  /** The API base's own path (empty for `https://api.bitbucket.org`), cut before matching removed routes. */
  readonly #apiBasePath: string;
  readonly #tokenUrl: string;
  readonly #http: AxiosInstance;
  /** At most maxConcurrency requests in flight; waiters are served first come, first served. */
  readonly #limit: LimitFunction;
  readonly #authorizer: Authorizer;
  readonly #options: TransportOptions;
  #observedHourlyLimit: number | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.apiOrigin = new URL(this.#apiUrl).origin;
    this.#apiBasePath = new URL(this.#apiUrl).pathname.replace(/\/+$/, '');
    this.#tokenUrl = `${options.oauthUrl.replace(/\/+$/, '')}${TOKEN_PATH}`;
    this.#limit = pLimit(options.maxConcurrency);
    this.#authorizer = new Authorizer(options.credentials, options.now);
    this.#http = axios.create({
      // Status mapping, JSON parsing and redirects are decided here, not by axios.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
    });
  }

  /**
   * The identity's requests per rolling hour as Bitbucket last stated it in `X-RateLimit-Limit`, or
   * undefined when no answer carried the header. Bitbucket sends it to access tokens, whose limit scales
   * with the plan (API-NOTES "Rate limits and errors"); other credentials keep the configured limit.
   */
  get observedHourlyLimit(): number | undefined {
    return this.#observedHourlyLimit;
  }

  /** `{apiUrl}{path}` for a path starting with `/2.0` or `/1.0`. */
  url(path: string): string {
    return `${this.#apiUrl}${path}`;
  }

  credentialKind() {
    return this.#authorizer.kind();
  }

  async send(request: OutgoingRequest, call: CallOptions = {}): Promise<Answer> {
    const details = detailsOf(request.method, request.url, request.endpoint);
    if (new URL(request.url).origin !== this.apiOrigin) {
      // A `next` link elsewhere must not receive our credential.
      throw new UpstreamError(details, `refusing to send credentials to ${new URL(request.url).origin}`, {
        retryable: false,
      });
    }
    const { retry, now, sleep } = this.#options;
    let retries = 0;
    let reauthorized = false;
    for (;;) {
      const generation = this.#authorizer.generation;
      let kind: CredentialKind | undefined;
      try {
        const authorization = await this.#authorizer.authorize((credential) =>
          this.#fetchToken(credential, call),
        );
        kind = authorization.kind;
        return await this.#attempt(request, authorization.header, call, details);
      } catch (error) {
        if (!(error instanceof BitbucketError)) throw error;
        if (error instanceof OAuthTokenRefused) {
          // The token endpoint said no: asking again with the same client credentials cannot change its
          // answer. Only a secret rotated since it was read is worth one more token request.
          if (reauthorized || this.#authorizer.remembers(error)) throw error;
          if (!(await this.#recover(generation, error))) {
            this.#authorizer.rememberRefusal(error);
            throw error;
          }
          reauthorized = true;
          continue;
        }
        if (error instanceof Unauthorized && !reauthorized) {
          reauthorized = true;
          const changed = await this.#recover(generation, error);
          // An API token or access token re-read unchanged would get the same 401: scoped API tokens are
          // refused per endpoint (API-NOTES "Authentication"), so a retry would only double the cost. An
          // OAuth access token may have expired or been revoked: the one fetched again deserves a try.
          if (!changed && kind !== 'oauth-client-credentials') throw error;
          continue;
        }
        if (!isRetryable(error, request.method) || retries >= retry.maxRetries) throw error;
        const retryAfterMs = error instanceof RateLimited ? error.retryAfterMs : undefined;
        const delayMs = retryDelayMs(retries, retry, retryAfterMs, this.#options.random);
        if (delayMs === undefined) throw error;
        if (call.deadlineAt !== undefined && now() + delayMs >= call.deadlineAt) throw error;
        if (call.budget && call.budget.remaining === 0)
          throw new BudgetExhausted(call.budget.limit, details, error);
        logger.debug('retrying Bitbucket request', {
          method: details.method,
          path: details.path,
          status: error.status,
          retry: retries + 1,
          delayMs,
        });
        await sleep(delayMs);
        retries += 1;
      }
    }
  }

  /** Re-reads the credential after a refusal; true when what was re-read differs from what was refused. */
  async #recover(generation: number, unauthorized: Unauthorized): Promise<boolean> {
    try {
      return await this.#authorizer.recover(generation);
    } catch (error) {
      // The 401 is the caller's problem to report; why the secret could not be re-read goes to the log.
      logger.warn('could not re-read the Bitbucket credential after a 401', {
        error: error instanceof Error ? error.message : String(error),
      });
      throw unauthorized;
    }
  }

  async #attempt(
    request: OutgoingRequest,
    authorization: string,
    call: CallOptions,
    details: BitbucketErrorDetails,
  ) {
    const headers: RawAxiosRequestHeaders = { Authorization: authorization, Accept: 'application/json' };
    let data: string | undefined;
    if (request.body !== undefined) {
      data = JSON.stringify(request.body);
      headers['Content-Type'] = 'application/json';
    } else if (request.method === 'PUT' || request.method === 'POST') {
      // Bitbucket's 1.0 group PUT takes no body and wants to be told so.
      data = '';
      headers['Content-Length'] = '0';
    }
    const raw = await this.#exchange(request.method, request.url, headers, data, call, details);
    if (raw.status >= 200 && raw.status < 300)
      return { status: raw.status, data: parseJsonBody(raw.text, details) };
    throw this.#errorFor(details, raw);
  }

  /**
   * The typed error for a non-2xx answer, with any secret Bitbucket might echo cut out of its text. A 404
   * on an endpoint Atlassian announced as removed (removed-endpoints.ts) is Gone, with the announcement.
   */
  #errorFor(details: BitbucketErrorDetails, raw: RawAnswer): BitbucketError {
    const text = scrub(raw.text, this.#authorizer.secretsInUse());
    const error = errorForStatus(
      raw.acceptedScopes ? { ...details, acceptedScopes: raw.acceptedScopes } : details,
      raw.status,
      text,
      parseRetryAfter(raw.retryAfter, this.#options.now()),
    );
    if (error instanceof NotFound) {
      const path = details.path.startsWith(`${this.#apiBasePath}/`)
        ? details.path.slice(this.#apiBasePath.length)
        : details.path;
      const removal = announcedRemoval(details.method, path);
      if (removal) return new Gone({ ...details, status: raw.status }, describeErrorBody(text), removal);
    }
    return error;
  }

  async #fetchToken(credential: OAuthClientCredential, call: CallOptions): Promise<FetchedToken> {
    const details = { method: 'POST', path: TOKEN_PATH, endpoint: `POST ${TOKEN_PATH}` };
    const headers: RawAxiosRequestHeaders = {
      Authorization: basicAuthorization(credential.clientId, credential.clientSecret),
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    const raw = await this.#exchange(
      'POST',
      this.#tokenUrl,
      headers,
      'grant_type=client_credentials',
      call,
      details,
    );
    if (raw.status === 400 || raw.status === 401) {
      // RFC 6749 §5.2: `error_description` says why (e.g. a consumer marked public cannot use client
      // credentials, API-NOTES "Authentication"). The credential itself is cut out of what is kept.
      const said = scrub(raw.text, [
        ...this.#authorizer.secretsInUse(),
        credential.clientSecret,
        basicAuthorization(credential.clientId, credential.clientSecret).slice(6),
      ]);
      throw new OAuthTokenRefused({ ...details, status: raw.status }, describeOAuthRefusal(said));
    }
    if (raw.status < 200 || raw.status >= 300) {
      throw this.#errorFor(details, raw);
    }
    const token = parseWith(OAuthToken, parseJsonBody(raw.text, details), details);
    return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
  }

  /** One request on the wire: waits for a slot, then checks the deadline and takes a budget unit. */
  #exchange(
    method: HttpMethod,
    url: string,
    headers: RawAxiosRequestHeaders,
    data: string | undefined,
    call: CallOptions,
    details: BitbucketErrorDetails,
  ): Promise<RawAnswer> {
    return this.#limit(async () => {
      const timeout = this.#attemptTimeout(call, details);
      call.budget?.take(details);
      call.onSend?.({ method, url });
      try {
        const response = await this.#http.request<string>({ method, url, headers, data, timeout });
        const retryAfter = response.headers['retry-after'];
        const accepted = response.headers['x-accepted-oauth-scopes'];
        const limit = Number(response.headers['x-ratelimit-limit']);
        if (Number.isInteger(limit) && limit > 0) this.#observedHourlyLimit = limit;
        return {
          status: response.status,
          text: typeof response.data === 'string' ? response.data : '',
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
          acceptedScopes: typeof accepted === 'string' ? scopeList(accepted) : undefined,
        };
      } catch (error) {
        // Only the error code is kept: axios errors carry the request config, headers included.
        throw new UpstreamError(details, networkFailure(error));
      }
    });
  }

  #attemptTimeout(call: CallOptions, details: BitbucketErrorDetails): number {
    const ceiling = this.#options.attemptTimeoutMs ?? 60_000;
    if (call.deadlineAt === undefined) return ceiling;
    const remaining = call.deadlineAt - this.#options.now();
    if (remaining <= 0) throw new DeadlineExceeded(details);
    return Math.min(ceiling, Math.ceil(remaining));
  }
}

/** `text` with every secret of at least 4 characters replaced by `[redacted]`. */
function scrub(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('[redacted]');
  }
  return scrubbed;
}

/** Only 429s and retryable upstream failures are tried again; a Gone, a 4xx or a refusal never is. */
function isRetryable(error: BitbucketError, method: string): boolean {
  if (error instanceof RateLimited) return true; // refused before any work was done, whatever the method
  return error instanceof UpstreamError && error.retryable && IDEMPOTENT.has(method);
}

function detailsOf(method: string, url: string, endpoint: string): BitbucketErrorDetails {
  return { method, path: new URL(url).pathname, endpoint };
}

function parseJsonBody(text: string, details: BitbucketErrorDetails): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError({ ...details, status: undefined }, 'the answer is not valid JSON');
  }
}

/** `X-Accepted-OAuth-Scopes: read:project:bitbucket, project` → its scopes (commas and/or spaces). */
function scopeList(header: string): string[] | undefined {
  const scopes = header.split(/[\s,]+/).filter((scope) => scope !== '');
  return scopes.length > 0 ? scopes : undefined;
}

function networkFailure(error: unknown): string {
  const code = axios.isAxiosError(error) ? error.code : undefined;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'no answer before the timeout';
  return `network failure (${code ?? 'unknown'})`;
}
