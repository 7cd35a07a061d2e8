// Who may do what: API-token scopes, workspace visibility, and the capability limits of each credential.
import { forbidden, HttpError } from './http.js';
import type { RequestContext } from './router.js';
import type { WorkspaceState } from './state.js';

/** API tokens (and other credentials with declared scopes) need the scope the endpoint documents. */
export function requireScope(ctx: RequestContext, scope: string): void {
  const scopes = ctx.principal.scopes;
  if (scopes && !scopes.has(scope))
    throw forbidden(`Your credentials lack one or more required privilege scopes.`);
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
