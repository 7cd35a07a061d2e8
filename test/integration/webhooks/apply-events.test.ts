// The applier against the simulator and DynamoDB Local: targeted refreshes with exact request counts,
// renames and moves guarded by the event's time, deletions without a call, the leftover budget, dirty
// marks, dropped unknown keys, partial batch failures and activity in the access answers.
import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplyEventsHandler } from '../../../lib/handlers/apply-events-handler.js';
import { effectiveUserAccess } from '../../../lib/access/index.js';
import { BitbucketCloudSource } from '../../../lib/bitbucket/index.js';
import type { GovernanceSource } from '../../../lib/source/index.js';
import { runSyncStep } from '../../../lib/sync/index.js';
import { applyEvents, type QueuedEvent } from '../../../lib/webhooks/apply.js';
import type { WebhookEventMessage } from '../../../lib/webhooks/event-message.js';
import { fixtureMessage, IDS } from '../../fixtures/webhooks/payloads.js';
import {
  createDeployRepository,
  expectStoreFollowsBitbucket,
  startSyncedConnector,
  WORKSPACE,
  type SyncedConnector,
} from './support/synced-connector.js';

let connector: SyncedConnector | undefined;
afterEach(async () => {
  await connector?.harness.close();
  connector = undefined;
});

let sequence = 0;
const queued = (...messages: WebhookEventMessage[]): QueuedEvent[] =>
  messages.map((message) => ({ id: `msg-${++sequence}`, message }));
const later = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
/** A queued message under another event key (the receiver refuses such bodies; the applier must not trust them). */
const underKey = (message: WebhookEventMessage, eventKey: string): WebhookEventMessage => ({
  ...message,
  eventKey,
});

