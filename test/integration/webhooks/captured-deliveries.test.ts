// Deliveries in the shapes Bitbucket really sends (test/fixtures/webhooks/captured), signed and posted to
// /webhooks/bitbucket/acme through the real receiver, the in-process queue and the real apply-events
// handler, one delivery per batch so each is applied on its own. None is refused: actors without
// account_id, a project without uuid and repositories naming other workspace slugs degrade to what can
// be done. Push activity is stamped with the receive time, pull-request activity with updated_on, team
// and app_user actors are recorded as what they are, and a repository event naming another workspace
// never removes a repository by itself.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalHttpServer } from '../../../lib/local/api-gateway-adapter.js';
import type { LocalEventQueue } from '../../../lib/local/event-queue.js';
import { logger, METRIC_NAMES, metrics } from '../../../lib/observability/index.js';
import { queryPrefix } from '../../../lib/store/dynamodb-reads.js';
import { runSyncStep } from '../../../lib/sync/index.js';
import { signBody } from '../../../lib/webhooks/signature.js';
import {
  CAPTURED_DELIVERIES,
  CAPTURED_IDS,
  CAPTURED_NAMES,
  capturedBody,
  type CapturedName,
} from '../../fixtures/webhooks/captured.js';
import { IDS } from '../../fixtures/webhooks/payloads.js';
import { fixedSecrets, startDeliveryPipeline } from './support/receiver.js';
import {
  expectStoreFollowsBitbucket,
  startSyncedConnector,
  WORKSPACE,
  type SyncedConnector,
} from './support/synced-connector.js';

const SECRET = 'captured-deliveries-secret-0123456789';

let connector: SyncedConnector;
let server: LocalHttpServer;
let queue: LocalEventQueue;
/** Each delivery's answer and the window its receive time lies in (ISO strings). */
const answers = new Map<
  CapturedName,
  { status: number; body: unknown; sentAt: string; answeredAt: string }
>();
const metricSpy = vi.spyOn(metrics, 'addMetric');
const warnSpy = vi.spyOn(logger, 'warn');

beforeAll(async () => {
  connector = await startSyncedConnector();
  // Bitbucket's side of the deliveries: deploy renamed to deploy-tools, billing transferred in, scratch
  // created (and deleted just before its repo:deleted below).
  await connector.harness.mutate([
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
    {
      op: 'createRepository',
      workspace: 'acme',
      repository: { slug: 'billing', project: 'OPS', uuid: `{${CAPTURED_IDS.billing}}` },
    },
    {
      op: 'createRepository',
      workspace: 'acme',
      repository: { slug: 'scratch', project: 'OPS', uuid: `{${CAPTURED_IDS.scratch}}` },
    },
  ]);
  ({ server, queue } = await startDeliveryPipeline(connector, { secrets: fixedSecrets({ acme: SECRET }) }));
  for (const [index, name] of CAPTURED_NAMES.entries()) {
    if (name === 'repo-deleted-project-without-uuid') {
      await connector.harness.mutate([{ op: 'deleteRepository', workspace: 'acme', slug: 'scratch' }]);
    }
    const body = capturedBody(name);
    const sentAt = new Date().toISOString();
    const response = await fetch(`${server.url}/webhooks/bitbucket/acme`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-event-key': CAPTURED_DELIVERIES[name],
        'x-request-uuid': `{captured-${index}-${name}}`,
        'x-hook-uuid': '{5b0e8f4a-1c2d-4e3f-9a8b-7c6d5e4f3a2b}',
        'x-attempt-number': '1',
        'x-hub-signature': signBody(body, SECRET),
      },
    });
    const answer = { status: response.status, body: await response.json(), sentAt, answeredAt: '' };
    answer.answeredAt = new Date().toISOString();
    answers.set(name, answer);
    await queue.drain();
  }
});

afterAll(async () => {
  metricSpy.mockRestore();
  warnSpy.mockRestore();
  await server?.close();
  await connector?.harness.close();
});

/** The stored activity items of the workspace, raw (every attribute the recorder wrote). */
async function activityItems(): Promise<Record<string, unknown>[]> {
  return queryPrefix(
    connector.harness.documentClient,
    connector.harness.tableName,
    `WS#${WORKSPACE.id}`,
    'ACT#',
  );
}

interface StoredActivity {
  accountId: string;
  repositoryId: string;
  lastActivity: string;
  actorType?: string;
  lastEventKey?: string;
}

async function activityOf(accountId: string, repositoryId: string): Promise<StoredActivity | undefined> {
  const items = (await activityItems()) as unknown as StoredActivity[];
  return items.find((item) => item.accountId === accountId && item.repositoryId === repositoryId);
}

function windowOf(name: CapturedName) {
  const answer = answers.get(name)!;
  return { from: answer.sentAt, to: answer.answeredAt };
}

