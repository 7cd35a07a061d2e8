// Explicit project and repository grants: permissions-config/users|groups (list, get, put, delete).
import * as z from 'zod';
import { requirePermissionRead, requirePermissionWrite, requireScopes, workspaceParam } from '../access.js';
import { badRequest, HttpError } from '../http.js';
import { requireGroup, requireProject, requireRepository } from '../operations.js';
import { pageOf } from '../paging.js';
import type { RequestContext, Route } from '../router.js';
import { ProjectPermission, RepositoryPermission } from '../seed.js';
import { serializeGroupRef, serializeProjectRef, serializeRepository, serializeUser } from '../serialize.js';
import type { WorkspaceState } from '../state.js';
import { refuseQuery } from './account.js';

interface Target {
  kind: 'project' | 'repository';
  ws: WorkspaceState;
  userGrants: Map<string, string>;
  groupGrants: Map<string, string>;
  /** The embedded project or repository object. */
  embed: () => Record<string, unknown>;
  self: string;
}

const permissionSchema = { project: ProjectPermission, repository: RepositoryPermission } as const;
const readScope = { project: 'read:project:bitbucket', repository: 'read:repository:bitbucket' } as const;
const adminScope = { project: 'admin:project:bitbucket', repository: 'admin:repository:bitbucket' } as const;

function projectTarget(ctx: RequestContext): Target {
  const ws = workspaceParam(ctx);
  const project = requireProject(ws, ctx.params.project_key ?? '');
  return {
    kind: 'project',
    ws,
    userGrants: project.userGrants,
    groupGrants: project.groupGrants,
    embed: () => ({ project: serializeProjectRef(ctx.origin, ws, project) }),
    self: `${ctx.origin}/2.0/workspaces/${ws.slug}/projects/${encodeURIComponent(project.key)}/permissions-config`,
  };
}

function repositoryTarget(ctx: RequestContext): Target {
  const ws = workspaceParam(ctx);
  const repo = requireRepository(ws, ctx.params.repo_slug ?? '');
  return {
    kind: 'repository',
    ws,
    userGrants: repo.userGrants,
    groupGrants: repo.groupGrants,
    embed: () => ({ repository: serializeRepository(ctx.origin, ws, repo) }),
    self: `${ctx.origin}/2.0/repositories/${ws.slug}/${repo.slug}/permissions-config`,
  };
}

function userGrantBody(ctx: RequestContext, t: Target, accountId: string, permission: string) {
  const user = ctx.state.users.get(accountId);
  if (!user) throw new HttpError(404, `No user with id ${accountId}`);
  return {
    type: `${t.kind}_user_permission`,
    permission,
    user: serializeUser(ctx.origin, user),
    ...t.embed(),
    links: { self: { href: `${t.self}/users/${encodeURIComponent(accountId)}` } },
  };
}

function groupGrantBody(ctx: RequestContext, t: Target, slug: string, permission: string) {
  const group = requireGroup(t.ws, slug);
  return {
    type: `${t.kind}_group_permission`,
    permission,
    group: serializeGroupRef(ctx.origin, t.ws, group),
    ...t.embed(),
    links: { self: { href: `${t.self}/groups/${encodeURIComponent(slug)}` } },
  };
}

/** Bitbucket's 400 for a user PUT it will not apply (its OpenAPI: "not a valid user to update"). */
export const INVALID_GRANTEE_MESSAGE = 'The selected user is not a valid user to update.';

/**
 * A user grant needs a workspace member who is not an owner: Bitbucket answers 400 otherwise (it no longer
 * adds outsiders as collaborators, and owners are admin everywhere already). Group PUTs have no such rule.
 */
function refuseUnfitGrantee(ws: WorkspaceState, accountId: string): void {
  const member = ws.members.get(accountId);
  if (!member)
    throw badRequest(
      INVALID_GRANTEE_MESSAGE,
      `${accountId} is not a member of workspace ${ws.slug}: add them to the workspace (an invitation or a group) before granting a permission.`,
    );
  if (member.role === 'owner')
    throw badRequest(
      INVALID_GRANTEE_MESSAGE,
      `${accountId} is an owner of workspace ${ws.slug} and has admin on every project and repository already.`,
    );
}

function readPermission(t: Target, body: unknown): string {
  const parsed = z.object({ permission: permissionSchema[t.kind] }).safeParse(body);
  if (!parsed.success) {
    const allowed = permissionSchema[t.kind].options.join(', ');
    throw badRequest(`permission must be one of: ${allowed}`);
  }
  return parsed.data.permission;
}

