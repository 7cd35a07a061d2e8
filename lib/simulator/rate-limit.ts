// Rolling one-hour request budget per identity, like Bitbucket Cloud's API limit; a fixed window for the
// Atlassian Admin API.
const HOUR_MS = 3_600_000;

export class RateLimiter {
  private windows = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /**
   * Records the request and answers true when it fits in the identity's window; `limit` overrides the
   * limit for this identity (an access token's scaled limit).
   */
  admit(identity: string, limit = this.limit): boolean {
    const now = this.now();
    let times = this.windows.get(identity);
    if (!times) this.windows.set(identity, (times = []));
    let expired = 0;
    while (expired < times.length && (times[expired] as number) <= now - HOUR_MS) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit) return false;
    times.push(now);
    return true;
  }

  /** Requests the identity has made in the current rolling hour. */
  used(identity: string): number {
    const since = this.now() - HOUR_MS;
    return (this.windows.get(identity) ?? []).filter((time) => time > since).length;
  }

  clear(): void {
    this.windows.clear();
  }
}

/** Where a fixed window stands after a request: for the X-RateLimit-* headers. */
export interface WindowStatus {
  admitted: boolean;
  limit: number;
  remaining: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
}

/**
 * A fixed window per key (the Admin API's budget per organization, kept apart from Bitbucket's): `limit`
 * requests from the window's first request until `windowMs` later.
 */
export class FixedWindowLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts the request when it fits (admitted) and says where the window stands. */
  admit(key: string): WindowStatus {
    const window = this.current(key);
    const admitted = window.count < this.limit;
    if (admitted) window.count++;
    return this.status(window, admitted);
  }

  /** Where the window stands, without counting a request. */
  peek(key: string): WindowStatus {
    return this.status(this.current(key), true);
  }

  clear(): void {
    this.windows.clear();
  }

  private current(key: string): { start: number; count: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now >= window.start + this.windowMs)
      this.windows.set(key, (window = { start: now, count: 0 }));
    return window;
  }

  private status(window: { start: number; count: number }, admitted: boolean): WindowStatus {
    return {
      admitted,
      limit: this.limit,
      remaining: Math.max(0, this.limit - window.count),
      resetAt: window.start + this.windowMs,
    };
  }
}
