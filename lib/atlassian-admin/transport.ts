// One HTTP exchange with the Atlassian Admin API: Bearer-authorised with the organization API key, one unit
// of the caller's budget per request sent (retries included), retried with backoff on 429/5xx/network
// failures within the caller's deadline, and mapped to the Admin error family. The same loop as the
// Bitbucket transport, sharing its backoff (lib/bitbucket/backoff.ts) and budget (request-budget.ts); its
// own because the credential, the error family and the rate-limit headers differ.
import axios, { type AxiosInstance, type RawAxiosRequestHeaders } from 'axios';
import { parseRetryAfter, retryDelayMs, type RetryPolicy } from '../bitbucket/backoff.js';
import { BudgetExhausted } from '../bitbucket/errors.js';
import type { CallOptions } from '../bitbucket/transport.js';
import { logger } from '../observability/index.js';
import type { AdminHttpMethod } from './endpoints.js';
import {
  AdminApiError,
  AdminBadRequest,
  AdminDeadlineExceeded,
  AdminForbidden,
  AdminNotFound,
  AdminRateLimited,
  AdminResponseShapeError,
  AdminUnauthorized,
  AdminUpstreamError,
  describeAdminErrorBody,
  type AdminErrorDetails,
  type AdminRateLimitHeaders,
} from './errors.js';

/**
 * An organization API key and the organization it belongs to (ADMIN-API.md "Base and authentication"):
 * created by an org admin in admin.atlassian.com, sent as `Authorization: Bearer <apiKey>`.
 */
export interface OrganizationCredential {
  orgId: string;
  apiKey: string;
}

/** One Admin API request as it went out, for metrics and logs: never the key, never a query string. */
export interface AdminRequestObservation {
  method: AdminHttpMethod;
  /** Route template, e.g. `GET /admin/v2/orgs/{orgId}/directories`. */
  endpoint: string;
  /** HTTP status; undefined when no answer arrived (network failure, timeout). */
  status: number | undefined;
  /** Time from sending to the answer, in ms, on the client's clock. */
  ms: number;
}

export interface AdminTransportOptions {
  /** API base, e.g. `https://api.atlassian.com` (no trailing path needed). */
  apiUrl: string;
  retry: RetryPolicy;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random?: (() => number) | undefined;
  http?: AxiosInstance | undefined;
  /** Upper bound of one attempt when no deadline is nearer, in ms. Default 60 000. */
  attemptTimeoutMs?: number | undefined;
  onRequest?: ((observation: AdminRequestObservation) => void) | undefined;
}

export interface AdminRequest {
  method: AdminHttpMethod;
  /** Concrete path under the API base, e.g. `/admin/v2/orgs/o-1/directories`. */
  path: string;
  /** Route template, for errors and observations. */
  endpoint: string;
  query?: Readonly<Record<string, string>> | undefined;
  body?: unknown;
}

interface RawAnswer {
  status: number;
  text: string;
  headers: Record<string, string | undefined>;
}

export class AdminTransport {
  readonly #apiUrl: string;
  readonly #http: AxiosInstance;
  readonly #options: AdminTransportOptions;

  constructor(options: AdminTransportOptions) {
    this.#options = options;
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#http = options.http ?? axios.create();
  }

  /**
   * Sends the request with `apiKey`, retrying 429s (after Retry-After, else X-RateLimit-Reset, else
   * exponential backoff with jitter) and retryable upstream failures of idempotent requests, up to the
   * policy's `maxRetries`, never waiting past `call.deadlineAt`. Answers the parsed JSON body (undefined
   * for an empty one). Throws the Admin error family, or BudgetExhausted (lib/bitbucket) when the budget
   * has no unit left for the next request.
   */
  async send(
    request: AdminRequest,
    apiKey: string,
    call: CallOptions = {},
    options: { idempotent: boolean } = { idempotent: true },
  ): Promise<unknown> {
    const details: AdminErrorDetails = {
      method: request.method,
      path: request.path,
      endpoint: request.endpoint,
    };
    const { retry, now, sleep, random } = this.#options;
    let retries = 0;
    for (;;) {
      try {
        return await this.#attempt(request, apiKey, call, details);
      } catch (error) {
        if (!(error instanceof AdminApiError)) throw error;
        const retryable =
          error instanceof AdminRateLimited || (error instanceof AdminUpstreamError && error.retryable);
        if (!retryable || !options.idempotent || retries >= retry.maxRetries) throw error;
        const askedMs = error instanceof AdminRateLimited ? error.retryAfterMs : undefined;
        const delayMs = retryDelayMs(retries, retry, askedMs, random);
        if (delayMs === undefined) throw error;
        if (call.deadlineAt !== undefined && now() + delayMs >= call.deadlineAt) throw error;
        if (call.budget && call.budget.remaining === 0) {
          const exhausted = new BudgetExhausted(call.budget.limit, details);
          // The refusal that asked for the retry stays reachable.
          Object.defineProperty(exhausted, 'cause', { value: error, enumerable: false });
          throw exhausted;
        }
        logger.debug('retrying Admin API request', {
          method: details.method,
          endpoint: details.endpoint,
          status: error.status,
          retry: retries + 1,
          delayMs,
        });
        await sleep(delayMs);
        retries += 1;
      }
    }
  }