describe('captured Bitbucket deliveries', () => {
  it('answers every captured delivery 202 and applies each without a failure', () => {
    expect(answers.size).toBe(22);
    const refused = [...answers].filter(([, answer]) => answer.status !== 202);
    expect(
      refused.map(([name, answer]) => `${name}: ${answer.status} ${JSON.stringify(answer.body)}`),
    ).toEqual([]);
    for (const answer of answers.values()) expect(answer.body).toEqual({ status: 'accepted' });
    expect(queue.deadLetters).toEqual([]);
  });

  it('records push activity at the receive time, not at the commits’ author dates', async () => {
    // The last push by ada on api deleted a branch; its commits dated 2022 and 2024.
    const ada = await activityOf(IDS.ada, IDS.api);
    expect(ada?.lastActivity).toBeDefined();
    const adaWindow = windowOf('repo-push-branch-deleted');
    expect(ada!.lastActivity >= adaWindow.from && ada!.lastActivity <= adaWindow.to).toBe(true);
    // grace pushed a tag on a 2016 commit, as herself and as an older user object (resolved by uuid).
    const grace = await activityOf(IDS.grace, IDS.api);
    const graceWindow = windowOf('repo-push-old-tag');
    expect(grace!.lastActivity >= graceWindow.from && grace!.lastActivity <= graceWindow.to).toBe(true);
    expect(grace).toMatchObject({ actorType: 'user', lastEventKey: 'repo:push' });
    const team = await activityOf(CAPTURED_IDS.acmeTeam, IDS.api);
    const teamWindow = windowOf('repo-push-team-actor');
    expect(team!.lastActivity >= teamWindow.from && team!.lastActivity <= teamWindow.to).toBe(true);
  });

  it('records team and app_user actors as what they are, at the pull request’s updated_on', async () => {
    expect(await activityOf(CAPTURED_IDS.acmeTeam, IDS.deploy)).toMatchObject({
      actorType: 'team',
      lastActivity: '2020-07-22T06:15:40.500Z',
      lastEventKey: 'pullrequest:fulfilled',
    });
    expect(await activityOf(CAPTURED_IDS.acmeTeam, IDS.api)).toMatchObject({ actorType: 'team' });
    expect(await activityOf(CAPTURED_IDS.releaseBot, IDS.api)).toMatchObject({
      actorType: 'app_user',
      lastActivity: '2024-06-03T05:30:00.000Z',
      lastEventKey: 'pullrequest:fulfilled',
    });
    // An approval by an older user object (no account_id) is grace's, found by her uuid among the members.
    expect(await activityOf(IDS.grace, IDS.deploy)).toMatchObject({
      actorType: 'user',
      lastActivity: '2020-07-22T06:10:00.000Z',
      lastEventKey: 'pullrequest:approved',
    });
  });

  it('skips and counts activity whose actor it cannot name', async () => {
    const items = await activityItems();
    expect(items.filter((item) => JSON.stringify(item).includes(CAPTURED_IDS.stranger))).toEqual([]);
    const skipped = metricSpy.mock.calls
      .filter(([name]) => name === METRIC_NAMES.WebhookActivitySkipped)
      .reduce((sum, [, , value]) => sum + Number(value), 0);
    expect(skipped).toBe(2);
  });

  it('applies a rename by a team actor, a transfer in by an older user object, and a project update', async () => {
    const { store } = connector.harness;
    expect((await store.getResource(WORKSPACE.id, 'repository', IDS.deploy))?.item.attributes).toMatchObject({
      slug: 'deploy-tools',
      fullName: 'acme/deploy-tools',
    });
    expect(
      (await store.getResource(WORKSPACE.id, 'repository', CAPTURED_IDS.billing))?.item.attributes,
    ).toMatchObject({ slug: 'billing', projectUuid: IDS.ops });
    const refreshed = (await connector.harness.syncState.listScopeStates(WORKSPACE.id))
      .filter((state) => state.refreshedAt !== undefined)
      .map((state) => state.scope);
    expect(refreshed).toEqual(
      expect.arrayContaining([
        `repository-grants/${IDS.deploy}`,
        `repository-grants/${CAPTURED_IDS.billing}`,
        `project-grants/${IDS.ops}`,
      ]),
    );
    // Grants read under the new names: the store holds what a full sync of Bitbucket would.
    await expectStoreFollowsBitbucket(connector);
  });

  it('removes the deleted repository although its project has no uuid', async () => {
    expect(
      await connector.harness.store.getResource(WORKSPACE.id, 'repository', CAPTURED_IDS.scratch),
    ).toBeNull();
  });

  it('never removes a repository because an event names another workspace slug; the sync confirms', async () => {
    const { harness } = connector;
    const api = await harness.store.getResource(WORKSPACE.id, 'repository', IDS.api);
    expect(api?.item.attributes).toMatchObject({ slug: 'api', fullName: 'acme/api', projectUuid: IDS.core });
    expect(await harness.store.listGrantsOnResource(WORKSPACE.id, 'repository', IDS.api)).toHaveLength(1);
    const dirty = (await harness.syncState.listScopeStates(WORKSPACE.id)).filter((state) => state.dirty);
    expect(dirty.map((state) => state.scope)).toContain('repositories');
    // The same workspace under another slug is said in the log.
    expect(
      warnSpy.mock.calls.some(
        ([message]) => typeof message === 'string' && message.includes('workspace slug may have changed'),
      ),
    ).toBe(true);
    // The next sync step reads the listing: api is still in acme, so it stays.
    await runSyncStep(harness.dependencies, WORKSPACE, Date.now() + 60_000);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.api)).not.toBeNull();
    expect(
      (await harness.syncState.listScopeStates(WORKSPACE.id)).find((s) => s.scope === 'repositories')?.dirty,
    ).toBeFalsy();
  });
});
