// Bitbucket's paged envelope: {values, pagelen, size, page, next}, `next` absent on the last page.
import { badRequest } from './http.js';

export const MAX_PAGELEN = 100;

export interface PageRequest {
  pagelen: number;
  /** Raw `page` parameter: a page number for plain lists, an opaque cursor for computed ones. */
  page: string | undefined;
}

/**
 * Bitbucket caps pagelen at 100 ("100 being the maximum allowed value"); in practice larger values are
 * served as 100 rather than refused, so we clamp. Zero, negative or non-numeric values are refused.
 */
export function readPageRequest(query: URLSearchParams, pageLenDefault: number): PageRequest {
  const raw = query.get('pagelen');
  let pagelen = pageLenDefault;
  if (raw !== null) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw badRequest(`Invalid pagelen: ${raw}`);
    pagelen = Math.min(n, MAX_PAGELEN);
  }
  return { pagelen, page: query.get('page') ?? undefined };
}

export function nextUrl(requestUrl: URL, page: string): string {
  const next = new URL(requestUrl.href);
  next.searchParams.set('page', page);
  return next.href;
}

/** One page of an in-memory list, with `page=N` (1-based) links. */
export function pageOf<T, R>(
  items: readonly T[],
  request: PageRequest,
  requestUrl: URL,
  map: (item: T) => R,
) {
  const page = request.page === undefined ? 1 : Number(request.page);
  if (!Number.isInteger(page) || page < 1) throw badRequest(`Invalid page: ${request.page ?? ''}`);
  const start = (page - 1) * request.pagelen;
  const values = items.slice(start, start + request.pagelen).map(map);
  const hasMore = start + request.pagelen < items.length;
  return {
    values,
    pagelen: request.pagelen,
    size: items.length,
    page,
    ...(hasMore ? { next: nextUrl(requestUrl, String(page + 1)) } : {}),
  };
}
