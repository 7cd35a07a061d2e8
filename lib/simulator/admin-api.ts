// The Atlassian Admin API (/admin/…) on the simulator's port: organization API keys, a per-organization
// rate window, request accounting and faults like the Bitbucket routes, then the routes in routes/admin-api.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminApiError } from './admin-errors.js';
import { answerFault, type FaultInjector, type FaultSpec } from './faults.js';
import { HttpError, readBody, sendJson } from './http.js';
import type { WindowStatus } from './rate-limit.js';
import { FixedWindowLimiter } from './rate-limit.js';
import type { RequestLog } from './request-log.js';
import { adminRoutes } from './routes/admin-api.js';
import { Router } from './router.js';
import type { OrganizationState, SimulatorState } from './state.js';

export interface AdminContext {
  state: SimulatorState;
  /** The organization of the API key, which is also the path's `{orgId}`. */
  org: OrganizationState;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body; `{}` when none was sent. */
  body: unknown;
  url: URL;
  template: string;
}

export interface AdminRoute {
  method: string;
  template: string;
  handle(ctx: AdminContext): { status: number; body?: unknown };
}

/** The Admin API's own budget per organization; Atlassian publishes no number, so the default is generous. */
export interface AdminRateLimit {
  limit: number;
  windowMs: number;
}
export const DEFAULT_ADMIN_RATE_LIMIT: AdminRateLimit = { limit: 1000, windowMs: 60_000 };

export interface AdminApiDeps {
  state: SimulatorState;
  requests: RequestLog;
  faults: FaultInjector;
  now: () => number;
  rateLimit: AdminRateLimit;
}

const router = new Router<AdminRoute>(adminRoutes);
const ORG_IN_PATH = /^\/admin\/v\d+\/orgs\/([^/]+)/;

function rateHeaders(status: WindowStatus): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(status.limit),
    'X-RateLimit-Remaining': String(status.remaining),
    'X-RateLimit-Reset': new Date(status.resetAt).toISOString(),
  };
}

export class AdminApi {
  private readonly limiter: FixedWindowLimiter;

  constructor(private readonly deps: AdminApiDeps) {
    this.limiter = new FixedWindowLimiter(deps.rateLimit.limit, deps.rateLimit.windowMs, deps.now);
  }

  clear(): void {
    this.limiter.clear();
  }

  /** Answers one /admin/ request; every error is answered in the Admin API's `{errors: [...]}` shape. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let headers: Record<string, string> = {};
    try {
      await this.serve(req, res, url, (h) => (headers = h));
    } catch (error) {
      if (res.headersSent || res.destroyed) return;
      const answer =
        error instanceof AdminApiError
          ? error
          : error instanceof HttpError
            ? new AdminApiError(error.status, error.message)
            : new AdminApiError(500, 'Something went wrong');
      sendJson(res, answer.status, answer.body(), { ...headers, ...answer.headers });
    }
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    setHeaders: (headers: Record<string, string>) => void,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const matched = router.match(method, url.pathname);
    const template = 'route' in matched ? matched.route.template : (matched.template ?? '(unknown)');
    const keyOrg = this.organizationOfKey(req);
    const identity = keyOrg ? `org:${keyOrg.id}` : 'anonymous';
    this.deps.requests.record(method, template, identity);

    // Never echo the key: the details name the organization at most.
    if (!keyOrg)
      throw new AdminApiError(401, 'A valid organization API key is required (Authorization: Bearer <key>).');
    const pathOrg = 'route' in matched ? matched.params.orgId : ORG_IN_PATH.exec(url.pathname)?.[1];
    if (pathOrg !== undefined && pathOrg !== keyOrg.id)
      throw new AdminApiError(403, `This API key does not belong to organization ${pathOrg}.`);

    const fault = this.deps.faults.take(method, url.pathname, identity);
    if (fault && (await this.applyFault(fault, keyOrg, req, res))) return;

    const window = this.limiter.admit(keyOrg.id);
    setHeaders(rateHeaders(window));
    if (!window.admitted) throw this.tooManyRequests(window);

    if (!('route' in matched)) {
      if (matched.allowed.length)
        throw new AdminApiError(405, `Method ${method} not allowed; use ${matched.allowed.join(', ')}`);
      throw new AdminApiError(404, `Resource not found: ${url.pathname}`);
    }
    let body: unknown = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AdminApiError(400, 'The request body is not valid JSON.');
      }
    }
    const result = matched.route.handle({
      state: this.deps.state,
      org: keyOrg,
      params: matched.params,
      query: url.searchParams,
      body,
      url,
      template,
    });
    sendJson(res, result.status, result.body, rateHeaders(window));
  }

  private organizationOfKey(req: IncomingMessage): OrganizationState | undefined {
    const [scheme, key] = (req.headers.authorization ?? '').split(/\s+/, 2);
    if (scheme?.toLowerCase() !== 'bearer' || !key) return undefined;
    return [...this.deps.state.organizations.values()].find((org) => org.apiKey === key);
  }

  private tooManyRequests(window: WindowStatus): AdminApiError {
    const seconds = this.secondsToReset(window);
    return new AdminApiError(429, `Rate limit exceeded; retry after ${seconds} seconds.`, undefined, {
      'Retry-After': String(seconds),
    });
  }

  private secondsToReset(window: WindowStatus): number {
    return Math.max(1, Math.ceil((window.resetAt - this.deps.now()) / 1000));
  }

  /** True when the fault answered the request (latency only delays it). */
  private applyFault(
    fault: FaultSpec,
    org: OrganizationState,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<boolean> {
    const window = this.limiter.peek(org.id);
    const headers = rateHeaders(window);
    return answerFault(fault, req, res, {
      truncatedJson: '{"data": [{"id": ',
      headers,
      gone: (answer) =>
        sendJson(answer, 410, new AdminApiError(410, 'This API is no longer supported.').body(), headers),
      status: (answer, status, retryAfter) => {
        if (status === 429) {
          const seconds = String(retryAfter ?? this.secondsToReset(window));
          const error = new AdminApiError(429, `Rate limit exceeded; retry after ${seconds} seconds.`);
          sendJson(answer, 429, error.body(), {
            ...headers,
            'X-RateLimit-Remaining': '0',
            'Retry-After': seconds,
          });
          return;
        }
        const retry: Record<string, string> =
          retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
        sendJson(answer, status, new AdminApiError(status, `Simulated failure (${status})`).body(), {
          ...headers,
          ...retry,
        });
      },
    });
  }
}
