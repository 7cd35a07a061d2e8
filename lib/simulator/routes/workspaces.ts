// One workspace, its members and roles, the effective repository matrix, and projects.
import { requirePermissionRead, requireScopes, workspaceParam } from '../access.js';
import { compileBbql } from '../bbql.js';
import { badRequest, HttpError } from '../http.js';
import type { PageRequest } from '../paging.js';
import { nextUrl, pageOf, readPageRequest } from '../paging.js';
import { repositoryPermissionList, workspaceOwners } from '../permissions.js';
import type { Route } from '../router.js';
import {
  serializeMembership,
  serializeProject,
  serializeRepository,
  serializeUser,
  serializeWorkspace,
} from '../serialize.js';
import type { MemberState, RepoPerm, SimulatorState, WorkspaceState } from '../state.js';
import { refuseQuery } from './account.js';

type MemberRow = { member: MemberState; user: NonNullable<ReturnType<SimulatorState['users']['get']>> };

function memberRows(state: SimulatorState, ws: WorkspaceState): MemberRow[] {
  return [...ws.members.values()].flatMap((member) => {
    const user = state.users.get(member.accountId);
    return user ? [{ member, user }] : [];
  });
}

/** Cursor over (repository index, offset within that repository's list): pages cost only what they show. */
function repositoryMatrixPage(
  ws: WorkspaceState,
  request: PageRequest,
  url: URL,
  origin: string,
  state: SimulatorState,
) {
  let repoIndex = 0;
  let offset = 0;
  let pageNumber = 1;
  if (request.page !== undefined) {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(Buffer.from(request.page, 'base64url').toString('utf8'));
    if (!m) throw badRequest(`Invalid page: ${request.page}`);
    [repoIndex, offset, pageNumber] = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  const repos = [...ws.repositories.values()];
  const owners = workspaceOwners(ws);
  const values: unknown[] = [];
  let next: string | undefined;
  while (repoIndex < repos.length) {
    const repo = repos[repoIndex] as (typeof repos)[number];
    const entries: [string, RepoPerm][] = repositoryPermissionList(ws, repo, owners);
    while (offset < entries.length && values.length < request.pagelen) {
      const [accountId, permission] = entries[offset++] as [string, RepoPerm];
      const user = state.users.get(accountId);
      if (user)
        values.push({
          type: 'repository_permission',
          permission,
          user: serializeUser(origin, user),
          repository: serializeRepository(origin, ws, repo),
        });
    }
    if (offset >= entries.length) {
      repoIndex++;
      offset = 0;
    }
    if (values.length >= request.pagelen) break;
  }
  if (repoIndex < repos.length) {
    next = nextUrl(url, Buffer.from(`${repoIndex}.${offset}.${pageNumber + 1}`).toString('base64url'));
  }
  return { values, pagelen: request.pagelen, page: pageNumber, ...(next ? { next } : {}) };
}

export const workspaceRoutes: Route[] = [
  {
    method: 'GET',
    template: '/2.0/workspaces/{workspace}',
    handle(ctx) {
      requireScopes(ctx, 'read:workspace:bitbucket');
      return { status: 200, body: serializeWorkspace(ctx.origin, workspaceParam(ctx)) };
    },
  },
  {
    method: 'GET',
    template: '/2.0/workspaces/{workspace}/members',
    handle(ctx) {
      requireScopes(ctx, 'read:workspace:bitbucket');
      refuseQuery(ctx.query);
      const ws = workspaceParam(ctx);
      const page = pageOf(ctx, memberRows(ctx.state, ws), (row) =>
        serializeMembership(ctx.origin, ws, row.member, row.user, false),
      );
      return { status: 200, body: page };
    },
  },
  {
    method: 'GET',
    template: '/2.0/workspaces/{workspace}/permissions',
    handle(ctx) {
      requireScopes(ctx, 'read:workspace:bitbucket');
      const ws = workspaceParam(ctx, true);
      requirePermissionRead(ctx, ws);
      let rows = memberRows(ctx.state, ws);
      const q = ctx.query.get('q');
      if (q !== null) {
        const keep = compileBbql<MemberRow>(q, {
          permission: (r) => r.member.role,
          'user.account_id': (r) => r.user.accountId,
          'user.uuid': (r) => r.user.uuid,
          'user.display_name': (r) => r.user.displayName,
          'user.nickname': (r) => r.user.nickname,
        });
        rows = rows.filter(keep);
      }
      const page = pageOf(ctx, rows, (row) =>
        serializeMembership(ctx.origin, ws, row.member, row.user, true),
      );
      return { status: 200, body: page };
    },
  },
  {
    method: 'GET',
    template: '/2.0/workspaces/{workspace}/permissions/repositories',
    handle(ctx) {
      requireScopes(ctx, 'read:repository:bitbucket');
      refuseQuery(ctx.query);
      const ws = workspaceParam(ctx);
      requirePermissionRead(ctx, ws);
      const request = readPageRequest(ctx);
      return { status: 200, body: repositoryMatrixPage(ws, request, ctx.url, ctx.origin, ctx.state) };
    },
  },
  {
    method: 'GET',
    template: '/2.0/workspaces/{workspace}/projects',
    handle(ctx) {
      requireScopes(ctx, 'read:project:bitbucket');
      refuseQuery(ctx.query);
      const ws = workspaceParam(ctx);
      const projects = [...ws.projects.values()];
      const page = pageOf(ctx, projects, (p) => serializeProject(ctx.origin, ws, p));
      return { status: 200, body: page };
    },
  },
  {
    // One project by key: what the connector reads to confirm a project a listing walk did not return.
    method: 'GET',
    template: '/2.0/workspaces/{workspace}/projects/{project_key}',
    handle(ctx) {
      requireScopes(ctx, 'read:project:bitbucket');
      const ws = workspaceParam(ctx);
      const key = ctx.params.project_key ?? '';
      const project = ws.projects.get(key);
      if (!project) throw new HttpError(404, `No project with key "${key}" in workspace ${ws.slug}`);
      return { status: 200, body: serializeProject(ctx.origin, ws, project) };
    },
  },
];
