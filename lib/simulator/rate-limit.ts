// Rolling one-hour request budget per identity, like Bitbucket Cloud's API limit.
const HOUR_MS = 3_600_000;

export class RateLimiter {
  private windows = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Records the request and answers true when it fits in the identity's window. */
  admit(identity: string): boolean {
    const now = this.now();
    let times = this.windows.get(identity);
    if (!times) this.windows.set(identity, (times = []));
    let expired = 0;
    while (expired < times.length && (times[expired] as number) <= now - HOUR_MS) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= this.limit) return false;
    times.push(now);
    return true;
  }

  clear(): void {
    this.windows.clear();
  }
}
