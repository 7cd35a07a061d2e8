// Every HTTP route of the connector, declared once. The CDK stack creates exactly these API Gateway
// routes, the local server matches requests against them, and the API function dispatches on them, so
// the three can never disagree about a path.

/** `ui`: the reviewer page (lib/ui), served by the API function like `api`, but outside /v1 and OpenAPI. */
export type RouteTarget = 'api' | 'webhook' | 'ui';
/** The Lambda function that serves a target: the page is part of the API function. */
export type FunctionName = 'api' | 'webhook';
/**
 * `iam`: SigV4 in AWS, the local bearer token locally. `signature`: open, but the handler checks the HMAC.
 * `public`: open (the page's static files). `jwt`: an OpenID Connect JWT in AWS (a browser cannot SigV4),
 * the local bearer token locally.
 */
export type RouteAuth = 'iam' | 'signature' | 'public' | 'jwt';

export interface RouteDefinition {
  method: 'GET' | 'POST';
  /** API Gateway path template: `{name}` is a path parameter, a last `{name+}` takes the rest of the path. */
  path: string;
  target: RouteTarget;
  auth: RouteAuth;
  summary: string;
}

export const ROUTES = [
  {
    method: 'GET',
    path: '/v1/openapi.json',
    target: 'api',
    auth: 'iam',
    summary: 'OpenAPI 3.1 document of /v1',
  },
  { method: 'GET', path: '/v1/workspaces', target: 'api', auth: 'iam', summary: 'Governed workspaces' },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/sync',
    target: 'api',
    auth: 'iam',
    summary: 'Sync progress, freshness and holds',
  },
  {
    method: 'POST',
    path: '/v1/workspaces/{workspace}/sync',
    target: 'api',
    auth: 'iam',
    summary: 'Release a deletion hold or mark scopes dirty',
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/users/{accountId}/access',
    target: 'api',
    auth: 'iam',
    summary: "A user's effective access with every path",
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/projects/{resourceId}/access',
    target: 'api',
    auth: 'iam',
    summary: 'Every user who can reach a project',
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/repositories/{resourceId}/access',
    target: 'api',
    auth: 'iam',
    summary: 'Every user who can reach a repository',
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/groups/{resourceId}/access',
    target: 'api',
    auth: 'iam',
    summary: 'Every member of a group',
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/changes',
    target: 'api',
    auth: 'iam',
    summary: 'Change log since a time',
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/export',
    target: 'api',
    auth: 'iam',
    summary: 'Access-review export (CSV or JSON) with a manifest',
  },
  {
    method: 'POST',
    path: '/v1/workspaces/{workspace}/grants',
    target: 'api',
    auth: 'iam',
    summary: 'Grant a membership or permission',
  },
  {
    method: 'POST',
    path: '/v1/workspaces/{workspace}/revocations',
    target: 'api',
    auth: 'iam',
    summary: 'Revoke a membership or permission',
  },
  {
    method: 'GET',
    path: '/v1/requests/{requestId}',
    target: 'api',
    auth: 'iam',
    summary: 'A provisioning request and its outcome',
  },
  {
    method: 'POST',
    path: '/v1/workspaces/{workspace}/access-requests',
    target: 'api',
    auth: 'iam',
    summary: 'Ask for access (pending until an approver decides)',
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/access-requests',
    target: 'api',
    auth: 'iam',
    summary: "A workspace's access requests, newest first",
  },
  {
    method: 'GET',
    path: '/v1/access-requests/{id}',
    target: 'api',
    auth: 'iam',
    summary: 'One access request',
  },
  {
    method: 'POST',
    path: '/v1/access-requests/{id}/approve',
    target: 'api',
    auth: 'iam',
    summary: 'Approve an access request and grant it',
  },
  {
    method: 'POST',
    path: '/v1/access-requests/{id}/deny',
    target: 'api',
    auth: 'iam',
    summary: 'Deny an access request',
  },
  {
    method: 'POST',
    path: '/v1/access-requests/{id}/withdraw',
    target: 'api',
    auth: 'iam',
    summary: 'Withdraw a pending access request',
  },
  {
    method: 'POST',
    path: '/v1/workspaces/{workspace}/reviews',
    target: 'api',
    auth: 'iam',
    summary: 'Start an access-review campaign (items frozen now)',
  },
  {
    method: 'GET',
    path: '/v1/workspaces/{workspace}/reviews',
    target: 'api',
    auth: 'iam',
    summary: "A workspace's access-review campaigns, newest first, with progress",
  },
  {
    method: 'GET',
    path: '/v1/reviews/{id}',
    target: 'api',
    auth: 'iam',
    summary: 'An access-review campaign and its progress',
  },
  {
    method: 'GET',
    path: '/v1/reviews/{id}/items',
    target: 'api',
    auth: 'iam',
    summary: "A campaign's frozen items, by reviewer and decision",
  },
  {
    method: 'POST',
    path: '/v1/reviews/{id}/decisions',
    target: 'api',
    auth: 'iam',
    summary: 'Keep or revoke items (until the campaign closes)',
  },
  {
    method: 'POST',
    path: '/v1/reviews/{id}/close',
    target: 'api',
    auth: 'iam',
    summary: 'Close a campaign: execute the revocations and verify them',
  },
  {
    method: 'GET',
    path: '/v1/reviews/{id}/report',
    target: 'api',
    auth: 'iam',
    summary: "A campaign's report (CSV, JSON, or the manifest with their SHA-256)",
  },
  {
    method: 'POST',
    path: '/webhooks/bitbucket/{workspace}',
    target: 'webhook',
    auth: 'signature',
    summary: 'Bitbucket webhook receiver (HMAC-verified)',
  },
  { method: 'GET', path: '/ui', target: 'ui', auth: 'public', summary: 'Reviewer page (also /ui/)' },
  { method: 'GET', path: '/ui/{file}', target: 'ui', auth: 'public', summary: "Reviewer page's files" },
  {
    method: 'GET',
    path: '/ui/api/{proxy+}',
    target: 'ui',
    auth: 'jwt',
    summary: "Reviewer page's data: GET /v1/{proxy} as the page's signed-in caller",
  },
  {
    method: 'POST',
    path: '/ui/api/{proxy+}',
    target: 'ui',
    auth: 'jwt',
    summary: "Reviewer page's data: POST /v1/{proxy} as the page's signed-in caller",
  },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof ROUTES)[number];
