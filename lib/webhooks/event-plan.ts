// Coalesces a batch of queued events into the least work: per workspace, one unit per repository, per
// project and per (account, repository) activity pair. N events about one repository become one
// refresh; of several activity events only the latest time matters. Pure: nothing here does I/O.
import { isUuid, normalizeUuid } from '../model/index.js';
import type { ActivityObservation } from '../store/activity-log.js';
import type { WebhookEventMessage } from './event-message.js';
import { eventKind } from './event-kinds.js';

/** One queued message and the id its outcome is reported under (the SQS messageId). */
export interface QueuedEvent {
  id: string;
  message: WebhookEventMessage;
}

export type DropReason = 'unknown-event' | 'no-actor' | 'no-subject';

export interface RepositoryWork {
  repositoryId: string;
  /** The event the unit acts on: the latest one about this repository. */
  latest: WebhookEventMessage;
  /** The latest event says the repository is gone from this workspace (deleted or transferred away). */
  removed: boolean;
  eventIds: string[];
}

export interface ProjectWork {
  projectId: string;
  latest: WebhookEventMessage;
  eventIds: string[];
}

export interface ActivityWork {
  observation: ActivityObservation;
  eventIds: string[];
}

export interface WorkspacePlan {
  /** The workspace slug the events arrived for (the hook's route parameter). */
  slug: string;
  repositories: Map<string, RepositoryWork>;
  projects: Map<string, ProjectWork>;
  activity: Map<string, ActivityWork>;
}

export interface EventPlan {
  workspaces: Map<string, WorkspacePlan>;
  dropped: { id: string; eventKey: string; reason: DropReason }[];
}

/**
 * When the event happened, as far as we know: Bitbucket's own time (push, pull request) when the
 * payload has one, else when the receiver took the delivery. It is the observation time of what the
 * event says, so an older event can never overwrite a newer observation.
 */
export function eventTime(message: WebhookEventMessage): string {
  return message.occurredAt ?? message.receivedAt;
}

/** True when `candidate` happened after `current` (ties go to the later delivery). */
function isLater(candidate: WebhookEventMessage, current: WebhookEventMessage): boolean {
  const a = eventTime(candidate);
  const b = eventTime(current);
  return a !== b ? a > b : candidate.receivedAt >= current.receivedAt;
}

/** A repository whose full name is now under another workspace was transferred away from this one. */
function leftWorkspace(message: WebhookEventMessage): boolean {
  const fullName = message.repository?.fullName;
  if (!fullName?.includes('/')) return false;
  return fullName.slice(0, fullName.indexOf('/')).toLowerCase() !== message.workspace.toLowerCase();
}

function bareUuid(value: string | undefined): string | undefined {
  return value !== undefined && isUuid(value) ? normalizeUuid(value) : undefined;
}

function workspacePlan(plan: EventPlan, slug: string): WorkspacePlan {
  let entry = plan.workspaces.get(slug);
  if (!entry) {
    entry = { slug, repositories: new Map(), projects: new Map(), activity: new Map() };
    plan.workspaces.set(slug, entry);
  }
  return entry;
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
    if (kind === 'project-changed') {
      const projectId = bareUuid(message.project?.uuid);
      if (!projectId) {
        drop('no-subject');
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
    if (!repositoryId) {
      drop('no-subject');
      continue;
    }
    if (kind === 'activity') {
      if (!message.actor) {
        drop('no-actor');
        continue;
      }
      const observation: ActivityObservation = {
        accountId: message.actor.accountId,
        repositoryId,
        at: new Date(eventTime(message)).toISOString(),
        eventKey: message.eventKey,
      };
      const activity = workspacePlan(plan, message.workspace).activity;
      const key = `${observation.accountId}/${repositoryId}`;
      const work = activity.get(key);
      if (!work) activity.set(key, { observation, eventIds: [id] });
      else {
        work.eventIds.push(id);
        if (observation.at > work.observation.at) work.observation = observation;
      }
      continue;
    }
    const removed = kind === 'repository-deleted' || leftWorkspace(message);
    const repositories = workspacePlan(plan, message.workspace).repositories;
    const work = repositories.get(repositoryId);
    if (!work) repositories.set(repositoryId, { repositoryId, latest: message, removed, eventIds: [id] });
    else {
      work.eventIds.push(id);
      if (isLater(message, work.latest)) {
        work.latest = message;
        work.removed = removed;
      }
    }
  }
  return plan;
}