  async #attempt(
    request: AdminRequest,
    apiKey: string,
    call: CallOptions,
    details: AdminErrorDetails,
  ): Promise<unknown> {
    const timeout = this.#attemptTimeout(call, details);
    call.budget?.take(details);
    const headers: RawAxiosRequestHeaders = { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' };
    let data: string | undefined;
    if (request.body !== undefined) {
      data = JSON.stringify(request.body);
      headers['Content-Type'] = 'application/json';
    }
    const url = new URL(`${this.#apiUrl}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    call.onSend?.({ method: request.method, url: url.toString() });
    const started = this.#options.now();
    let raw: RawAnswer;
    try {
      const response = await this.#http.request<string>({
        method: request.method,
        url: url.toString(),
        headers,
        data,
        timeout,
        // Status mapping, JSON parsing and redirects are decided here, not by axios.
        validateStatus: () => true,
        responseType: 'text',
        transformResponse: [(body: unknown) => body],
        maxRedirects: 0,
      });
      raw = {
        status: response.status,
        text: typeof response.data === 'string' ? response.data : '',
        headers: headerStrings(response.headers as Record<string, unknown>),
      };
    } catch (error) {
      this.#observe(request, undefined, started);
      // Only the error code is kept: axios errors carry the request config, the Authorization header included.
      throw new AdminUpstreamError(details, { said: networkFailure(error) });
    }
    this.#observe(request, raw.status, started);
    if (raw.status >= 200 && raw.status < 300) return parseJsonBody(raw.text, details);
    throw this.#errorFor({ ...details, status: raw.status }, raw, apiKey);
  }

  #errorFor(details: AdminErrorDetails, raw: RawAnswer, apiKey: string): AdminApiError {
    const said = describeAdminErrorBody(raw.text, [apiKey]);
    const status = raw.status;
    switch (status) {
      case 400:
        return new AdminBadRequest(details, said);
      case 401:
        return new AdminUnauthorized(details, said);
      case 403:
        return new AdminForbidden(details, said);
      case 404:
        return new AdminNotFound(details, said);
      case 429: {
        const now = this.#options.now();
        const rateLimit = rateLimitHeaders(raw.headers, now);
        const retryAfterMs =
          parseRetryAfter(raw.headers['retry-after'], now) ??
          (rateLimit.resetAt === undefined ? undefined : Math.max(0, rateLimit.resetAt - now));
        return new AdminRateLimited(details, said, retryAfterMs, rateLimit);
      }
    }
    if (status >= 500) return new AdminUpstreamError(details, said);
    if (status >= 300 && status < 400)
      return new AdminUpstreamError(details, { said: 'unexpected redirect' }, { retryable: false });
    return new AdminBadRequest(details, said);
  }

  #observe(request: AdminRequest, status: number | undefined, started: number): void {
    const observer = this.#options.onRequest;
    if (!observer) return;
    try {
      observer({
        method: request.method,
        endpoint: request.endpoint,
        status,
        ms: this.#options.now() - started,
      });
    } catch (error) {
      // A failing metrics hook must not fail the call.
      logger.debug('Admin API request observer failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #attemptTimeout(call: CallOptions, details: AdminErrorDetails): number {
    const ceiling = this.#options.attemptTimeoutMs ?? 60_000;
    if (call.deadlineAt === undefined) return ceiling;
    const remaining = call.deadlineAt - this.#options.now();
    if (remaining <= 0) throw new AdminDeadlineExceeded(details);
    return Math.min(ceiling, Math.ceil(remaining));
  }
}

/**
 * `X-RateLimit-Reset` as epoch ms: an ISO 8601 time, or a number of epoch seconds (ADMIN-API.md "Paging,
 * limits, errors"; both are seen). A small number (under 10^9) is read as seconds from now. Unparseable →
 * undefined.
 */
export function parseRateLimitReset(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    if (number >= 1e12) return Math.round(number); // already epoch ms
    if (number >= 1e9) return Math.round(number * 1000); // epoch seconds
    return nowMs + Math.round(number * 1000); // seconds from now
  }
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : at;
}

function rateLimitHeaders(headers: Record<string, string | undefined>, nowMs: number): AdminRateLimitHeaders {
  const count = (value: string | undefined) =>
    value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
  return {
    limit: count(headers['x-ratelimit-limit']),
    remaining: count(headers['x-ratelimit-remaining']),
    resetAt: parseRateLimitReset(headers['x-ratelimit-reset'], nowMs),
  };
}

function headerStrings(headers: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') out[name.toLowerCase()] = value[0];
  }
  return out;
}

function parseJsonBody(text: string, details: AdminErrorDetails): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminResponseShapeError(details, '(body)', 'the answer is not valid JSON');
  }
}

function networkFailure(error: unknown): string {
  const code = axios.isAxiosError(error) ? error.code : undefined;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'no answer before the timeout';
  return `network failure (${code ?? 'unknown'})`;
}
