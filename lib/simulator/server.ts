// The simulator's HTTP server: request accounting, faults, auth, rate limit, then the Bitbucket routes;
// /admin/ goes to the Atlassian Admin API (admin-api.ts), /_simulator/ to the control API.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AdminApi, DEFAULT_ADMIN_RATE_LIMIT } from './admin-api.js';
import type { AdminRateLimit } from './admin-api.js';
import { Authenticator } from './auth.js';
import { handleControl } from './control.js';
import { answerFault, FaultInjector } from './faults.js';
import type { FaultSpec } from './faults.js';
import { applyFields } from './fields.js';
import { HookDispatcher } from './hooks.js';
import { errorBody, HttpError, parseJsonBody, readBody, sendJson, sendText } from './http.js';
import { pageLenCapFor } from './paging.js';
import { RateLimiter } from './rate-limit.js';
import { RequestLog } from './request-log.js';
import { accountRoutes, CHANGE_2770_DETAIL } from './routes/account.js';
import { groupV1Routes } from './routes/groups-v1.js';
import { hookRoutes } from './routes/hooks.js';
import { clientIdOf, TOKEN_PATH, tokenResponse } from './routes/oauth.js';
import { permissionsConfigRoutes } from './routes/permissions-config.js';
import { repositoryRoutes } from './routes/repositories.js';
import { workspaceRoutes } from './routes/workspaces.js';
import { Router } from './router.js';
import { tokenRefused } from './access.js';
import type { SeedDocument } from './seed.js';
import { SimulatorState } from './state.js';

export const RATE_LIMIT_MESSAGE = 'Rate limit for this resource has been exceeded';

export interface SimulatorSettings {
  seed: SeedDocument;
  hourlyRequestLimit: number;
  pageLenDefault: number;
  oauthTokenTtlSeconds: number;
  now?: (() => number) | undefined;
  /** Per route template, a `pagelen` cap other than PAGELEN_CAPS (tests of a 50-cap endpoint). */
  pageLenCaps?: Readonly<Record<string, number>> | undefined;
  /** Sends `Retry-After` with this many seconds on rate-limit 429s; Bitbucket usually sends none. */
  rateLimitRetryAfterSeconds?: number | undefined;
  /** The Atlassian Admin API's fixed window per organization; default 1,000 requests per 60 s. */
  adminRateLimit?: AdminRateLimit | undefined;
}

const router = new Router([
  ...accountRoutes,
  ...workspaceRoutes,
  ...repositoryRoutes,
  ...permissionsConfigRoutes,
  ...groupV1Routes,
  ...hookRoutes,
]);

export class Simulator {
  readonly state: SimulatorState;
  readonly requests = new RequestLog();
  readonly faults = new FaultInjector();
  readonly hooks = new HookDispatcher();
  readonly auth: Authenticator;
  private limiter: RateLimiter;
  private readonly admin: AdminApi;
  private clockOffset = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  origin = '';

