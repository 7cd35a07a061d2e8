// Coalesces a batch of queued events into the least work: per workspace, one unit per repository, per
// project, per (actor, repository) activity pair and per listing to mark dirty. N events about one
// repository become one refresh; of several activity events only the latest time matters. Pure: nothing
// here does I/O.
import { isUuid, normalizeUuid } from '../model/index.js';
import type { EventActor, WebhookEventMessage } from './event-message.js';
import { eventKind } from './event-kinds.js';

/** One queued message and the id its outcome is reported under (the SQS messageId). */
export interface QueuedEvent {
  id: string;
  message: WebhookEventMessage;
}

/**
 * `unknown-event`: a key the applier does not use. `no-actor`: activity whose actor cannot be named (none,
 * or a type we do not record, or an `app_user` without account_id). `no-subject`: activity naming no
 * repository. `unsigned-activity`: activity from an unsigned delivery (its actor and time are not believed).
 */
export type DropReason = 'unknown-event' | 'no-actor' | 'no-subject' | 'unsigned-activity';

export interface RepositoryWork {
  repositoryId: string;
  /** The event the unit acts on: the latest one about this repository. */
  latest: WebhookEventMessage;
  /**
   * The latest event is a `repo:deleted`. Nothing is removed on its word: the applier reads the
   * repository first (event-kinds CONFIRMED_EVENTS).
   */
  deleted: boolean;
  eventIds: string[];
}

export interface ProjectWork {
  projectId: string;
  latest: WebhookEventMessage;
  eventIds: string[];
}

/**
 * An actor as activity is recorded under: `user` and `app_user` by account_id, `team` by its bare uuid.
 * A user object without account_id (an older payload) has only its uuid: the applier looks it up among
 * the workspace's members.
 */
export type ActivityActor =
  | { type: 'user' | 'app_user'; accountId: string }
  | { type: 'team'; uuid: string }
  | { type: 'user'; uuid: string; accountId?: undefined };

export interface ActivityWork {
  actor: ActivityActor;
  /** Bare lower-case repository uuid. */
  repositoryId: string;
  /** ISO 8601 UTC: the latest event time of the pair (see eventTime). */
  at: string;
  /** The key of the event that set `at`. */
  eventKey: string;
  eventIds: string[];
}

/** A listing to re-read at the next sync step, because events could not say more than that. */
export interface ListingWork {
  scope: 'repositories' | 'projects';
  /** Why, one short phrase per distinct cause. */
  reasons: Set<string>;
  eventIds: string[];
}

export interface WorkspacePlan {
  /** The workspace slug the events arrived for (the hook's route parameter). */
  slug: string;
  repositories: Map<string, RepositoryWork>;
  projects: Map<string, ProjectWork>;
  activity: Map<string, ActivityWork>;
  listings: Map<string, ListingWork>;
}

export interface EventPlan {
  workspaces: Map<string, WorkspacePlan>;
  dropped: { id: string; eventKey: string; reason: DropReason }[];
}

/**
 * When the event happened, as far as we know: Bitbucket's own time (a pull request's `updated_on`, an
 * approval's date) when the payload has one, else when the receiver took the delivery, and never later
 * than that. It is the observation time of what the event says, so an older event can never overwrite a
 * newer observation.
 */
export function eventTime(message: WebhookEventMessage): string {
  const received = new Date(message.receivedAt).toISOString();
  if (message.occurredAt === undefined) return received;
  const occurred = new Date(message.occurredAt).toISOString();
  return occurred < received ? occurred : received;
}

/** True when `candidate` happened after `current` (ties go to the later delivery). */
function isLater(candidate: WebhookEventMessage, current: WebhookEventMessage): boolean {
  const a = eventTime(candidate);
  const b = eventTime(current);
  return a !== b ? a > b : candidate.receivedAt >= current.receivedAt;
}

function bareUuid(value: string | undefined): string | undefined {
  return value !== undefined && isUuid(value) ? normalizeUuid(value) : undefined;
}

/**
 * Where a repository event places its repository, against the governed workspace.
 * - `same`: the payload's `repository.workspace.uuid` is the workspace's, or it has none and its
 *   `full_name` starts with the workspace's slug (or names no workspace). `renamedSlug` is set when the
 *   uuid matches but `full_name` (or `repository.workspace.slug`) names another slug: the workspace's
 *   admins may have renamed it.
 * - `elsewhere`: the uuid names another workspace, or there is no uuid and `full_name` names another slug
 *   (a transfer away, or a renamed workspace: only a read of Bitbucket can tell).
 */
export type RepositoryPlacement =
  { kind: 'same'; renamedSlug?: string } | { kind: 'elsewhere'; named: string };

