// The 1.0 group API: one unpaged array of groups with members; member add (PUT) and remove (DELETE),
// refused in org-administered workspaces. And the 1.0 group privileges: every group grant on every
// repository of the workspace in one unpaged array (GET only, as in 2026; API-NOTES).
import { isOwner, requirePermissionRead, requireScopes, workspaceParam } from '../access.js';
import { forbidden, HttpError } from '../http.js';
import { addGroupMember, removeGroupMember, requireGroup } from '../operations.js';
import type { RequestContext, Route } from '../router.js';
import { serializeGroupPrivilegeV1, serializeGroupV1, serializeUserV1 } from '../serialize.js';

/** What the 1.0 group writes answer (403) in a workspace administered in admin.atlassian.com. */
export const ORG_ADMINISTERED_MESSAGE =
  'This workspace is administered in admin.atlassian.com: change group membership with the Atlassian Admin API';

function groupWrite(ctx: RequestContext) {
  requireScopes(ctx, 'admin:workspace:bitbucket');
  const ws = workspaceParam(ctx, true);
  // Bitbucket disabled 1.0 group writes there; membership lives in the organization's groups.
  if (ws.organization !== undefined) throw forbidden(ORG_ADMINISTERED_MESSAGE);
  if (ctx.principal.kind === 'access-token') throw forbidden('Access tokens cannot change group membership.');
  if (!isOwner(ctx, ws)) throw forbidden('You must be an administrator of this workspace.');
  const group = requireGroup(ws, ctx.params.group_slug ?? '');
  const user = ctx.state.findUser(ctx.params.member ?? '');
  if (!user) throw new HttpError(404, `No user with id ${ctx.params.member ?? ''}`);
  return { ws, group, user };
}

export const groupV1Routes: Route[] = [
  {
    method: 'GET',
    template: '/1.0/groups/{workspace}',
    handle(ctx) {
      requireScopes(ctx, 'read:workspace:bitbucket');
      const ws = workspaceParam(ctx, true);
      requirePermissionRead(ctx, ws);
      const body = [...ws.groups.values()].map((g) => serializeGroupV1(ctx.origin, ws, g, ctx.state.users));
      return { status: 200, body };
    },
  },
  {
    // One unpaged array: every explicit group grant on every repository, repository by repository.
    // `exclude-members=1` leaves the groups' member lists out, as clients of the real endpoint ask.
    method: 'GET',
    template: '/1.0/group-privileges/{workspace}',
    handle(ctx) {
      requireScopes(ctx, 'read:repository:bitbucket');
      const ws = workspaceParam(ctx, true);
      requirePermissionRead(ctx, ws);
      const withMembers = ctx.query.get('exclude-members') !== '1';
      const body = [...ws.repositories.values()].flatMap((repo) =>
        [...repo.groupGrants].flatMap(([slug, privilege]) => {
          const group = ws.groups.get(slug);
          return group
            ? [
                serializeGroupPrivilegeV1(
                  ctx.origin,
                  ws,
                  repo,
                  group,
                  privilege,
                  withMembers ? ctx.state.users : undefined,
                ),
              ]
            : [];
        }),
      );
      return { status: 200, body };
    },
  },
  {
    method: 'PUT',
    template: '/1.0/groups/{workspace}/{group_slug}/members/{member}',
    handle(ctx) {
      const { ws, group, user } = groupWrite(ctx);
      if (group.members.has(user.accountId))
        throw new HttpError(409, `${user.accountId} is already a member of ${group.slug}`);
      addGroupMember(ws, group, user.accountId);
      ctx.state.touch();
      return { status: 200, body: serializeUserV1(ctx.origin, user) };
    },
  },
  {
    method: 'DELETE',
    template: '/1.0/groups/{workspace}/{group_slug}/members/{member}',
    handle(ctx) {
      const { ws, group, user } = groupWrite(ctx);
      if (!group.members.has(user.accountId))
        throw new HttpError(404, `${user.accountId} is not a member of ${group.slug}`);
      removeGroupMember(ws, group, user.accountId);
      ctx.state.touch();
      return { status: 204 };
    },
  },
];
