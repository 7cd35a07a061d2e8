// Coalescing a batch: one unit per repository, project and (account, repository) pair; the latest event
// decides; unknown keys are dropped with a reason.
import { describe, expect, it } from 'vitest';
import { eventKind, SUBSCRIBED_EVENTS } from '../../../lib/webhooks/event-kinds.js';
import { eventTime, planEvents, type QueuedEvent } from '../../../lib/webhooks/event-plan.js';
import { fixtureMessage, IDS } from '../../fixtures/webhooks/payloads.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 10, minute)).toISOString();
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
    expect(units[0]!.removed).toBe(false);
  });

  it('removes a repository whose latest event deletes it, and keeps it when a later event follows', () => {
    const deleted = queued(fixtureMessage('repo-deleted', { receivedAt: at(5) }));
    const earlier = queued(fixtureMessage('repo-updated-rename', { receivedAt: at(4) }));
    expect(
      [...planEvents([deleted, earlier]).workspaces.get('acme')!.repositories.values()][0]!.removed,
    ).toBe(true);
    const later = queued(fixtureMessage('repo-updated-rename', { receivedAt: at(6) }));
    expect([...planEvents([deleted, later]).workspaces.get('acme')!.repositories.values()][0]!.removed).toBe(
      false,
    );
  });

  it('treats a transfer to another workspace as a removal from this one', () => {
    const message = fixtureMessage('repo-created', { eventKey: 'repo:transfer', workspace: 'elsewhere' });
    const plan = planEvents([queued(message)]);
    expect([...plan.workspaces.get('elsewhere')!.repositories.values()][0]!.removed).toBe(true);
  });

  it('keeps only the latest activity time per account and repository, with Bitbucket’s own time', () => {
    const merged = fixtureMessage('pullrequest-fulfilled', { receivedAt: at(59) });
    const opened = fixtureMessage('pullrequest-created', { receivedAt: at(59) });
    expect(eventTime(merged)).toBe('2026-11-27T16:30:00.000Z');
    const plan = planEvents([queued(merged), queued(opened)]);
    const activity = [...plan.workspaces.get('acme')!.activity.values()];
    expect(activity).toHaveLength(1);
    expect(activity[0]!.observation).toEqual({
      accountId: IDS.grace,
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
});