describe('applying webhook events', () => {
  it('stores a created repository from the payload and reads its grants in two requests', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    await harness.mutate(createDeployRepository('admin'));
    const before = await harness.requestTotal();
    const applyStarted = Date.now();
    const report = await applyEvents(queued(fixtureMessage('repo-created')), dependencies);
    expect(report.counts).toEqual({ applied: 1, deferred: 0, dropped: 0, failed: 0 });
    expect(report.refreshes).toBe(1);
    expect(report.requests).toBe(2);
    expect((await harness.requestTotal()) - before).toBe(2);
    expect((await harness.ledger.spentInLastHour(new Date())).byPurpose.webhook).toBe(2);
    const stored = await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy);
    expect(stored?.item.attributes).toEqual({
      slug: 'deploy',
      name: 'deploy',
      fullName: 'acme/deploy',
      projectUuid: IDS.core,
      isPrivate: true,
    });
    await expectStoreFollowsBitbucket(connector);
    const changes = await harness.store.listChangesSince(WORKSPACE.id, '2000-01-01T00:00:00Z', {
      limit: 1000,
    });
    const webhookChanges = changes.changes.filter((change) => change.cause === 'webhook');
    expect(webhookChanges.map((change) => change.item).sort()).toEqual(
      [
        `grant/repository/${IDS.deploy}/user/${IDS.grace}`,
        `grant/repository/${IDS.deploy}/group/developers`,
        `resource/repository/${IDS.deploy}`,
      ].sort(),
    );

    // The sync learns of the refresh: its next step does not read that repository's grants again.
    const state = (await harness.syncState.listScopeStates(WORKSPACE.id)).find(
      (entry) => entry.scope === `repository-grants/${IDS.deploy}`,
    );
    expect(state).toMatchObject({ requests: 2 });
    expect(Date.parse(state!.refreshedAt!)).toBeGreaterThanOrEqual(applyStarted);
    const beforeStep = await harness.requestTotal();
    const step = await runSyncStep(harness.dependencies, WORKSPACE, Date.now() + 60_000);
    expect(step.requests).toBe(0);
    expect(await harness.requestTotal()).toBe(beforeStep);
  });

  it('applies a rename and a project move, and an older event loses to a newer observation', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    await harness.mutate([
      {
        op: 'createRepository',
        workspace: 'acme',
        repository: { slug: 'deploy', project: 'CORE', uuid: `{${IDS.deploy}}` },
      },
      {
        op: 'renameRepository',
        workspace: 'acme',
        slug: 'deploy',
        newSlug: 'deploy-tools',
        newName: 'deploy-tools',
      },
      { op: 'moveRepository', workspace: 'acme', slug: 'deploy-tools', project: 'OPS' },
    ]);
    const created = fixtureMessage('repo-created', { receivedAt: later(1) });
    const renamed = fixtureMessage('repo-updated-rename', { receivedAt: later(2) });
    const moved = fixtureMessage('repo-updated-move', { receivedAt: later(3) });
    // The move arrives first; the rename (older, still naming project CORE) comes in a later batch.
    const first = await applyEvents(queued(moved), dependencies);
    expect(first.counts.applied).toBe(1);
    const second = await applyEvents(queued(renamed, created), dependencies);
    expect(second.counts.applied).toBe(2);
    expect(second.refreshes).toBe(1);
    expect(second.staleSkipped).toBe(1);
    const stored = await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy);
    expect(stored?.item.attributes).toMatchObject({ slug: 'deploy-tools', projectUuid: IDS.ops });
    expect(stored?.observedAt).toBe(moved.receivedAt);
    await expectStoreFollowsBitbucket(connector);
  });

  it('removes a deleted repository and its grants once one read of it answers 404', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    await harness.mutate(createDeployRepository('write'));
    await applyEvents(queued(fixtureMessage('repo-created')), dependencies);
    expect(await harness.store.listGrantsOnResource(WORKSPACE.id, 'repository', IDS.deploy)).toHaveLength(2);
    await harness.mutate([{ op: 'deleteRepository', workspace: 'acme', slug: 'deploy' }]);
    const before = await harness.requestTotal();
    const readStarted = new Date().toISOString();
    const report = await applyEvents(
      queued(fixtureMessage('repo-deleted', { receivedAt: later(1) })),
      dependencies,
    );
    expect(report.counts.applied).toBe(1);
    expect(report.requests).toBe(1);
    expect((await harness.requestTotal()) - before).toBe(1);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy)).toBeNull();
    expect(await harness.store.listGrantsOnResource(WORKSPACE.id, 'repository', IDS.deploy)).toEqual([]);
    // The removal is observed when Bitbucket was read, never at a time the payload or its receipt says.
    const changes = await harness.store.listChangesSince(WORKSPACE.id, readStarted, { limit: 100 });
    const removal = changes.changes.find((change) => change.item === `resource/repository/${IDS.deploy}`);
    const observedAt = removal?.observedAt ?? '';
    expect(observedAt >= readStarted && observedAt <= new Date().toISOString()).toBe(true);
    await expectStoreFollowsBitbucket(connector);
  });

  it('removes nothing on a signed repo:deleted replayed while the repository exists: it is read and kept', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    await harness.mutate(createDeployRepository('write'));
    await applyEvents(queued(fixtureMessage('repo-created')), dependencies);
    const report = await applyEvents(
      queued(fixtureMessage('repo-deleted', { receivedAt: later(1) })),
      dependencies,
    );
    expect(report.counts.applied).toBe(1);
    // One read of the repository, then its grants re-read under the name Bitbucket gives now.
    expect(report.requests).toBe(3);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy)).not.toBeNull();
    expect(await harness.store.listGrantsOnResource(WORKSPACE.id, 'repository', IDS.deploy)).toHaveLength(2);
    await expectStoreFollowsBitbucket(connector);
  });

  it('marks the listing dirty and removes nothing when no request is left to confirm a repo:deleted', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    const spent = (await harness.ledger.spentInLastHour(new Date())).total;
    const deleted = underKey(fixtureMessage('repo-push'), 'repo:deleted');
    const before = await harness.requestTotal();
    const report = await applyEvents(queued(deleted), { ...dependencies, hourlyRequestLimit: spent });
    expect(report.counts).toEqual({ applied: 0, deferred: 1, dropped: 0, failed: 0 });
    expect(await harness.requestTotal()).toBe(before);
    expect(report.markedDirty).toEqual([`${WORKSPACE.id}:repositories`]);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.api)).not.toBeNull();
    expect(await harness.store.listGrantsOnResource(WORKSPACE.id, 'repository', IDS.api)).toHaveLength(1);
  });

  it('lets an unsigned delivery only mark listings dirty: no writes, no activity, no calls', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    const before = await harness.requestTotal();
    const unsigned = (message: WebhookEventMessage): WebhookEventMessage => ({ ...message, unsigned: true });
    const report = await applyEvents(
      queued(
        unsigned(fixtureMessage('repo-deleted')),
        unsigned(fixtureMessage('repo-created')),
        unsigned(fixtureMessage('project-updated')),
        unsigned(fixtureMessage('repo-push')),
      ),
      dependencies,
    );
    expect(report.counts).toEqual({ applied: 0, deferred: 3, dropped: 1, failed: 0 });
    expect(report.droppedByReason).toEqual({ 'unsigned-activity': 1 });
    expect(report.changes).toBe(0);
    expect(report.activityRecorded).toBe(0);
    expect(await harness.requestTotal()).toBe(before);
    expect(report.markedDirty.sort()).toEqual([`${WORKSPACE.id}:projects`, `${WORKSPACE.id}:repositories`]);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.api)).not.toBeNull();
  });

  it('updates a project and re-reads its grants', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    await harness.mutate([
      { op: 'updateProject', workspace: 'acme', project: 'CORE', name: 'Core Platform' },
      { op: 'grantProject', workspace: 'acme', project: 'CORE', user: IDS.ada, permission: 'admin' },
    ]);
    const report = await applyEvents(queued(fixtureMessage('project-updated')), dependencies);
    expect(report).toMatchObject({ refreshes: 1, requests: 2, counts: { applied: 1 } });
    const project = await harness.store.getResource(WORKSPACE.id, 'project', IDS.core);
    expect(project?.item.attributes).toEqual({ key: 'CORE', name: 'Core Platform', isPrivate: true });
    await expectStoreFollowsBitbucket(connector);
  });

  it('re-reads grants the way the sync does: a walk that skips one grant and repeats another removes nothing', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    await harness.mutate([
      { op: 'grantProject', workspace: 'acme', project: 'CORE', user: IDS.ada, permission: 'admin' },
    ]);
    // Pages that moved while they were read (API-NOTES "Pages are not a snapshot"): the walk misses a
    // grant that is stored (not ada's new one) and returns the last one twice.
    const real = new BitbucketCloudSource(harness.client);
    const drifting: GovernanceSource = Object.assign(Object.create(real) as GovernanceSource, {
      listScope: async (...args: Parameters<GovernanceSource['listScope']>) => {
        const items = await real.listScope(...args);
        if (args[1].kind !== 'project-grants') return items;
        const stored = items.findIndex((item) => item.kind === 'grant' && item.principal.id !== IDS.ada);
        expect(stored).toBeGreaterThanOrEqual(0);
        const rest = items.filter((_item, index) => index !== stored);
        return [...rest, rest.at(-1)!];
      },
    });
    const before = await harness.requestTotal();

    const report = await applyEvents(queued(fixtureMessage('project-updated')), {
      ...dependencies,
      source: drifting,
    });

    // Before: "observed twice in one scope" failed the refresh, and without the repeat the skipped grant
    // was removed. Now the repeat is merged, the skipped grant is confirmed present with one direct read,
    // and ada's new grant is stored.
    expect(report.outcomes.filter((outcome) => outcome.status === 'failed')).toEqual([]);
    expect(report).toMatchObject({ refreshes: 1, counts: { applied: 1 } });
    expect((await harness.requestTotal()) - before).toBe(2 + 1);
    await expectStoreFollowsBitbucket(connector);
  });

  it('counts and drops unknown event keys and events for a workspace never synced', async () => {
    connector = await startSyncedConnector();
    const before = await connector.harness.requestTotal();
    const report = await applyEvents(
      queued(
        fixtureMessage('repo-push', { eventKey: 'repo:commit_status_created' }),
        fixtureMessage('repo-push', { eventKey: 'issue:created' }),
        fixtureMessage('repo-push', { workspace: 'globex' }),
      ),
      connector.dependencies,
    );
    expect(report.counts).toEqual({ applied: 0, deferred: 0, dropped: 3, failed: 0 });
    expect(report.droppedByReason).toEqual({ 'unknown-event': 2, 'unknown-workspace': 1 });
    expect(await connector.harness.requestTotal()).toBe(before);
  });

  it('spends only what the rolling hour leaves, and marks the rest dirty for the next sync step', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    const spent = (await harness.ledger.spentInLastHour(new Date())).total;
    // Three requests left: one refresh (two listings) fits, the second does not.
    const report = await applyEvents(
      queued(fixtureMessage('project-updated'), underKey(fixtureMessage('repo-push'), 'repo:updated')),
      { ...dependencies, hourlyRequestLimit: spent + 3 },
    );
    expect(report.requests).toBeLessThanOrEqual(3);
    expect(report.counts.applied + report.counts.deferred).toBe(2);
    expect(report.counts.deferred).toBe(1);
    expect(report.markedDirty).toHaveLength(1);

    // Nothing left at all: no request is sent, both grant scopes are marked dirty.
    const before = await harness.requestTotal();
    const exhausted = await applyEvents(
      queued(fixtureMessage('project-updated'), underKey(fixtureMessage('repo-push'), 'repo:updated')),
      { ...dependencies, hourlyRequestLimit: (await harness.ledger.spentInLastHour(new Date())).total },
    );
    expect(exhausted.counts).toEqual({ applied: 0, deferred: 2, dropped: 0, failed: 0 });
    expect(await harness.requestTotal()).toBe(before);
    const dirty = (await harness.syncState.listScopeStates(WORKSPACE.id))
      .filter((state) => state.dirty)
      .map((state) => state.scope)
      .sort();
    expect(dirty).toEqual([`project-grants/${IDS.core}`, `repository-grants/${IDS.api}`]);
  });

  it('reports exactly the message whose refresh failed as a batch item failure', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    await harness.control('POST', '/_simulator/faults', {
      faults: [
        {
          match: { pathPrefix: '/2.0/repositories/acme/api/permissions-config' },
          kind: 'status',
          status: 500,
          times: 50,
        },
      ],
    });
    const messages = [
      fixtureMessage('repo-push'),
      underKey(fixtureMessage('repo-push'), 'repo:updated'),
      fixtureMessage('project-updated'),
    ];
    const event: SQSEvent = {
      Records: messages.map((message, index) => ({
        messageId: `sqs-${index}`,
        receiptHandle: `receipt-${index}`,
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:events',
        awsRegion: 'local',
      })),
    };
    event.Records.push({ ...event.Records[0]!, messageId: 'sqs-not-json', body: '{not json' });
    const handler = createApplyEventsHandler(dependencies);
    const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'test' } as unknown as Context;
    const response = await handler(event, context);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'sqs-1',
      'sqs-not-json',
    ]);
    await harness.control('DELETE', '/_simulator/faults');
    const project = await harness.store.getResource(WORKSPACE.id, 'project', IDS.core);
    expect(project?.item.attributes.name).toBe('Core Platform');
  });

  it('records activity, keeps the latest time, and shows it as lastActivity in the access answers', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    // The push's commit is dated 2026-11-27T09:15 (its author's time); the push is received later.
    const pushReceivedAt = '2026-11-28T07:45:00.000Z';
    const first = await applyEvents(
      queued(
        fixtureMessage('repo-push', { receivedAt: pushReceivedAt }),
        fixtureMessage('pullrequest-fulfilled'),
      ),
      dependencies,
    );
    expect(first.activityRecorded).toBe(2);
    expect(first.requests).toBe(0);
    // The pull request was opened earlier than it was merged: delivered late, it must not move time back.
    const late = await applyEvents(queued(fixtureMessage('pullrequest-created')), dependencies);
    expect(late.counts.applied).toBe(1);
    expect(late.activityRecorded).toBe(0);

    const grace = effectiveUserAccess(
      await harness.store.loadUserAccessFacts(WORKSPACE.id, IDS.grace),
      IDS.grace,
    );
    expect(grace?.repositories.find((entry) => entry.uuid === IDS.api)?.lastActivity).toBe(
      '2026-11-27T16:30:00.000Z',
    );
    const ada = effectiveUserAccess(await harness.store.loadUserAccessFacts(WORKSPACE.id, IDS.ada), IDS.ada);
    expect(ada?.repositories.find((entry) => entry.uuid === IDS.api)?.lastActivity).toBe(pushReceivedAt);
  });

  it('removes nothing for a repo:transfer or repo:deleted naming another workspace while Bitbucket still answers the repository here', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    const away = underKey(fixtureMessage('repo-push'), 'repo:transfer');
    away.repository = {
      ...away.repository!,
      fullName: 'globex/api',
      workspace: { uuid: '{9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a}', slug: 'globex' },
    };
    const deletedElsewhere = underKey(fixtureMessage('repo-push', { receivedAt: later(1) }), 'repo:deleted');
    deletedElsewhere.repository = { ...away.repository };
    const report = await applyEvents(queued(away), dependencies);
    expect(report.counts).toEqual({ applied: 1, deferred: 0, dropped: 0, failed: 0 });
    const second = await applyEvents(queued(deletedElsewhere), dependencies);
    expect(second.counts.applied).toBe(1);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.api)).toMatchObject({
      item: { attributes: { fullName: 'acme/api' } },
    });
    expect(await harness.store.listGrantsOnResource(WORKSPACE.id, 'repository', IDS.api)).toHaveLength(1);
    await expectStoreFollowsBitbucket(connector);
  });

  it('records an older user object as the member with its uuid, and skips and counts one it cannot name', async () => {
    connector = await startSyncedConnector();
    const { harness, dependencies } = connector;
    const receivedAt = later(1);
    const legacy = (uuid: string) => {
      const message = fixtureMessage('repo-push', { receivedAt });
      message.actor = { type: 'user', uuid };
      return message;
    };
    const report = await applyEvents(
      queued(
        legacy('{1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e}'),
        legacy('{c0ffee00-1234-4abc-8def-0123456789ab}'),
      ),
      dependencies,
    );
    expect(report.counts).toEqual({ applied: 1, deferred: 0, dropped: 1, failed: 0 });
    expect(report.droppedByReason).toEqual({ 'unknown-actor': 1 });
    expect(report.activitySkipped).toBe(1);
    expect(report.activityRecorded).toBe(1);
    const grace = effectiveUserAccess(
      await harness.store.loadUserAccessFacts(WORKSPACE.id, IDS.grace),
      IDS.grace,
    );
    expect(grace?.repositories.find((entry) => entry.uuid === IDS.api)?.lastActivity).toBe(receivedAt);
  });
});