/** API Gateway route key, e.g. `GET /v1/workspaces/{workspace}/sync`. */
export type RouteKey = `${Route['method']} ${Route['path']}`;

export function routeKey(route: RouteDefinition): string {
  return `${route.method} ${route.path}`;
}

/** The function that serves `target`. */
export function functionOf(target: RouteTarget): FunctionName {
  return target === 'ui' ? 'api' : target;
}

export interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

/**
 * Matches a concrete method and path against the table, as API Gateway does: literal segments must be
 * equal, `{name}` takes one whole segment (URL-decoded), a last `{name+}` the rest (one segment or more);
 * a trailing slash is ignored. Returns undefined when nothing matches.
 */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const segments = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const template = route.path.split('/');
    const greedy = template.at(-1)?.endsWith('+}') === true;
    if (greedy ? segments.length < template.length : template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    let matched = true;
    for (let index = 0; index < template.length && matched; index++) {
      const part = template[index] ?? '';
      const actual = segments[index] ?? '';
      if (part.endsWith('+}') && index === template.length - 1) {
        const rest = segments.slice(index).join('/');
        if (actual === '') matched = false;
        else pathParameters[part.slice(1, -2)] = safeDecode(rest);
      } else if (part.startsWith('{') && part.endsWith('}')) {
        if (actual === '') matched = false;
        else pathParameters[part.slice(1, -1)] = safeDecode(actual);
      } else if (part !== actual) matched = false;
    }
    if (matched) return { route, pathParameters };
  }
  return undefined;
}

/** Whether any route has this path (for telling 404 from 405). */
export function pathIsKnown(path: string): boolean {
  return ['GET', 'POST'].some((method) => matchRoute(method, path) !== undefined);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
