// Faults injected on demand through the control API. Request faults apply to the next `times` matching
// requests before any route runs; listing faults change what a paged listing serves (see FaultSpec).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';

/**
 * One fault, as POSTed to `/_simulator/faults` inside `{faults: [...]}`. `match` narrows it to requests by
 * method, path prefix (`pathPrefix: "/2.0/workspaces/acme/permissions"`) and identity (an account id,
 * `access-token:<ws>`, `oauth-client:<id>` or `org:<orgId>`).
 *
 * Request faults (`times` counts matching requests); they apply to the Atlassian Admin API (`/admin/…`,
 * identity `org:<orgId>`) too, after its key check, answering in its `{errors: [...]}` shape with its
 * X-RateLimit-* headers (a 429 also with `Retry-After`: `retryAfter`, or the seconds left in the window):
 * - `latency`: waits `ms` (default 1000) and then answers normally.
 * - `status`: answers `status` (default 500) with Bitbucket's error body; 429 answers `text/plain`
 *   "Rate limit for this resource has been exceeded", with `Retry-After: retryAfter` only when given.
 * - `drop`: closes the connection without an answer.
 * - `malformed-json`: a 200 whose JSON body is cut short.
 * - `gone`: 410 with the CHANGE-2770 notice.
 *
 * Listing faults, applied by every page-numbered listing (`/2.0/user/workspaces`, workspace
 * `members` and `permissions`, `projects`, `repositories`, project and repository `permissions-config/users`
 * and `/groups`, workspace `hooks`); the cursor-paged `permissions/repositories` matrix is not affected.
 * They change only what is served; the workspace itself never changes.
 * - `page-drift` (`times` counts walks): a walk is one reader following `next` through one listing (same
 *   identity, path and query apart from `page`). When the walk asks for page `afterPage + 1` (default
 *   page 2), the list shifts as if an item had been inserted (`drift: "insert"`: the last item of the
 *   previous page is served again at the top of the next one) or deleted (`drift: "delete"`, the default:
 *   the first item the next page should hold is never served) before the reader's position. The shift
 *   holds for the rest of that walk (`size` says one more or one less) and is gone once the walk reads its
 *   last page or starts again at page 1, so a second walk sees the unchanged list.
 *   Example: `{"kind": "page-drift", "drift": "insert", "match": {"pathPrefix": "/2.0/workspaces/acme/permissions"}}`.
 * - `repeated-item` (`times` counts pages): the next matching page after the first also starts with the
 *   last item of the previous page (that page then holds `pagelen + 1` values); nothing is missed.
 *   Example: `{"kind": "repeated-item", "match": {"pathPrefix": "/2.0/repositories/acme"}}`.
 */
export const FaultSpec = z.object({
  match: z
    .object({
      method: z.string().optional(),
      pathPrefix: z.string().optional(),
      identity: z.string().optional(),
    })
    .default({}),
  kind: z.enum(['latency', 'status', 'drop', 'malformed-json', 'gone', 'page-drift', 'repeated-item']),
  ms: z.number().int().nonnegative().optional(),
  status: z.number().int().min(100).max(599).optional(),
  /** Request faults: matching requests; page-drift: walks; repeated-item: pages. */
  times: z.number().int().positive().default(1),
  retryAfter: z.number().int().nonnegative().optional(),
  /** page-drift only: what happened before the reader's position; default "delete". */
  drift: z.enum(['insert', 'delete']).optional(),
  /** page-drift only: the list shifts after this page was read (before page afterPage + 1); default 1. */
  afterPage: z.number().int().positive().optional(),
});
export type FaultSpec = z.infer<typeof FaultSpec>;
export const FaultsBody = z.object({ faults: z.array(FaultSpec) });

const LISTING_KINDS: ReadonlySet<FaultSpec['kind']> = new Set(['page-drift', 'repeated-item']);

/** One page request of a paged listing, as the pager sees it. */
export interface ListingRead {
  method: string;
  path: string;
  identity: string;
  /** Identity, path and query without `page`: the same for every page of one walk. */
  walk: string;
  /** 1-based page number asked for. */
  page: number;
}

