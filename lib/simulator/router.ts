// Path templates like `/2.0/repositories/{workspace}`: matching, parameters, and the handler contract.
import type { Principal } from './auth.js';
import type { FaultInjector } from './faults.js';
import type { HookDispatcher } from './hooks.js';
import type { SimulatorState } from './state.js';

export interface RequestContext {
  state: SimulatorState;
  principal: Principal;
  params: Record<string, string>;
  query: URLSearchParams;
  url: URL;
  /** The simulator's own origin, for links and `next`. */
  origin: string;
  body: unknown;
  pageLenDefault: number;
  /** The largest `pagelen` this route accepts (PAGELEN_CAPS in paging.ts, or the simulator's override). */
  pageLenCap: number;
  /** The matched route template, e.g. `/2.0/repositories/{workspace}`. */
  template: string;
  /** Who is calling, as the request log and fault matching name them. */
  identity: string;
  /** Listing faults (page-drift, repeated-item) are applied by the pager, not before the route. */
  faults: FaultInjector;
  now: () => number;
  hooks: HookDispatcher;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: string;
  template: string;
  handle(ctx: RequestContext): RouteResult;
}

type Match<R> = { route: R; params: Record<string, string> };

/** Routes by method and path template; generic so the Admin API's routes (another context) use it too. */
export class Router<R extends { method: string; template: string } = Route> {
  private readonly compiled: { route: R; segments: string[] }[];

  constructor(routes: R[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.template.split('/') }));
  }

  /** The route for this method and path, or the templates that match the path with another method. */
  match(method: string, pathname: string): Match<R> | { template: string | undefined; allowed: string[] } {
    const segments = pathname.split('/');
    const allowed: string[] = [];
    let template: string | undefined;
    for (const { route, segments: pattern } of this.compiled) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
      template ??= route.template;
    }
    return { template, allowed };
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    let a: string;
    try {
      a = decodeURIComponent(actual[i] as string);
    } catch {
      return undefined;
    }
    if (p.startsWith('{') && p.endsWith('}')) {
      if (a === '') return undefined;
      params[p.slice(1, -1)] = a;
    } else if (p !== a) return undefined;
  }
  return params;
}
