// Public API of the Bitbucket Cloud simulator.
import { Simulator } from './server.js';
import type { SeedDocument } from './seed.js';
import { loadSeed, parseSeed } from './seed.js';

export { generateSeed } from './generate.js';
export type { GeneratorParams } from './generate.js';
export { loadSeed, parseSeed, SeedDocument, SeedError } from './seed.js';
export { runSimulatorCli } from './cli.js';
export { signature as webhookSignature } from './hooks.js';
export type { DeliveryRecord } from './hooks.js';

export interface SimulatorOptions {
  /** A parsed seed, or 'demo', or 'generated:users=U,groups=G,projects=P,repos=R[,seed=S][,org=0|1]', or a JSON file path. */
  seed: SeedDocument | string;
  /** Default 0: a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** Per identity, rolling hour; default 1000. */
  hourlyRequestLimit?: number;
  /** Page length when no pagelen is sent; Bitbucket's is 10. */
  pageLenDefault?: number;
  /** Clock (ms) for the rate window, tokens and timestamps; default Date.now (movable via POST /_simulator/clock). */
  now?: () => number;
  /** Lifetime of issued OAuth access tokens; default 3600. */
  oauthTokenTtlSeconds?: number;
  /**
   * `pagelen` caps per route template (e.g. `{"/2.0/workspaces/{workspace}/projects": 50}`) replacing
   * PAGELEN_CAPS' 100; a larger `pagelen` is answered 400 "Invalid pagelen".
   */
  pageLenCaps?: Record<string, number>;
  /** Rate-limit 429s carry `Retry-After: N` when set; by default they carry none, as Bitbucket's usually do. */
  rateLimitRetryAfterSeconds?: number;
  /**
   * The Atlassian Admin API's budget: a fixed window per organization, apart from Bitbucket's hourly limit;
   * default `{limit: 1000, windowMs: 60000}`. Over it: 429 with X-RateLimit-* and Retry-After.
   */
  adminRateLimit?: { limit: number; windowMs: number };
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:40123; BITBUCKET_API_URL, BITBUCKET_OAUTH_URL and ATLASSIAN_ADMIN_API_URL all point here. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a simulator on 127.0.0.1 with the given seed; `stop()` closes it (deliveries in flight are ended). */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const seed = typeof options.seed === 'string' ? loadSeed(options.seed) : parseSeed(options.seed);
  const simulator = new Simulator({
    seed,
    hourlyRequestLimit: options.hourlyRequestLimit ?? 1000,
    pageLenDefault: options.pageLenDefault ?? 10,
    oauthTokenTtlSeconds: options.oauthTokenTtlSeconds ?? 3600,
    now: options.now,
    pageLenCaps: options.pageLenCaps,
    rateLimitRetryAfterSeconds: options.rateLimitRetryAfterSeconds,
    adminRateLimit: options.adminRateLimit,
  });
  const port = await simulator.listen(options.port ?? 0);
  let stopped: Promise<void> | undefined;
  return { url: simulator.origin, port, stop: () => (stopped ??= simulator.close()) };
}
