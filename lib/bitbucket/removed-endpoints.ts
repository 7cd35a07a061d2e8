// Endpoints Atlassian has announced as removed, in one table. Since about 2026-08 some removed endpoints
// answer 404 instead of 410 (API-NOTES "Rate limits and errors"); a 404 on one of these is therefore the
// removal, not a missing workspace or repository, and is reported as Gone with its announcement.
import type { RemovalAnnouncement } from './errors.js';

/** One announced removal: the method (`*` = any), the route template, and Atlassian's announcement. */
export interface RemovedEndpoint extends RemovalAnnouncement {
  method: string;
  /**
   * Route template under the API base: `{name}` matches one path segment, a trailing `/*` any deeper
   * path (one segment or more). Matched against the whole path, so `/2.0/workspaces` does not match
   * `/2.0/workspaces/{workspace}`.
   */
  route: string;
}

/**
 * Source: Atlassian changelog CHANGE-2770 and CHANGE-3022 (API-NOTES "Endpoints" and "Rate limits and
 * errors"): removed on 2026-04-14.
 */
export const REMOVED_ENDPOINTS: readonly RemovedEndpoint[] = [
  // The workspace list; `GET /2.0/user/workspaces` replaces it.
  { method: 'GET', route: '/2.0/workspaces', change: 'CHANGE-2770', removedOn: '2026-04-14' },
  // Every /2.0/user/permissions/… listing (workspaces, repositories, teams).
  { method: '*', route: '/2.0/user/permissions/*', change: 'CHANGE-2770', removedOn: '2026-04-14' },
  // The global repository list; `GET /2.0/repositories/{workspace}` stays.
  { method: 'GET', route: '/2.0/repositories', change: 'CHANGE-3022', removedOn: '2026-04-14' },
];

function routePattern(route: string): RegExp {
  const deeper = route.endsWith('/*');
  const fixed = deeper ? route.slice(0, -2) : route;
  const body = fixed
    .split('/')
    .map((segment) => (/^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}${deeper ? '/[^?#]+' : ''}/?$`);
}

const PATTERNS = REMOVED_ENDPOINTS.map((entry) => ({ entry, pattern: routePattern(entry.route) }));

/**
 * The announced removal that covers `method path`, or undefined. `path` is the URL path under the API
 * base (`/2.0/…`, no query string); pass a path with the base's own prefix removed.
 */
export function announcedRemoval(method: string, path: string): RemovedEndpoint | undefined {
  const upper = method.toUpperCase();
  return PATTERNS.find(
    ({ entry, pattern }) => (entry.method === '*' || entry.method === upper) && pattern.test(path),
  )?.entry;
}
