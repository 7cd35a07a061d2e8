// Reads what we need from a Bitbucket webhook payload (documented shapes: actor, repository, project,
// changes, push, pullrequest, approval, comment) into the compact queue message. Each part is read on its
// own and a part that is missing or malformed is left out, because Bitbucket does not retry a delivery
// answered 4xx: refusing one for a field the event does not need loses the event for good. Only what the
// event cannot do without is required (an activity event's repository); the applier degrades the rest.
import * as z from 'zod';
import { isIdentifier, isUuid } from '../model/index.js';
import { eventKind, payloadShapeMismatch } from './event-kinds.js';
import type { EventActor, WebhookEventMessage } from './event-message.js';

const Text = z.string().min(1);
const DateTime = z.iso.datetime({ offset: true });

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

type Json = Record<string, unknown>;

function objectAt(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function textAt(value: unknown): string | undefined {
  const parsed = Text.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A date-time with an offset, as UTC ISO 8601; anything else is left out. */
function timeAt(value: unknown): string | undefined {
  const parsed = DateTime.safeParse(value);
  return parsed.success ? new Date(parsed.data).toISOString() : undefined;
}

function uuidAt(value: unknown): string | undefined {
  const text = textAt(value);
  return text !== undefined && isUuid(text) ? text : undefined;
}

/**
 * The payload's `actor` (a `user`, `app_user` or `team` object). Left out when it names no one: neither
 * an `account_id` nor a `uuid`.
 */
function readActor(value: unknown): EventActor | undefined {
  const actor = objectAt(value);
  if (!actor) return undefined;
  const accountId = textAt(actor.account_id);
  const uuid = uuidAt(actor.uuid);
  if (accountId === undefined && uuid === undefined) return undefined;
  const type = textAt(actor.type);
  const displayName = textAt(actor.display_name);
  return {
    ...(type !== undefined ? { type } : {}),
    ...(accountId !== undefined ? { accountId } : {}),
    ...(uuid !== undefined ? { uuid } : {}),
    ...(displayName !== undefined ? { displayName } : {}),
  };
}

type RepositoryRef = NonNullable<WebhookEventMessage['repository']>;

/** The payload's `repository`; left out without a uuid, since that is how every step names it. */
function readRepository(value: unknown): RepositoryRef | undefined {
  const repository = objectAt(value);
  const uuid = uuidAt(repository?.uuid);
  if (!repository || uuid === undefined) return undefined;
  const fullName = textAt(repository.full_name);
  // Webhook repositories carry full_name ("workspace/slug"); slug is not always present. A slug outside
  // Bitbucket's rules (`..`, `a/b`) is left out: it would become a URL segment.
  const statedSlug =
    textAt(repository.slug) ?? (fullName?.includes('/') ? fullName.split('/').pop() : undefined);
  const slug =
    statedSlug !== undefined && isIdentifier('repository slug', statedSlug) ? statedSlug : undefined;
  const name = textAt(repository.name);
  const project = objectAt(repository.project);
  const projectUuid = uuidAt(project?.uuid);
  const statedKey = textAt(project?.key);
  const projectKey =
    statedKey !== undefined && isIdentifier('project key', statedKey) ? statedKey : undefined;
  const workspace = objectAt(repository.workspace);
  const workspaceUuid = uuidAt(workspace?.uuid);
  const workspaceSlug = textAt(workspace?.slug);
  return {
    uuid,
    ...(slug ? { slug } : {}),
    ...(fullName !== undefined ? { fullName } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(typeof repository.is_private === 'boolean' ? { isPrivate: repository.is_private } : {}),
    ...(projectUuid !== undefined || projectKey !== undefined
      ? {
          project: {
            ...(projectUuid !== undefined ? { uuid: projectUuid } : {}),
            ...(projectKey !== undefined ? { key: projectKey } : {}),
          },
        }
      : {}),
    ...(workspaceUuid !== undefined || workspaceSlug !== undefined
      ? {
          workspace: {
            ...(workspaceUuid !== undefined ? { uuid: workspaceUuid } : {}),
            ...(workspaceSlug !== undefined ? { slug: workspaceSlug } : {}),
          },
        }
      : {}),
  };
}

function readProject(value: unknown): WebhookEventMessage['project'] {
  const project = objectAt(value);
  const uuid = uuidAt(project?.uuid);
  const key = textAt(project?.key);
  if (!project || uuid === undefined || key === undefined || !isIdentifier('project key', key))
    return undefined;
  const name = textAt(project.name);
  return { uuid, key, ...(name !== undefined ? { name } : {}) };
}

function readChanges(value: unknown): WebhookEventMessage['changes'] {
  const changes = objectAt(value);
  if (!changes) return undefined;
  const entries = Object.entries(changes).flatMap(([field, change]) => {
    const entry = objectAt(change);
    return entry ? [[field, { old: entry.old, new: entry.new }] as const] : [];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * When Bitbucket says the event happened: an approval's `date`, a change request's `date`, a comment's
 * `updated_on` or `created_on`, else the pull request's `updated_on`. Undefined for pushes: a pushed
 * commit's `date` is its author's (a rebased branch or a tag on an old commit is pushed years later),
 * so the receive time is the best we know.
 */
function occurredAtOf(eventKey: string, payload: Json): string | undefined {
  if (eventKey === 'repo:push') return undefined;
  const comment = objectAt(payload.comment);
  return (
    timeAt(objectAt(payload.approval)?.date) ??
    timeAt(objectAt(payload.changes_request)?.date) ??
    timeAt(comment?.updated_on) ??
    timeAt(comment?.created_on) ??
    timeAt(objectAt(payload.pullrequest)?.updated_on)
  );
}

/**
 * The queue message for one verified delivery. `receivedAt` bounds `occurredAt`: a payload time later
 * than the receive time (a clock ahead of ours, or a forged date) is clamped to it and kept as
 * `clampedFrom`.
 *
 * @throws PayloadError when the body is not a JSON object, when its top-level fields do not fit the event
 *   key (a push body under `repo:deleted`: the key is not signed), or when an activity event (push, pull
 *   request, comment) names no repository by uuid: nothing useful can be done with it.
 */
export function describePayload(
  json: unknown,
  delivery: {
    eventKey: string;
    workspace: string;
    deliveryId: string;
    hookUuid?: string;
    receivedAt: string;
    unsigned?: true;
  },
): WebhookEventMessage {
  const payload = objectAt(json);
  if (!payload) throw new PayloadError('payload (root): expected a JSON object');
  const mismatch = payloadShapeMismatch(delivery.eventKey, Object.keys(payload));
  if (mismatch !== undefined) {
    throw new PayloadError(`payload does not fit X-Event-Key ${delivery.eventKey}: ${mismatch}`);
  }
  const repository = readRepository(payload.repository);
  if (eventKind(delivery.eventKey) === 'activity' && !repository) {
    throw new PayloadError(`payload repository.uuid: required for ${delivery.eventKey}`);
  }
  const actor = readActor(payload.actor);
  const project = readProject(payload.project);
  const changes = readChanges(payload.changes);
  const stated = occurredAtOf(delivery.eventKey, payload);
  const received = new Date(delivery.receivedAt).toISOString();
  const clamped = stated !== undefined && stated > received;
  return {
    ...delivery,
    ...(stated !== undefined ? { occurredAt: clamped ? received : stated } : {}),
    ...(clamped ? { clampedFrom: stated } : {}),
    ...(actor ? { actor } : {}),
    ...(repository ? { repository } : {}),
    ...(project ? { project } : {}),
    ...(changes ? { changes } : {}),
  };
}
