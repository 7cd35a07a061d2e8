// What each Bitbucket event key means to the applier (DESIGN §5). Bitbucket sends no event for a
// membership or permission change: events are hints that a repository or project changed, and evidence
// of who was active where.

export type EventKind =
  /** A repository appeared, changed (rename, project move, privacy) or was transferred: re-read it. */
  | 'repository-changed'
  /** A repository may be gone: one read of it confirms (404 → remove it and its grants). */
  | 'repository-deleted'
  /** A project changed (name, key, privacy): re-read its grants. */
  | 'project-changed'
  /** Someone acted on a repository: record the time as activity evidence. */
  | 'activity'
  /** Not an event the applier uses: counted and dropped. */
  | 'unknown';

const REPOSITORY_CHANGES = new Set(['repo:created', 'repo:updated', 'repo:transfer']);

/** Events whose meaning is a removal or a move: confirmed by reading the repository before anything goes. */
export const CONFIRMED_EVENTS: ReadonlySet<string> = new Set(['repo:deleted', 'repo:transfer']);

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

/**
 * Top-level payload fields that tell one event family from another (Bitbucket's "Event payloads": a push
 * carries `push`, a pull-request event `pullrequest`, an approval `approval`, …). The signature covers
 * the body, not `X-Event-Key`, so a body is accepted only under a key whose shape it has.
 */
const DISTINCTIVE_FIELDS = [
  'push',
  'pullrequest',
  'fork',
  'changes',
  'comment',
  'commit',
  'approval',
  'changes_request',
  'previous_workspace',
  'project',
] as const;
type DistinctiveField = (typeof DISTINCTIVE_FIELDS)[number];

/** What a key's payload must carry and may carry of the distinctive fields (anything else refused). */
interface PayloadShape {
  requires: readonly DistinctiveField[];
  allows?: readonly DistinctiveField[];
}

/**
 * Each used key's shape. Only a field the key cannot come without is required (a delivery answered 4xx is
 * lost for good, API-NOTES "Webhooks"); what tells keys apart is the fields another family carries.
 */
function shapeOf(eventKey: string): PayloadShape | undefined {
  if (PULL_REQUEST_EVENTS.includes(eventKey)) {
    return {
      requires: ['pullrequest'],
      allows: ['approval', 'comment', 'changes_request', 'changes', 'push'],
    };
  }
  switch (eventKey) {
    case 'repo:push':
      // Every push payload carries `push` (its changes); without it, a repository event's body could be
      // re-sent as a push to make its actor look active.
      return { requires: ['push'] };
    case 'repo:updated':
      return { requires: [], allows: ['changes'] };
    case 'repo:transfer':
      return { requires: [], allows: ['previous_workspace'] };
    case 'repo:created':
    case 'repo:deleted':
      return { requires: [] };
    case 'repo:commit_comment_created':
      return { requires: ['comment'], allows: ['commit'] };
    case 'project:updated':
      return { requires: ['project'], allows: ['changes'] };
    default:
      return undefined;
  }
}

/**
 * Why a payload's top-level fields do not fit its event key (e.g. a push body under `repo:deleted`), or
 * undefined when they fit or the key is not one the applier uses.
 */
export function payloadShapeMismatch(eventKey: string, fields: readonly string[]): string | undefined {
  const shape = shapeOf(eventKey);
  if (!shape) return undefined;
  const present = new Set(fields);
  const missing = shape.requires.filter((field) => !present.has(field));
  if (missing.length > 0) return `${eventKey} payloads carry ${missing.join(', ')}`;
  const allowed = new Set<string>([...shape.requires, ...(shape.allows ?? [])]);
  const foreign = DISTINCTIVE_FIELDS.filter((field) => present.has(field) && !allowed.has(field));
  if (foreign.length > 0) return `${eventKey} payloads do not carry ${foreign.join(', ')}`;
  return undefined;
}
