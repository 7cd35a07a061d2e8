// GET /2.0/user, /2.0/user/workspaces, and the removed GET /2.0/workspaces.
import { requireScopes } from '../access.js';
import { badRequest, HttpError } from '../http.js';
import { pageOf } from '../paging.js';
import type { Route } from '../router.js';
import { serializeTokenUser, serializeUser, serializeWorkspaceBase } from '../serialize.js';

export const CHANGE_2770_DETAIL =
  'This API is no longer supported. For information about its removal, please refer to the deprecation notice at: https://developer.atlassian.com/cloud/bitbucket/changelog/#CHANGE-2770';

/** Endpoints without BBQL support refuse `q` rather than ignore it. */
export function refuseQuery(query: URLSearchParams): void {
  if (query.has('q')) throw badRequest('Invalid query: filtering is not supported on this resource');
}

export const accountRoutes: Route[] = [
  {
    method: 'GET',
    template: '/2.0/user',
    handle(ctx) {
      requireScopes(ctx, 'read:user:bitbucket');
      const p = ctx.principal;
      if (p.kind === 'access-token') {
        const ws = ctx.state.findWorkspace(p.workspace);
        if (!ws) throw new HttpError(401, 'Access token no longer valid');
        return { status: 200, body: serializeTokenUser(ctx.origin, ws) };
      }
      const user = ctx.state.users.get(p.accountId);
      if (!user) throw new HttpError(401, 'Account no longer exists');
      return { status: 200, body: serializeUser(ctx.origin, user) };
    },
  },
  {
    method: 'GET',
    template: '/2.0/user/workspaces',
    handle(ctx) {
      requireScopes(ctx, 'read:workspace:bitbucket');
      refuseQuery(ctx.query);
      const p = ctx.principal;
      const entries = [...ctx.state.workspaces.values()].flatMap((ws) => {
        if (p.kind === 'access-token') return p.workspace === ws.slug ? [{ ws, administrator: false }] : [];
        const member = ws.members.get(p.accountId);
        return member ? [{ ws, administrator: member.role === 'owner' }] : [];
      });
      const page = pageOf(ctx, entries, ({ ws, administrator }) => ({
        type: 'workspace_access',
        administrator,
        workspace: serializeWorkspaceBase(ctx.origin, ws),
        links: { self: { href: `${ctx.origin}/2.0/user/workspaces/${ws.slug}/permission` } },
      }));
      return { status: 200, body: page };
    },
  },
  {
    method: 'GET',
    template: '/2.0/workspaces',
    handle() {
      throw new HttpError(410, 'Resource removed', CHANGE_2770_DETAIL);
    },
  },
];