function routesFor(prefix: string, resolve: (ctx: RequestContext) => Target, kind: Target['kind']): Route[] {
  const readable = (ctx: RequestContext) => {
    requireScopes(ctx, readScope[kind]);
    const t = resolve(ctx);
    requirePermissionRead(ctx, t.ws);
    return t;
  };
  const writable = (ctx: RequestContext, scope: 'write' | 'delete') => {
    requireScopes(ctx, adminScope[kind], `${scope}:permission:bitbucket`);
    const t = resolve(ctx);
    requirePermissionWrite(ctx, t.ws);
    return t;
  };
  const userId = (ctx: RequestContext) => {
    const user = ctx.state.findUser(ctx.params.selected_user_id ?? '');
    if (!user) throw new HttpError(404, `No user with id ${ctx.params.selected_user_id ?? ''}`);
    return user.accountId;
  };
  return [
    {
      method: 'GET',
      template: `${prefix}/users`,
      handle(ctx) {
        refuseQuery(ctx.query);
        const t = readable(ctx);
        const page = pageOf(ctx, [...t.userGrants], ([id, p]) => userGrantBody(ctx, t, id, p));
        return { status: 200, body: page };
      },
    },
    {
      method: 'GET',
      template: `${prefix}/users/{selected_user_id}`,
      handle(ctx) {
        const t = readable(ctx);
        const accountId = userId(ctx);
        const permission = t.userGrants.get(accountId);
        if (!permission) throw new HttpError(404, `No explicit permission for ${accountId}`);
        return { status: 200, body: userGrantBody(ctx, t, accountId, permission) };
      },
    },
    {
      method: 'PUT',
      template: `${prefix}/users/{selected_user_id}`,
      handle(ctx) {
        const t = writable(ctx, 'write');
        const accountId = userId(ctx);
        const permission = readPermission(t, ctx.body);
        refuseUnfitGrantee(t.ws, accountId);
        t.userGrants.set(accountId, permission);
        ctx.state.touch();
        return { status: 200, body: userGrantBody(ctx, t, accountId, permission) };
      },
    },
    {
      method: 'DELETE',
      template: `${prefix}/users/{selected_user_id}`,
      handle(ctx) {
        const t = writable(ctx, 'delete');
        const accountId = userId(ctx);
        if (!t.userGrants.delete(accountId))
          throw new HttpError(404, `No explicit permission for ${accountId}`);
        ctx.state.touch();
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      template: `${prefix}/groups`,
      handle(ctx) {
        refuseQuery(ctx.query);
        const t = readable(ctx);
        const page = pageOf(ctx, [...t.groupGrants], ([slug, p]) => groupGrantBody(ctx, t, slug, p));
        return { status: 200, body: page };
      },
    },
    {
      method: 'GET',
      template: `${prefix}/groups/{group_slug}`,
      handle(ctx) {
        const t = readable(ctx);
        const slug = ctx.params.group_slug ?? '';
        requireGroup(t.ws, slug);
        const permission = t.groupGrants.get(slug);
        if (!permission) throw new HttpError(404, `No explicit permission for group ${slug}`);
        return { status: 200, body: groupGrantBody(ctx, t, slug, permission) };
      },
    },
    {
      method: 'PUT',
      template: `${prefix}/groups/{group_slug}`,
      handle(ctx) {
        const t = writable(ctx, 'write');
        const slug = ctx.params.group_slug ?? '';
        requireGroup(t.ws, slug);
        const permission = readPermission(t, ctx.body);
        t.groupGrants.set(slug, permission);
        ctx.state.touch();
        return { status: 200, body: groupGrantBody(ctx, t, slug, permission) };
      },
    },
    {
      method: 'DELETE',
      template: `${prefix}/groups/{group_slug}`,
      handle(ctx) {
        const t = writable(ctx, 'delete');
        const slug = ctx.params.group_slug ?? '';
        requireGroup(t.ws, slug);
        if (!t.groupGrants.delete(slug)) throw new HttpError(404, `No explicit permission for group ${slug}`);
        ctx.state.touch();
        return { status: 204 };
      },
    },
  ];
}

export const permissionsConfigRoutes: Route[] = [
  ...routesFor(
    '/2.0/workspaces/{workspace}/projects/{project_key}/permissions-config',
    projectTarget,
    'project',
  ),
  ...routesFor(
    '/2.0/repositories/{workspace}/{repo_slug}/permissions-config',
    repositoryTarget,
    'repository',
  ),
];