  constructor(private readonly settings: SimulatorSettings) {
    this.state = new SimulatorState(settings.seed);
    this.auth = new Authenticator(() => this.state.credentials, this.now, settings.oauthTokenTtlSeconds);
    this.limiter = new RateLimiter(settings.hourlyRequestLimit, this.now);
    this.admin = new AdminApi({
      state: this.state,
      requests: this.requests,
      faults: this.faults,
      now: this.now,
      rateLimit: settings.adminRateLimit ?? DEFAULT_ADMIN_RATE_LIMIT,
    });
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  now = (): number => (this.settings.now ? this.settings.now() : Date.now() + this.clockOffset);

  /** Moves the simulated clock; false when the caller injected its own clock. */
  advanceClock(ms: number): boolean {
    if (this.settings.now) return false;
    this.clockOffset += ms;
    return true;
  }

  async reset(): Promise<void> {
    await this.hooks.settle();
    this.state.load(this.settings.seed);
    this.requests.clear();
    this.faults.clear();
    this.hooks.clear();
    this.limiter.clear();
    this.admin.clear();
    this.auth.clear();
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        const bound = (this.server.address() as AddressInfo).port;
        this.origin = `http://127.0.0.1:${bound}`;
        resolve(bound);
      });
    });
  }

  async close(): Promise<void> {
    await this.hooks.stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.origin);
      if (url.pathname.startsWith('/_simulator/')) await handleControl(this, req, res, url);
      else if (url.pathname.startsWith('/admin/')) await this.admin.handle(req, res, url);
      else await this.handleApi(req, res, url);
    } catch (error) {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof HttpError)
        sendJson(res, error.status, errorBody(error.status, error.message, error.detail), {
          ...error.headers,
        });
      else sendJson(res, 500, errorBody(500, 'Something went wrong'));
    }
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const isTokenRequest = url.pathname === TOKEN_PATH;
    const matched = isTokenRequest ? undefined : router.match(method, url.pathname);
    const template = isTokenRequest
      ? TOKEN_PATH
      : matched && 'route' in matched
        ? matched.route.template
        : (matched?.template ?? '(unknown)');
    const auth = isTokenRequest ? undefined : this.auth.authenticate(req);
    const identity = isTokenRequest
      ? `oauth-client:${clientIdOf(req, new URLSearchParams(raw.toString('utf8'))) ?? 'anonymous'}`
      : auth?.ok
        ? auth.principal.identity
        : 'anonymous';
    this.requests.record(method, template, identity);

    const fault = this.faults.take(method, url.pathname, identity);
    if (fault && (await this.applyFault(fault, req, res))) return;

    if (isTokenRequest) {
      if (method !== 'POST') throw new HttpError(405, 'Method not allowed');
      const answer = tokenResponse(req, raw, this.auth);
      return sendJson(res, answer.status, answer.body);
    }
    if (!auth?.ok) {
      return sendJson(res, 401, errorBody(401, 'Unauthorized', auth?.reason), {
        'WWW-Authenticate': 'Basic realm="Bitbucket.org HTTP"',
      });
    }
    // A scoped API token created with no scope at all is refused by every endpoint, /2.0/user included.
    if (auth.principal.kind === 'api-token' && auth.principal.scopes?.size === 0) throw tokenRefused();
    // Access tokens alone get scaled limits and the X-RateLimit-* headers (API-NOTES "Rate limits").
    const accessToken = auth.principal.kind === 'access-token';
    const limit =
      (auth.principal.kind === 'access-token' ? auth.principal.hourlyRequestLimit : undefined) ??
      this.settings.hourlyRequestLimit;
    const admitted = this.limiter.admit(identity, limit);
    const limitHeaders: Record<string, string> = accessToken
      ? {
          'X-RateLimit-Limit': String(limit),
          // The simulator's choice of "near": a tenth of the hour or less is left.
          'X-RateLimit-NearLimit': String(limit - this.limiter.used(identity) <= limit / 10),
        }
      : {};
    if (!admitted) {
      const retryAfter = this.settings.rateLimitRetryAfterSeconds;
      return sendText(res, 429, RATE_LIMIT_MESSAGE, {
        ...limitHeaders,
        ...(retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) }),
      });
    }
    if (!matched || !('route' in matched)) {
      if (matched?.allowed.length)
        throw new HttpError(405, `Method ${method} not allowed; use ${matched.allowed.join(', ')}`);
      throw new HttpError(404, `Resource not found: ${url.pathname}`);
    }
    const result = matched.route.handle({
      state: this.state,
      principal: auth.principal,
      params: matched.params,
      query: url.searchParams,
      url,
      origin: this.origin,
      body: parseJsonBody(raw),
      pageLenDefault: this.settings.pageLenDefault,
      pageLenCap: pageLenCapFor(matched.route.template, this.settings.pageLenCaps),
      template: matched.route.template,
      identity,
      faults: this.faults,
      now: this.now,
      hooks: this.hooks,
    });
    const body =
      result.body === undefined ? undefined : applyFields(result.body, url.searchParams.get('fields'));
    sendJson(res, result.status, body, limitHeaders);
  }

  /** True when the fault answered the request (latency only delays it). */
  private applyFault(fault: FaultSpec, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return answerFault(fault, req, res, {
      truncatedJson: '{"values": [{"type": "repository", "uuid": ',
      gone: (answer) => sendJson(answer, 410, errorBody(410, 'Resource removed', CHANGE_2770_DETAIL)),
      status: (answer, status, retryAfter) => {
        const headers: Record<string, string> =
          retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
        if (status === 429) sendText(answer, 429, RATE_LIMIT_MESSAGE, headers);
        else sendJson(answer, status, errorBody(status, `Simulated failure (${status})`), headers);
      },
    });
  }
}
