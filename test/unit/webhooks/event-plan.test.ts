// Coalescing a batch: one unit per repository, project and (actor, repository) pair; the latest event
// decides; unknown keys are dropped with a reason; events that cannot say which repository or project
// changed mark the listing; where a repository event places its repository is decided by workspace uuid.
import { describe, expect, it } from 'vitest';
import { eventKind, SUBSCRIBED_EVENTS } from '../../../lib/webhooks/event-kinds.js';
import {
  activityActor,
  eventTime,
  placeRepository,
  planEvents,
  type QueuedEvent,
} from '../../../lib/webhooks/event-plan.js';
import type { WebhookEventMessage } from '../../../lib/webhooks/event-message.js';
import {
  CAPTURED_DELIVERIES,
  CAPTURED_IDS,
  capturedJson,
  type CapturedName,
} from '../../fixtures/webhooks/captured.js';
import { fixtureMessage, IDS } from '../../fixtures/webhooks/payloads.js';
import { describePayload } from '../../../lib/webhooks/payload.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 10, minute)).toISOString();
/** A day after the fixtures' pull-request times. */
const nextDay = (minute: number) => new Date(Date.UTC(2026, 10, 28, 10, minute)).toISOString();
const ACME = { id: IDS.workspace, slug: 'acme' };

function captured(name: CapturedName, receivedAt = nextDay(0)): WebhookEventMessage {
  return describePayload(capturedJson(name), {
    eventKey: CAPTURED_DELIVERIES[name],
    workspace: 'acme',
    deliveryId: `{${name}}`,
    receivedAt,
  });
}
let counter = 0;
const queued = (message: QueuedEvent['message']): QueuedEvent => ({ id: `m${++counter}`, message });

describe('event kinds', () => {
  it('sorts every subscribed event into a kind the applier uses', () => {
    for (const key of SUBSCRIBED_EVENTS) expect(eventKind(key)).not.toBe('unknown');
    expect(eventKind('repo:commit_status_created')).toBe('unknown');
    expect(eventKind('issue:created')).toBe('unknown');
    expect(eventKind('pullrequest:fulfilled')).toBe('activity');
    expect(eventKind('repo:transfer')).toBe('repository-changed');
  });
});

