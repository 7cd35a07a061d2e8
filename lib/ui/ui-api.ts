// The page's data routes: `GET|POST /ui/api/{proxy+}` is `/v1/{proxy}` under the page's own authorizer
// (an OpenID Connect JWT in AWS, since a browser cannot sign SigV4; the local bearer token locally). The
// request is dispatched to the very /v1 handler the path names, with the same role checks; the caller is
// the JWT's `oidc:<sub>` (or the local token's principal). One route of its own: `session`, who the caller
// is and their roles per workspace, so the page shows only what the caller may do.
import { matchRoute, routeKey } from '../api/routes.js';
import { routeApiRequest, type ApiDependencies, type ApiRequest, type RoutedAnswer } from '../api/index.js';
import { errorResponse, jsonAnswer, NotFound, type HttpAnswer } from '../errors/index.js';

/** Where the page's data routes start; the rest of the path is a /v1 path. */
export const UI_API_PREFIX = '/ui/api/';

/** Route keys of the page's routes (lib/api/routes.ts declares them with target `ui`). */
export const UI_ROUTE_KEYS = {
  page: 'GET /ui',
  file: 'GET /ui/{file}',
  dataGet: 'GET /ui/api/{proxy+}',
  dataPost: 'POST /ui/api/{proxy+}',
} as const;

/** True for the page's static routes (public: no caller needed). */
export function isUiFileRoute(key: string): boolean {
  return key === UI_ROUTE_KEYS.page || key === UI_ROUTE_KEYS.file;
}

/** True for the page's data routes (a caller is required). */
export function isUiDataRoute(key: string): boolean {
  return key === UI_ROUTE_KEYS.dataGet || key === UI_ROUTE_KEYS.dataPost;
}

/** The principal a JWT's claims stand for in the policy document: `oidc:<sub>`. */
export function oidcPrincipalOf(claims: Record<string, unknown> | undefined): string | undefined {
  const subject = claims?.sub;
  return typeof subject === 'string' && subject !== '' ? `oidc:${subject}` : undefined;
}

/**
 * The /v1 request a data route stands for, or undefined when `/v1/{rest}` names no /v1 route. `rest` is
 * the raw (still percent-encoded) path after /ui/api/, so parameters are decoded exactly once.
 */
export function v1RequestOf(request: ApiRequest, method: string, rest: string): ApiRequest | undefined {
  const match = matchRoute(method, `/v1/${rest}`);
  if (!match || match.route.target !== 'api') return undefined;
  return { ...request, routeKey: routeKey(match.route), pathParameters: match.pathParameters };
}

/** `GET /ui/api/session`: the caller's principal, Bitbucket account (if the policy names one) and roles. */
export async function handleUiSession(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const policy = dependencies.authorization;
  const workspaces = (await dependencies.store.listWorkspaces())
    .map((workspace) => ({ workspace, roles: [...policy.rolesOf(request.actor, workspace)].sort() }))
    .filter(({ roles }) => roles.length > 0)
    .sort((a, b) => a.workspace.slug.localeCompare(b.workspace.slug));
  const accountId = policy.accountIdOf(request.actor);
  return jsonAnswer(200, {
    principal: request.actor,
    ...(accountId ? { accountId } : {}),
    workspaces: workspaces.map(({ workspace, roles }) => ({
      slug: workspace.slug,
      name: workspace.name,
      roles,
    })),
  });
}

/** Dispatches one data-route request (`rest`: the raw path after /ui/api/). Never throws. */
export async function routeUiApiRequest(
  request: ApiRequest,
  method: string,
  rest: string,
  dependencies: ApiDependencies,
): Promise<RoutedAnswer> {
  try {
    if (method === 'GET' && rest === 'session')
      return { answer: await handleUiSession(request, dependencies) };
    const v1 = v1RequestOf(request, method, rest);
    if (!v1) throw new NotFound(`no API route ${method} /v1/${rest}`, { path: `/v1/${rest}` });
    return await routeApiRequest(v1, dependencies);
  } catch (error) {
    const answer = errorResponse(error);
    return answer.statusCode === 500 ? { answer, failure: error } : { answer };
  }
}
