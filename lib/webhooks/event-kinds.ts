// What each Bitbucket event key means to the applier (DESIGN §5). Bitbucket sends no event for a
// membership or permission change: events are hints that a repository or project changed, and evidence
// of who was active where.

export type EventKind =
  /** A repository appeared, changed (rename, project move, privacy) or was transferred: re-read it. */
  | 'repository-changed'
  /** A repository is gone: remove it and its grants without asking Bitbucket. */
  | 'repository-deleted'
  /** A project changed (name, key, privacy): re-read its grants. */
  | 'project-changed'
  /** Someone acted on a repository: record the time as activity evidence. */
  | 'activity'
  /** Not an event the applier uses: counted and dropped. */
  | 'unknown';

const REPOSITORY_CHANGES = new Set(['repo:created', 'repo:updated', 'repo:transfer']);

/** Events that show a person acting on a repository (pull request comments are `pullrequest:comment_*`). */
const ACTIVITY_EVENTS = new Set(['repo:push', 'repo:commit_comment_created']);

const PULL_REQUEST_EVENTS: readonly string[] = [
  'pullrequest:created',
  'pullrequest:updated',
  'pullrequest:approved',
  'pullrequest:unapproved',
  'pullrequest:fulfilled',
  'pullrequest:rejected',
  'pullrequest:comment_created',
  'pullrequest:comment_updated',
  'pullrequest:comment_deleted',
  'pullrequest:comment_resolved',
  'pullrequest:comment_reopened',
  'pullrequest:changes_request_created',
  'pullrequest:changes_request_removed',
  'pullrequest:push',
];

export function eventKind(eventKey: string): EventKind {
  if (REPOSITORY_CHANGES.has(eventKey)) return 'repository-changed';
  if (eventKey === 'repo:deleted') return 'repository-deleted';
  if (eventKey === 'project:updated') return 'project-changed';
  if (ACTIVITY_EVENTS.has(eventKey) || PULL_REQUEST_EVENTS.includes(eventKey)) return 'activity';
  return 'unknown';
}

/** The events the installed workspace hook subscribes to: exactly those the applier uses. */
export const SUBSCRIBED_EVENTS: readonly string[] = [
  'project:updated',
  'repo:created',
  'repo:deleted',
  'repo:transfer',
  'repo:updated',
  ...ACTIVITY_EVENTS,
  ...PULL_REQUEST_EVENTS,
].sort();
