// Bitbucket's paged envelope: {values, pagelen, size, page, next}, `next` absent on the last page.
import { badRequest } from './http.js';
import type { RequestContext } from './router.js';

/** Bitbucket's general maximum ("100 being the maximum allowed value. Individual APIs may enforce different values"). */
export const DEFAULT_PAGELEN_CAP = 100;

/**
 * The largest `pagelen` each paged route accepts; more is refused with 400 "Invalid pagelen", never clamped.
 * Atlassian's OpenAPI document (revision b62ea302637b) gives 100 for every listing served here and documents
 * no smaller maximum for any of them (only diffstat differs: 5000), so each is 100 until there is evidence
 * of a lower cap; routes not listed get DEFAULT_PAGELEN_CAP. Tests can lower a cap with the simulator's
 * `pageLenCaps` option to see a connector meet a 50-cap endpoint.
 */
export const PAGELEN_CAPS: Readonly<Record<string, number>> = {
  '/2.0/user/workspaces': 100,
  '/2.0/workspaces/{workspace}/members': 100,
  '/2.0/workspaces/{workspace}/permissions': 100,
  '/2.0/workspaces/{workspace}/permissions/repositories': 100,
  '/2.0/workspaces/{workspace}/projects': 100,
  '/2.0/repositories/{workspace}': 100,
  '/2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/users': 100,
  '/2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/groups': 100,
  '/2.0/repositories/{workspace}/{repo_slug}/permissions-config/users': 100,
  '/2.0/repositories/{workspace}/{repo_slug}/permissions-config/groups': 100,
  '/2.0/workspaces/{workspace}/hooks': 100,
};

/** The cap for one route template: an override first, then PAGELEN_CAPS, then the default. */
export function pageLenCapFor(template: string, overrides: Readonly<Record<string, number>> = {}): number {
  return overrides[template] ?? PAGELEN_CAPS[template] ?? DEFAULT_PAGELEN_CAP;
}

export interface PageRequest {
  pagelen: number;
  /** Raw `page` parameter: a page number for plain lists, an opaque cursor for computed ones. */
  page: string | undefined;
}

/** `pagelen` and `page` of a listing request; 400 "Invalid pagelen" for non-numbers, < 1 or above the route's cap. */
export function readPageRequest(
  ctx: Pick<RequestContext, 'query' | 'pageLenDefault' | 'pageLenCap'>,
): PageRequest {
  const raw = ctx.query.get('pagelen');
  let pagelen = ctx.pageLenDefault;
  if (raw !== null) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > ctx.pageLenCap)
      throw badRequest(
        'Invalid pagelen',
        `pagelen must be an integer from 1 to ${ctx.pageLenCap}, got "${raw}"`,
      );
    pagelen = n;
  }
  return { pagelen, page: ctx.query.get('page') ?? undefined };
}

export function nextUrl(requestUrl: URL, page: string): string {
  const next = new URL(requestUrl.href);
  next.searchParams.set('page', page);
  return next.href;
}

/** Identity, path and query without `page`: what every page of one reader's walk has in common. */
function walkKey(ctx: Pick<RequestContext, 'identity' | 'url'>): string {
  const query = new URLSearchParams(ctx.url.searchParams);
  query.delete('page');
  query.sort();
  return `${ctx.identity} ${ctx.url.pathname}?${query.toString()}`;
}

/**
 * One page of an in-memory list, with `page=N` (1-based) links. Listing faults (page-drift, repeated-item)
 * change what this page serves, never the list itself.
 */
export function pageOf<T, R>(
  ctx: Pick<RequestContext, 'query' | 'pageLenDefault' | 'pageLenCap' | 'identity' | 'url' | 'faults'>,
  items: readonly T[],
  map: (item: T) => R,
) {
  const request = readPageRequest(ctx);
  const page = request.page === undefined ? 1 : Number(request.page);
  if (!Number.isInteger(page) || page < 1) throw badRequest(`Invalid page: ${request.page ?? ''}`);
  const walk = walkKey(ctx);
  const effect = ctx.faults.listingEffect({
    method: 'GET',
    path: ctx.url.pathname,
    identity: ctx.identity,
    walk,
    page,
  });
  const start = (page - 1) * request.pagelen;
  // The list as the drifted walk sees it: an item before the reader's position appeared (a copy of the
  // one just before the page, so the reader meets it twice) or disappeared.
  let list = items;
  if (effect.shift !== 0 && start > 0 && start <= items.length) {
    const before = start - 1;
    list =
      effect.shift > 0
        ? [...items.slice(0, before + 1), ...items.slice(before)]
        : [...items.slice(0, before), ...items.slice(before + 1)];
  }
  const slice = list.slice(start, start + request.pagelen);
  const previous = start > 0 ? list[start - 1] : undefined;
  const values = (effect.repeatPrevious && previous !== undefined ? [previous, ...slice] : slice).map(map);
  const hasMore = start + request.pagelen < list.length;
  if (!hasMore) ctx.faults.walkEnded(walk);
  return {
    values,
    pagelen: request.pagelen,
    size: list.length,
    page,
    ...(hasMore ? { next: nextUrl(ctx.url, String(page + 1)) } : {}),
  };
}