/** How the pager serves one page: the list shifted by `shift` items, and whether to repeat the previous item. */
export interface ListingEffect {
  /** +1: an item appeared before the reader's position; -1: one disappeared; 0: as stored. */
  shift: -1 | 0 | 1;
  repeatPrevious: boolean;
}

export class FaultInjector {
  private faults: FaultSpec[] = [];
  /** Walks in progress that drifted, and by how much. */
  private drifting = new Map<string, -1 | 1>();

  add(faults: FaultSpec[]): void {
    this.faults.push(...faults.map((f) => ({ ...f })));
  }

  clear(): void {
    this.faults = [];
    this.drifting.clear();
  }

  list(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The first request fault matching this request, consumed once; listing faults are left to the pager. */
  take(method: string, path: string, identity: string): FaultSpec | undefined {
    return this.consume((f) => !LISTING_KINDS.has(f.kind) && matches(f, method, path, identity));
  }

  /** What listing faults do to this page; consumes a page-drift when its walk starts drifting. */
  listingEffect(read: ListingRead): ListingEffect {
    const applies = (f: FaultSpec) => matches(f, read.method, read.path, read.identity);
    // Page 1 starts a new walk: whatever the previous walk saw has shifted back.
    if (read.page === 1) this.drifting.delete(read.walk);
    let shift: ListingEffect['shift'] = this.drifting.get(read.walk) ?? 0;
    if (shift === 0 && read.page > 1) {
      const drift = this.consume(
        (f) => f.kind === 'page-drift' && applies(f) && (f.afterPage ?? 1) + 1 === read.page,
      );
      if (drift) {
        shift = drift.drift === 'insert' ? 1 : -1;
        this.drifting.set(read.walk, shift);
      }
    }
    const repeatPrevious =
      read.page > 1 && this.consume((f) => f.kind === 'repeated-item' && applies(f)) !== undefined;
    return { shift, repeatPrevious };
  }

  /** The walk read its last page: the list is back as stored for whoever reads it next. */
  walkEnded(walk: string): void {
    this.drifting.delete(walk);
  }

  private consume(predicate: (fault: FaultSpec) => boolean): FaultSpec | undefined {
    const index = this.faults.findIndex(predicate);
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times--;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

function matches(f: FaultSpec, method: string, path: string, identity: string): boolean {
  return (
    (f.match.method === undefined || f.match.method.toUpperCase() === method) &&
    (f.match.pathPrefix === undefined || path.startsWith(f.match.pathPrefix)) &&
    (f.match.identity === undefined || f.match.identity === identity)
  );
}

/**
 * How one API words the answer to a fault: Bitbucket and the Admin API share what each fault kind does and
 * differ only in their error bodies and the headers every answer carries (the Admin API's rate headers).
 */
export interface FaultAnswers {
  /** The truncated JSON a `malformed-json` fault answers with status 200. */
  truncatedJson: string;
  /** Headers sent with every faulted answer. */
  headers?: Record<string, string>;
  /** Answers a `gone` fault (410, the API's own removal body). */
  gone(res: ServerResponse): void;
  /** Answers a `status` fault; `retryAfter` in seconds when the fault names one. */
  status(res: ServerResponse, status: number, retryAfter: number | undefined): void;
}

/**
 * Applies one fault to a request. True when the fault answered it (or dropped the connection); false
 * when the request goes on (latency only delays it; listing faults are the pager's).
 */
export async function answerFault(
  fault: FaultSpec,
  req: IncomingMessage,
  res: ServerResponse,
  answers: FaultAnswers,
): Promise<boolean> {
  switch (fault.kind) {
    case 'latency':
      await sleep(fault.ms ?? 1000);
      return false;
    case 'drop':
      req.socket.destroy();
      return true;
    case 'malformed-json':
      res
        .writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': String(answers.truncatedJson.length),
          ...answers.headers,
        })
        .end(answers.truncatedJson);
      return true;
    case 'gone':
      answers.gone(res);
      return true;
    case 'status':
      answers.status(res, fault.status ?? 500, fault.retryAfter);
      return true;
    case 'page-drift':
    case 'repeated-item':
      // Listing faults are applied by the pager (FaultInjector.take never returns them).
      return false;
  }
}
