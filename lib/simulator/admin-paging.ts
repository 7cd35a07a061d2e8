// Admin API paging: `limit` 1..100 (default 20) and `links.next`, an opaque cursor holding the offset, the
// limit and the filters. A request with a cursor uses what the cursor holds; its other parameters are
// discarded, as Atlassian documents ("If present, all other parameters are discarded").
import * as z from 'zod';
import { adminBadRequest } from './admin-errors.js';

export const ADMIN_LIMIT_DEFAULT = 20;
export const ADMIN_LIMIT_MAX = 100;

/** `limit` as sent (a number in a JSON body, a string in a query); 400 outside 1..100. */
export function readLimit(raw: unknown): number {
  if (raw === undefined || raw === null) return ADMIN_LIMIT_DEFAULT;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > ADMIN_LIMIT_MAX)
    throw adminBadRequest(
      `limit must be an integer from 1 to ${ADMIN_LIMIT_MAX}, got ${JSON.stringify(raw)}`,
    );
  return n;
}

export interface PageRequest<F> {
  offset: number;
  limit: number;
  filters: F;
}

const CursorJson = z.object({
  s: z.string(),
  o: z.number().int().nonnegative(),
  l: z.number().int(),
  f: z.unknown(),
});

function encodeCursor(scope: string, offset: number, limit: number, filters: unknown): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset, l: limit, f: filters })).toString('base64url');
}

/**
 * The page asked for: from `cursor` when present (it must have been issued for this `scope`, i.e. the same
 * route and path), else offset 0 with `limit` and the filters read from `input` by `filters`.
 */
export function readPageRequest<S extends z.ZodType>(
  input: Record<string, unknown>,
  scope: string,
  filters: S,
): PageRequest<z.infer<S>> {
  const cursor = input.cursor;
  if (cursor !== undefined && cursor !== null) {
    const invalid = () => adminBadRequest(`Invalid cursor: ${JSON.stringify(cursor)}`, 'INVALID_CURSOR');
    if (typeof cursor !== 'string' || cursor === '') throw invalid();
    let decoded: z.infer<typeof CursorJson>;
    try {
      decoded = CursorJson.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    } catch {
      throw invalid();
    }
    const parsed = filters.safeParse(decoded.f);
    if (decoded.s !== scope || decoded.l < 1 || decoded.l > ADMIN_LIMIT_MAX || !parsed.success)
      throw invalid();
    return { offset: decoded.o, limit: decoded.l, filters: parsed.data };
  }
  const parsed = filters.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw adminBadRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return { offset: 0, limit: readLimit(input.limit), filters: parsed.data };
}

/** One page of `items` as `{data, links: {next}}`; `next` is null on the last page. */
export function cursorPage<T, R, F>(
  items: readonly T[],
  request: PageRequest<F>,
  scope: string,
  map: (item: T) => R,
): { data: R[]; links: { next: string | null } } {
  const end = request.offset + request.limit;
  return {
    data: items.slice(request.offset, end).map(map),
    links: { next: end < items.length ? encodeCursor(scope, end, request.limit, request.filters) : null },
  };
}
