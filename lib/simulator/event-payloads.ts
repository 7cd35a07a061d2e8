// Webhook payloads in the shape Atlassian documents for each event key.
import { randomBytes } from 'node:crypto';
import type { SeedUser } from './seed.js';
import { serializeProject, serializeRepository, serializeUser } from './serialize.js';
import type { ProjectState, RepositoryState, WorkspaceState } from './state.js';

export type Changes = Record<string, { old: unknown; new: unknown }>;

export function repositoryPayload(base: string, ws: WorkspaceState, repo: RepositoryState, actor: SeedUser) {
  return { actor: serializeUser(base, actor), repository: serializeRepository(base, ws, repo) };
}

export function repositoryUpdatedPayload(
  base: string,
  ws: WorkspaceState,
  repo: RepositoryState,
  actor: SeedUser,
  changes: Changes,
) {
  return { ...repositoryPayload(base, ws, repo, actor), changes };
}

export function projectUpdatedPayload(
  base: string,
  ws: WorkspaceState,
  project: ProjectState,
  actor: SeedUser,
  changes: Changes,
) {
  return { actor: serializeUser(base, actor), project: serializeProject(base, ws, project), changes };
}

const commitHash = () => randomBytes(20).toString('hex');

export function pushPayload(
  base: string,
  ws: WorkspaceState,
  repo: RepositoryState,
  actor: SeedUser,
  branch: string,
) {
  const oldHash = commitHash();
  const newHash = commitHash();
  const target = (hash: string) => ({
    type: 'commit',
    hash,
    date: new Date().toISOString(),
    message: 'Simulated push\n',
  });
  return {
    ...repositoryPayload(base, ws, repo, actor),
    push: {
      changes: [
        {
          old: { type: 'branch', name: branch, target: target(oldHash) },
          new: { type: 'branch', name: branch, target: target(newHash) },
          created: false,
          forced: false,
          closed: false,
          truncated: false,
          commits: [
            {
              type: 'commit',
              hash: newHash,
              message: 'Simulated push\n',
              author: { raw: actor.displayName, user: serializeUser(base, actor) },
            },
          ],
        },
      ],
    },
  };
}

const PR_STATE: Record<string, string> = { fulfilled: 'MERGED', rejected: 'DECLINED' };

export function pullRequestPayload(
  base: string,
  ws: WorkspaceState,
  repo: RepositoryState,
  actor: SeedUser,
  action: string,
  id: number,
  title: string,
) {
  const repository = serializeRepository(base, ws, repo);
  const endpoint = (branch: string) => ({
    branch: { name: branch },
    commit: { type: 'commit', hash: commitHash().slice(0, 12) },
    repository,
  });
  return {
    actor: serializeUser(base, actor),
    repository,
    pullrequest: {
      type: 'pullrequest',
      id,
      title,
      description: '',
      state: PR_STATE[action] ?? 'OPEN',
      author: serializeUser(base, actor),
      source: endpoint(`feature/pr-${id}`),
      destination: endpoint('main'),
      created_on: new Date().toISOString(),
      updated_on: new Date().toISOString(),
      links: { html: { href: `${base}/${ws.slug}/${repo.slug}/pull-requests/${id}` } },
    },
  };
}
