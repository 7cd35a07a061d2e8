// Who may do what: API-token scopes, workspace visibility, and the capability limits of each credential.
import { forbidden, HttpError } from './http.js';
import type { RequestContext } from './router.js';
import type { WorkspaceState } from './state.js';

/** What Bitbucket answers a scoped API token that lacks an endpoint's scope, or holds no scope at all. */
export const TOKEN_REFUSED_MESSAGE = 'Token is invalid, expired, or not supported for this endpoint.';

/** A 401 with Bitbucket's message for a scoped API token refused by one endpoint (or by all). */
export function tokenRefused(): HttpError {
  return new HttpError(401, TOKEN_REFUSED_MESSAGE);
}

/**
 * Credentials with declared scopes need every scope the endpoint documents (`x-atlassian-oauth2-scopes`).
 * A scoped API token that lacks one gets 401 for this endpoint alone (other endpoints still answer), as
 * Bitbucket does; OAuth and access tokens get 403 naming the wanted scopes in `X-Accepted-OAuth-Scopes`.
 */
export function requireScopes(ctx: RequestContext, ...wanted: string[]): void {
  const held = ctx.principal.scopes;
  if (!held || wanted.every((scope) => held.has(scope))) return;
  if (ctx.principal.kind === 'api-token') throw tokenRefused();
  throw new HttpError(403, 'Your credentials lack one or more required privilege scopes.', undefined, {
    'X-Accepted-OAuth-Scopes': wanted.join(', '),
  });
}

export function isOwner(ctx: RequestContext, ws: WorkspaceState): boolean {
  const p = ctx.principal;
  return p.kind !== 'access-token' && ws.members.get(p.accountId)?.role === 'owner';
}

/** The `{workspace}` parameter as a visible workspace; 404 when unknown or not visible to the caller. */
export function workspaceParam(ctx: RequestContext, slugOnly = false): WorkspaceState {
  const ref = ctx.params.workspace ?? '';
  const ws = ctx.state.findWorkspace(ref, slugOnly);
  const p = ctx.principal;
  const visible = ws && (p.kind === 'access-token' ? p.workspace === ws.slug : ws.members.has(p.accountId));
  if (!ws || !visible) throw new HttpError(404, `No workspace with identifier '${ref}'.`);
  return ws;
}

/** Reading permissions (workspace permissions, permissions-config, groups): owners only, no access tokens. */
export function requirePermissionRead(ctx: RequestContext, ws: WorkspaceState): void {
  if (ctx.principal.kind === 'access-token') throw forbidden('Access tokens cannot read permissions.');
  if (!isOwner(ctx, ws)) throw forbidden('You must be an administrator of this workspace.');
}

/** Writing permissions: only an API token of a workspace owner (OAuth and access tokens are refused). */
export function requirePermissionWrite(ctx: RequestContext, ws: WorkspaceState): void {
  if (ctx.principal.kind !== 'api-token')
    throw forbidden(`This credential type (${ctx.principal.kind}) cannot change permissions.`);
  if (!isOwner(ctx, ws)) throw forbidden('You must be an administrator of this workspace.');
}

/** Webhook management: workspace owners, or an access token of this workspace. */
export function requireHookAdmin(ctx: RequestContext, ws: WorkspaceState): void {
  if (ctx.principal.kind === 'access-token') return;
  if (!isOwner(ctx, ws)) throw forbidden('You must be an administrator of this workspace.');
}
