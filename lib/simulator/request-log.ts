// Counts of every Bitbucket API request received, by identity and by route template.
export interface RouteCount {
  method: string;
  route: string;
  identity: string;
  count: number;
}

export class RequestLog {
  private total = 0;
  private byIdentity = new Map<string, number>();
  private byRoute = new Map<string, RouteCount>();

  record(method: string, route: string, identity: string): void {
    this.total++;
    this.byIdentity.set(identity, (this.byIdentity.get(identity) ?? 0) + 1);
    const key = `${method} ${route} ${identity}`;
    const entry = this.byRoute.get(key);
    if (entry) entry.count++;
    else this.byRoute.set(key, { method, route: `${method} ${route}`, identity, count: 1 });
  }

  snapshot() {
    return {
      total: this.total,
      byIdentity: Object.fromEntries(this.byIdentity),
      byRoute: [...this.byRoute.values()].map((r) => ({ ...r })),
    };
  }

  clear(): void {
    this.total = 0;
    this.byIdentity.clear();
    this.byRoute.clear();
  }
}
