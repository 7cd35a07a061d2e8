// End to end: installWebhook registers our receiver with the simulator (secret stored in the local
// secrets file the receiver reads), the simulator emits signed hooks as repositories are created,
// renamed, moved and deleted and as people push and merge, and the store follows through the local
// API Gateway adapter, the in-process queue and the apply-events handler.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveUserAccess } from '../../../lib/access/index.js';
import type { LocalHttpServer } from '../../../lib/local/api-gateway-adapter.js';
import type { LocalEventQueue } from '../../../lib/local/event-queue.js';
import { SUBSCRIBED_EVENTS } from '../../../lib/webhooks/event-kinds.js';
import { installWebhook } from '../../../lib/webhooks/install.js';
import {
  FileWebhookSecretStore,
  localWebhookSecretsPath,
  readWebhookSecretsFile,
} from '../../../lib/webhooks/secret-file.js';
import { IDS } from '../../fixtures/webhooks/payloads.js';
import { startDeliveryPipeline } from '../../integration/webhooks/support/receiver.js';
import {
  createDeployRepository,
  expectStoreFollowsBitbucket,
  startSyncedConnector,
  WORKSPACE,
  type SyncedConnector,
} from '../../integration/webhooks/support/synced-connector.js';

let connector: SyncedConnector;
let server: LocalHttpServer;
let queue: LocalEventQueue;
let secretsPath: string;

beforeAll(async () => {
  connector = await startSyncedConnector();
  secretsPath = localWebhookSecretsPath(await mkdtemp(join(tmpdir(), 'bbgov-data-')));
  const readSecrets = () => readWebhookSecretsFile(secretsPath);
  ({ server, queue } = await startDeliveryPipeline(connector, {
    secrets: { current: readSecrets, reload: readSecrets },
  }));
});

afterAll(async () => {
  await server?.close();
  await connector?.harness.close();
});

/** Lets the simulator finish its deliveries, then lets the queue finish applying them. */
async function settle(): Promise<{ status: number | null; event: string }[]> {
  const { deliveries } = await connector.harness.control<{
    deliveries: { status: number | null; event: string }[];
  }>('GET', '/_simulator/deliveries?settle=true');
  await queue.drain();
  return deliveries;
}

describe('webhooks from the simulator', () => {
  it('installs the hook once, updates it in place, and stores the current secret', async () => {
    const { harness } = connector;
    const url = `${server.url}/webhooks/bitbucket/acme`;
    const secretStore = new FileWebhookSecretStore(secretsPath);
    const first = await installWebhook({
      client: harness.client,
      workspaceSlug: 'acme',
      url,
      secretStore,
      allowInsecure: true, // the receiver is this machine's loopback server
    });
    const firstSecret = (await readWebhookSecretsFile(secretsPath)).acme;
    const second = await installWebhook({
      client: harness.client,
      workspaceSlug: 'acme',
      url,
      secretStore,
      allowInsecure: true, // the receiver is this machine's loopback server
    });
    expect([first.action, second.action]).toEqual(['created', 'updated']);
    expect(second.hookUuid).toBe(first.hookUuid);
    const secret = (await readWebhookSecretsFile(secretsPath)).acme;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(secret).not.toBe(firstSecret);
    const hooks = await harness.client.listHooks('acme');
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ url, active: true, events: [...SUBSCRIBED_EVENTS].sort() });
  });

  it('follows a repository through creation, rename, project move and deletion', async () => {
    const { harness } = connector;
    await harness.mutate(createDeployRepository('admin'));
    expect((await settle()).map((delivery) => [delivery.event, delivery.status])).toEqual([
      ['repo:created', 202],
    ]);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy)).not.toBeNull();
    await expectStoreFollowsBitbucket(connector);

    await harness.mutate([
      {
        op: 'renameRepository',
        workspace: 'acme',
        slug: 'deploy',
        newSlug: 'deploy-tools',
        newName: 'Deploy tools',
      },
    ]);
    await settle();
    const renamed = await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy);
    expect(renamed?.item.attributes).toMatchObject({ slug: 'deploy-tools', name: 'Deploy tools' });
    await expectStoreFollowsBitbucket(connector);

    await harness.mutate([{ op: 'moveRepository', workspace: 'acme', slug: 'deploy-tools', project: 'OPS' }]);
    await settle();
    const moved = await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy);
    expect(moved?.item.attributes.projectUuid).toBe(IDS.ops);
    await expectStoreFollowsBitbucket(connector);

    const requestsBeforeDelete = await harness.requestTotal();
    await harness.mutate([{ op: 'deleteRepository', workspace: 'acme', slug: 'deploy-tools' }]);
    const deliveries = await settle();
    expect(deliveries.every((delivery) => delivery.status === 202)).toBe(true);
    expect(await harness.store.getResource(WORKSPACE.id, 'repository', IDS.deploy)).toBeNull();
    // One read of the repository confirms the deletion (404) before anything is removed.
    expect(await harness.requestTotal()).toBe(requestsBeforeDelete + 1);
    await expectStoreFollowsBitbucket(connector);
    expect(queue.deadLetters).toEqual([]);
  });

  it('shows pushes and merged pull requests as lastActivity in the access answers', async () => {
    const { harness } = connector;
    const before = new Date().toISOString();
    await harness.mutate([
      { op: 'push', workspace: 'acme', repository: 'api', accountId: IDS.grace },
      { op: 'pullRequest', workspace: 'acme', repository: 'api', accountId: IDS.grace, action: 'fulfilled' },
    ]);
    await settle();
    const after = new Date().toISOString();
    const facts = await harness.store.loadUserAccessFacts(WORKSPACE.id, IDS.grace);
    const api = effectiveUserAccess(facts, IDS.grace)?.repositories.find((entry) => entry.uuid === IDS.api);
    expect(api?.permission).toBe('write');
    expect(api?.lastActivity).not.toBeNull();
    // The push is timed by its receipt and the merge by its updated_on, whatever the pushed commits'
    // dates: both lie within the test.
    expect(api!.lastActivity! >= before.slice(0, 19)).toBe(true);
    expect(api!.lastActivity! <= after).toBe(true);
  });
});
