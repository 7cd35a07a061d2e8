// GET /2.0/repositories/{workspace} with the BBQL filters the connector sends, and one repository.
import { isOwner, requireScopes, workspaceParam } from '../access.js';
import { compileBbql } from '../bbql.js';
import { HttpError } from '../http.js';
import { pageOf } from '../paging.js';
import { effectiveRepositoryPermission } from '../permissions.js';
import type { Route } from '../router.js';
import { serializeRepository } from '../serialize.js';
import type { RepositoryState } from '../state.js';

const bare = (uuid: string) => uuid.replace(/[{}]/g, '').toLowerCase();

export const repositoryRoutes: Route[] = [
  {
    method: 'GET',
    template: '/2.0/repositories/{workspace}',
    handle(ctx) {
      requireScopes(ctx, 'read:repository:bitbucket');
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
      const page = pageOf(ctx, repos, (r) => serializeRepository(ctx.origin, ws, r));
      return { status: 200, body: page };
    },
  },
  {
    // One repository by slug or `{uuid}` (Bitbucket accepts both); 404 when absent or not visible to the
    // caller, as the listing would not show it either. A `{uuid}` is resolved whatever the workspace
    // segment (the OpenAPI document, `repository.uuid`: a uuid URL "will survive [...] transfer of the
    // repository to a different user"): a repository transferred away is answered as it is now, in the
    // workspace that holds it. The segment itself must still name a workspace the caller can see.
    method: 'GET',
    template: '/2.0/repositories/{workspace}/{repo_slug}',
    handle(ctx) {
      requireScopes(ctx, 'read:repository:bitbucket');
      const segment = workspaceParam(ctx);
      const ref = ctx.params.repo_slug ?? '';
      const found = ref.startsWith('{')
        ? [segment, ...ctx.state.workspaces.values()]
            .map((ws) => ({
              ws,
              repo: [...ws.repositories.values()].find((r) => bare(r.uuid) === bare(ref)),
            }))
            .find((hit) => hit.repo !== undefined)
        : { ws: segment, repo: segment.repositories.get(ref) };
      const ws = found?.ws ?? segment;
      const repo = found?.repo;
      const p = ctx.principal;
      const visible =
        repo !== undefined &&
        (p.kind === 'access-token'
          ? p.workspace === ws.slug
          : isOwner(ctx, ws) ||
            !repo.isPrivate ||
            effectiveRepositoryPermission(ws, repo, p.accountId) !== undefined);
      if (!repo || !visible) throw new HttpError(404, `Repository ${segment.slug}/${ref} not found`);
      return { status: 200, body: serializeRepository(ctx.origin, ws, repo) };
    },
  },
];
