// GET /2.0/repositories/{workspace} with the BBQL filters the connector sends.
import { isOwner, requireScope, workspaceParam } from '../access.js';
import { compileBbql } from '../bbql.js';
import { pageOf, readPageRequest } from '../paging.js';
import { effectiveRepositoryPermission } from '../permissions.js';
import type { Route } from '../router.js';
import { serializeRepository } from '../serialize.js';
import type { RepositoryState } from '../state.js';

export const repositoryRoutes: Route[] = [
  {
    method: 'GET',
    template: '/2.0/repositories/{workspace}',
    handle(ctx) {
      requireScope(ctx, 'read:repository:bitbucket');
      const ws = workspaceParam(ctx);
      const p = ctx.principal;
      // Owners and the workspace's access token see everything; members see what they can reach and public ones.
      const seesAll = p.kind === 'access-token' || isOwner(ctx, ws);
      let repos = [...ws.repositories.values()].filter(
        (r) => seesAll || !r.isPrivate || effectiveRepositoryPermission(ws, r, p.accountId) !== undefined,
      );
      const q = ctx.query.get('q');
      if (q !== null) {
        const keep = compileBbql<RepositoryState>(q, {
          'project.key': (r) => r.project,
          'project.uuid': (r) => ws.projects.get(r.project)?.uuid,
          'project.name': (r) => ws.projects.get(r.project)?.name,
          slug: (r) => r.slug,
          name: (r) => r.name,
          full_name: (r) => `${ws.slug}/${r.slug}`,
          uuid: (r) => r.uuid,
          is_private: (r) => r.isPrivate,
        });
        repos = repos.filter(keep);
      }
      const page = pageOf(repos, readPageRequest(ctx.query, ctx.pageLenDefault), ctx.url, (r) =>
        serializeRepository(ctx.origin, ws, r),
      );
      return { status: 200, body: page };
    },
  },
];