describe('planEvents', () => {
  it('coalesces the events about one repository into one unit acting on the latest', () => {
    const created = queued(fixtureMessage('repo-created', { receivedAt: at(1) }));
    const moved = queued(fixtureMessage('repo-updated-move', { receivedAt: at(3) }));
    const renamed = queued(fixtureMessage('repo-updated-rename', { receivedAt: at(2) }));
    const plan = planEvents([created, moved, renamed]);
    const units = [...plan.workspaces.get('acme')!.repositories.values()];
    expect(units).toHaveLength(1);
    expect(units[0]!.repositoryId).toBe(IDS.deploy);
    expect(units[0]!.eventIds).toEqual([created.id, moved.id, renamed.id]);
    expect(units[0]!.latest.repository?.project?.key).toBe('OPS');
    expect(units[0]!.deleted).toBe(false);
  });

  it('removes a repository whose latest event deletes it, and keeps it when a later event follows', () => {
    const deleted = queued(fixtureMessage('repo-deleted', { receivedAt: at(5) }));
    const earlier = queued(fixtureMessage('repo-updated-rename', { receivedAt: at(4) }));
    expect(
      [...planEvents([deleted, earlier]).workspaces.get('acme')!.repositories.values()][0]!.deleted,
    ).toBe(true);
    const later = queued(fixtureMessage('repo-updated-rename', { receivedAt: at(6) }));
    expect([...planEvents([deleted, later]).workspaces.get('acme')!.repositories.values()][0]!.deleted).toBe(
      false,
    );
  });

  it('keeps only the latest activity time per account and repository, with Bitbucket’s own time', () => {
    const merged = fixtureMessage('pullrequest-fulfilled', { receivedAt: nextDay(59) });
    const opened = fixtureMessage('pullrequest-created', { receivedAt: nextDay(59) });
    expect(eventTime(merged)).toBe('2026-11-27T16:30:00.000Z');
    const plan = planEvents([queued(merged), queued(opened)]);
    const activity = [...plan.workspaces.get('acme')!.activity.values()];
    expect(activity).toHaveLength(1);
    expect(activity[0]).toMatchObject({
      actor: { type: 'user', accountId: IDS.grace },
      repositoryId: IDS.api,
      at: '2026-11-27T16:30:00.000Z',
      eventKey: 'pullrequest:fulfilled',
    });
    expect(activity[0]!.eventIds).toHaveLength(2);
  });

  it('drops unknown event keys and activity without an actor, naming the reason', () => {
    const status = queued(fixtureMessage('repo-push', { eventKey: 'repo:commit_status_created' }));
    const anonymous = fixtureMessage('repo-push');
    delete anonymous.actor;
    const unsigned = queued(anonymous);
    const plan = planEvents([status, unsigned]);
    expect(plan.dropped).toEqual([
      { id: status.id, eventKey: 'repo:commit_status_created', reason: 'unknown-event' },
      { id: unsigned.id, eventKey: 'repo:push', reason: 'no-actor' },
    ]);
    expect(plan.workspaces.size).toBe(0);
  });

  it('coalesces project events per project', () => {
    const first = queued(fixtureMessage('project-updated', { receivedAt: at(1) }));
    const second = queued(fixtureMessage('project-updated', { receivedAt: at(2) }));
    const projects = planEvents([first, second]).workspaces.get('acme')!.projects;
    expect([...projects.keys()]).toEqual([IDS.core]);
    expect(projects.get(IDS.core)!.latest).toBe(second.message);
  });

  it('times a push at its receive time, whatever its commits’ dates', () => {
    for (const name of ['repo-push-rebased-branch', 'repo-push-old-tag', 'repo-push-team-actor'] as const) {
      const message = captured(name, nextDay(7));
      expect(message.occurredAt).toBeUndefined();
      expect(eventTime(message)).toBe(nextDay(7));
    }
  });

  it('times a pull-request event at updated_on (or its approval), never later than its receive time', () => {
    expect(eventTime(captured('pullrequest-fulfilled-app-user'))).toBe('2024-06-03T05:30:00.000Z');
    expect(eventTime(captured('pullrequest-approved-legacy-user'))).toBe('2020-07-22T06:10:00.000Z');
    expect(eventTime(captured('pullrequest-comment-created'))).toBe('2025-02-10T09:45:09.000Z');
    // A payload time ahead of our clock is not believed: the receive time bounds it.
    const early = '2024-06-03T05:00:00.000Z';
    expect(eventTime(captured('pullrequest-fulfilled-app-user', early))).toBe(early);
    // A queued message with a later occurredAt (written by an older receiver) is bounded as well.
    expect(eventTime({ ...fixtureMessage('repo-push', { receivedAt: at(1) }), occurredAt: at(30) })).toBe(
      at(1),
    );
  });

  it('names user and app_user actors by account_id, teams by uuid, and older user objects by uuid', () => {
    const plan = planEvents(
      (
        [
          'pullrequest-created-app-user',
          'pullrequest-fulfilled-team-actor',
          'pullrequest-approved-legacy-user',
          'repo-push-rebased-branch',
        ] as const
      ).map((name) => queued(captured(name))),
    );
    const actors = [...plan.workspaces.get('acme')!.activity.values()].map((work) => work.actor);
    expect(actors).toEqual([
      { type: 'app_user', accountId: CAPTURED_IDS.releaseBot },
      { type: 'team', uuid: CAPTURED_IDS.acmeTeam },
      { type: 'user', uuid: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e' },
      { type: 'user', accountId: IDS.ada },
    ]);
    // Messages queued before the type was kept: a user with an account_id.
    expect(activityActor({ accountId: IDS.grace })).toEqual({ type: 'user', accountId: IDS.grace });
    expect(activityActor({ type: 'app_user', uuid: `{${CAPTURED_IDS.stranger}}` })).toBeUndefined();
    expect(activityActor({ type: 'anonymous', accountId: 'x' })).toBeUndefined();
  });

  it('marks the listing when an event cannot say which repository or project changed', () => {
    const noRepository = fixtureMessage('repo-created');
    delete noRepository.repository;
    const noProject = fixtureMessage('project-updated');
    delete noProject.project;
    const plan = planEvents([queued(noRepository), queued(noProject)]);
    const listings = plan.workspaces.get('acme')!.listings;
    expect([...listings.keys()].sort()).toEqual(['projects', 'repositories']);
    expect(plan.dropped).toEqual([]);
  });
});

describe('placeRepository', () => {
  it('places a repository by its workspace uuid, not by the slug in full_name', () => {
    expect(placeRepository(captured('repo-transfer-in'), ACME)).toEqual({ kind: 'same' });
    // The same workspace under another slug (its admins renamed it): the same workspace.
    expect(placeRepository(captured('repo-updated-workspace-renamed'), ACME)).toEqual({
      kind: 'same',
      renamedSlug: 'acme-labs',
    });
    // Another workspace's uuid: elsewhere, whatever its slug says.
    expect(placeRepository(captured('repo-transfer-away'), ACME)).toMatchObject({ kind: 'elsewhere' });
    // No uuid and another slug: cannot tell, so not ours to change.
    expect(placeRepository(captured('repo-updated-other-slug-no-workspace'), ACME)).toMatchObject({
      kind: 'elsewhere',
    });
    // No uuid, our slug (a payload without repository.workspace): ours.
    const older = fixtureMessage('repo-created');
    delete older.repository!.workspace;
    expect(placeRepository(older, ACME)).toEqual({ kind: 'same' });
  });

  it('never plans a repository event naming another workspace as a deletion', () => {
    const plan = planEvents([queued(captured('repo-transfer-away'))]);
    expect([...plan.workspaces.get('acme')!.repositories.values()][0]!.deleted).toBe(false);
  });
});