/** Places the event's repository; `workspace` is the governed workspace (bare uuid, stored slug). */
export function placeRepository(
  message: WebhookEventMessage,
  workspace: { id: string; slug: string },
): RepositoryPlacement {
  const fullName = message.repository?.fullName;
  const slugOfName = fullName?.includes('/') ? fullName.slice(0, fullName.indexOf('/')) : undefined;
  const known = [workspace.slug.toLowerCase(), message.workspace.toLowerCase()];
  const otherSlug = [message.repository?.workspace?.slug, slugOfName].find(
    (slug) => slug !== undefined && !known.includes(slug.toLowerCase()),
  );
  const statedUuid = bareUuid(message.repository?.workspace?.uuid);
  if (statedUuid !== undefined) {
    if (statedUuid !== normalizeUuid(workspace.id)) {
      return {
        kind: 'elsewhere',
        named: `${fullName ?? message.repository?.uuid} in workspace {${statedUuid}}`,
      };
    }
    return otherSlug === undefined ? { kind: 'same' } : { kind: 'same', renamedSlug: otherSlug };
  }
  return otherSlug === undefined
    ? { kind: 'same' }
    : { kind: 'elsewhere', named: `${fullName ?? otherSlug} (the payload names no workspace uuid)` };
}

/** The actor activity can be recorded under, or undefined when it cannot be named. */
export function activityActor(actor: EventActor | undefined): ActivityActor | undefined {
  if (!actor) return undefined;
  // Messages queued before the type was kept came only from user objects with an account_id.
  const type = actor.type ?? 'user';
  if (type === 'team') {
    const uuid = bareUuid(actor.uuid);
    return uuid !== undefined ? { type, uuid } : undefined;
  }
  if (type === 'app_user')
    return actor.accountId !== undefined ? { type, accountId: actor.accountId } : undefined;
  if (type !== 'user') return undefined;
  if (actor.accountId !== undefined) return { type, accountId: actor.accountId };
  const uuid = bareUuid(actor.uuid);
  return uuid !== undefined ? { type, uuid } : undefined;
}

function actorKey(actor: ActivityActor): string {
  if (actor.type === 'team') return `team:${actor.uuid}`;
  return actor.accountId !== undefined ? `${actor.type}:${actor.accountId}` : `user-uuid:${actor.uuid}`;
}

function workspacePlan(plan: EventPlan, slug: string): WorkspacePlan {
  let entry = plan.workspaces.get(slug);
  if (!entry) {
    entry = { slug, repositories: new Map(), projects: new Map(), activity: new Map(), listings: new Map() };
    plan.workspaces.set(slug, entry);
  }
  return entry;
}

function markListing(plan: WorkspacePlan, scope: ListingWork['scope'], reason: string, id: string): void {
  const work = plan.listings.get(scope);
  if (!work) plan.listings.set(scope, { scope, reasons: new Set([reason]), eventIds: [id] });
  else {
    work.reasons.add(reason);
    work.eventIds.push(id);
  }
}

export function planEvents(events: readonly QueuedEvent[]): EventPlan {
  const plan: EventPlan = { workspaces: new Map(), dropped: [] };
  for (const { id, message } of events) {
    const kind = eventKind(message.eventKey);
    const drop = (reason: DropReason) => plan.dropped.push({ id, eventKey: message.eventKey, reason });
    if (kind === 'unknown') {
      drop('unknown-event');
      continue;
    }
    if (message.unsigned) {
      // Nothing an unsigned body says is believed: it can only send the sync to look.
      if (kind === 'activity') drop('unsigned-activity');
      else {
        const scope = kind === 'project-changed' ? 'projects' : 'repositories';
        markListing(workspacePlan(plan, message.workspace), scope, `unsigned ${message.eventKey}`, id);
      }
      continue;
    }
    if (kind === 'project-changed') {
      const projectId = bareUuid(message.project?.uuid);
      if (!projectId) {
        // A project changed, we cannot tell which: the listing names them all.
        markListing(
          workspacePlan(plan, message.workspace),
          'projects',
          `${message.eventKey} without a project uuid`,
          id,
        );
        continue;
      }
      const projects = workspacePlan(plan, message.workspace).projects;
      const work = projects.get(projectId);
      if (!work) projects.set(projectId, { projectId, latest: message, eventIds: [id] });
      else {
        work.eventIds.push(id);
        if (isLater(message, work.latest)) work.latest = message;
      }
      continue;
    }
    const repositoryId = bareUuid(message.repository?.uuid);
    if (kind === 'activity') {
      if (!repositoryId) {
        drop('no-subject');
        continue;
      }
      const actor = activityActor(message.actor);
      if (!actor) {
        drop('no-actor');
        continue;
      }
      const at = eventTime(message);
      const activity = workspacePlan(plan, message.workspace).activity;
      const key = `${actorKey(actor)}/${repositoryId}`;
      const work = activity.get(key);
      if (!work) activity.set(key, { actor, repositoryId, at, eventKey: message.eventKey, eventIds: [id] });
      else {
        work.eventIds.push(id);
        if (at > work.at) Object.assign(work, { at, eventKey: message.eventKey });
      }
      continue;
    }
    if (!repositoryId) {
      // A repository changed, we cannot tell which: the listing names them all.
      markListing(
        workspacePlan(plan, message.workspace),
        'repositories',
        `${message.eventKey} without a repository uuid`,
        id,
      );
      continue;
    }
    const deleted = kind === 'repository-deleted';
    const repositories = workspacePlan(plan, message.workspace).repositories;
    const work = repositories.get(repositoryId);
    if (!work) repositories.set(repositoryId, { repositoryId, latest: message, deleted, eventIds: [id] });
    else {
      work.eventIds.push(id);
      if (isLater(message, work.latest)) {
        work.latest = message;
        work.deleted = deleted;
      }
    }
  }
  return plan;
}
