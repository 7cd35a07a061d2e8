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

const DAY_MS = 86_400_000;
/** How long before the push its commit was authored, unless the mutation says: pushes carry old commits. */
export const DEFAULT_COMMIT_AGE_DAYS = 30;
/** The branch's previous tip is older still. */
const PREVIOUS_TIP_AGE_DAYS = 400;

export interface PushDates {
  /** When the push happens (ms). */
  pushedAt: number;
  /** The pushed commit's author date (ISO); default DEFAULT_COMMIT_AGE_DAYS before the push. */
  commitDate?: string | undefined;
}

/**
 * A `repo:push` payload. Commit dates are the author's, as in Bitbucket: older than the push (a rebased
 * branch or a tag on an old commit can carry dates years back), never the time of the push itself.
 */
export function pushPayload(
  base: string,
  ws: WorkspaceState,
  repo: RepositoryState,
  actor: SeedUser,
  branch: string,
  dates: PushDates,
) {
  const oldHash = commitHash();
  const newHash = commitHash();
  const newDate =
    dates.commitDate ?? new Date(dates.pushedAt - DEFAULT_COMMIT_AGE_DAYS * DAY_MS).toISOString();
  const oldDate = new Date(
    Math.min(Date.parse(newDate), dates.pushedAt) - PREVIOUS_TIP_AGE_DAYS * DAY_MS,
  ).toISOString();
  const target = (hash: string, date: string) => ({
    type: 'commit',
    hash,
    date,
    message: 'Simulated push\n',
    author: { type: 'author', raw: actor.displayName, user: serializeUser(base, actor) },
  });
  return {
    ...repositoryPayload(base, ws, repo, actor),
    push: {
      changes: [
        {
          old: { type: 'branch', name: branch, target: target(oldHash, oldDate) },
          new: { type: 'branch', name: branch, target: target(newHash, newDate) },
          created: false,
          forced: false,
          closed: false,
          truncated: false,
          commits: [
            {
              type: 'commit',
              hash: newHash,
              date: newDate,
              message: 'Simulated push\n',
              author: { type: 'author', raw: actor.displayName, user: serializeUser(base, actor) },
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
