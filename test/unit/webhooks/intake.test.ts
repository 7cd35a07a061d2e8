import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SecretProvider, WebhookSecrets } from '../../../lib/config/index.js';
import { NotFound, PayloadTooLarge, Unauthenticated } from '../../../lib/errors/index.js';
import type { WebhookEventMessage } from '../../../lib/webhooks/event-message.js';
import { receiveWebhook, type WebhookDelivery } from '../../../lib/webhooks/intake.js';
import { checkSignature, signBody } from '../../../lib/webhooks/signature.js';

const secret = 'acme-webhook-secret-0123456789';
const pushBody = readFileSync(new URL('../../fixtures/webhooks/repo-push.json', import.meta.url));

function staticSecrets(secrets: WebhookSecrets): SecretProvider<WebhookSecrets> {
  return { current: async () => secrets, reload: async () => secrets };
}

function intake(options: { allowUnsigned?: string[]; failEnqueue?: boolean } = {}) {
  const recorded = new Set<string>();
  const queued: WebhookEventMessage[] = [];
  const dependencies = {
    secrets: staticSecrets({ acme: secret }),
    allowUnsigned: options.allowUnsigned ?? [],
    recordDelivery: async (workspace: string, id: string) => {
      const key = `${workspace}/${id}`;
      if (recorded.has(key)) return false;
      recorded.add(key);
      return true;
    },
    forgetDelivery: async (workspace: string, id: string) => {
      recorded.delete(`${workspace}/${id}`);
    },
    enqueue: async (message: WebhookEventMessage) => {
      if (options.failEnqueue) throw new Error('queue unavailable');
      queued.push(message);
    },
    now: () => new Date('2026-11-28T12:00:00.000Z'),
  };
  return { dependencies, queued, recorded };
}

function delivery(
  body: Buffer,
  headers: Record<string, string | undefined> = {},
  workspace = 'acme',
): WebhookDelivery {
  return {
    workspace,
    rawBody: body,
    headers: {
      'x-event-key': 'repo:push',
      'x-request-uuid': 'd1a2b3c4-0000-4000-8000-000000000001',
      'x-hook-uuid': '{hook-1}',
      'x-hub-signature': signBody(body, secret),
      ...headers,
    },
  };
}

describe('checkSignature', () => {
  it('accepts the HMAC of the exact bytes and nothing else', () => {
    expect(checkSignature(pushBody, signBody(pushBody, secret), secret)).toBe('valid');
    expect(checkSignature(pushBody, signBody(pushBody, 'another-secret'), secret)).toBe('mismatch');
    expect(
      checkSignature(pushBody, signBody(Buffer.concat([pushBody, Buffer.from(' ')]), secret), secret),
    ).toBe('mismatch');
    expect(checkSignature(pushBody, undefined, secret)).toBe('missing');
    expect(checkSignature(pushBody, 'sha1=abc', secret)).toBe('malformed');
    expect(checkSignature(pushBody, `sha256=${'0'.repeat(63)}`, secret)).toBe('malformed');
  });
});

describe('receiveWebhook', () => {
  it('queues a compact message for a signed delivery', async () => {
    const { dependencies, queued } = intake();
    const outcome = await receiveWebhook(delivery(pushBody), dependencies);
    expect(outcome.status).toBe('accepted');
    expect(queued).toEqual([
      {
        eventKey: 'repo:push',
        workspace: 'acme',
        deliveryId: 'd1a2b3c4-0000-4000-8000-000000000001',
        hookUuid: '{hook-1}',
        // No occurredAt: a push's commit dates are its authors', so the receive time stands.
        receivedAt: '2026-11-28T12:00:00.000Z',
        actor: {
          type: 'user',
          accountId: '557058:ada',
          uuid: '{6f1c2b6e-3a6d-4c1e-9f3a-0b9d5c1e2a11}',
          displayName: 'Ada Lovelace',
        },
        repository: {
          uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}',
          slug: 'api',
          fullName: 'acme/api',
          name: 'api',
          isPrivate: true,
          project: { uuid: '{7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d}', key: 'CORE' },
          workspace: { uuid: '{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}', slug: 'acme' },
        },
      },
    ]);
  });

  it('rejects missing, wrong and other-body signatures before parsing', async () => {
    const { dependencies, queued } = intake();
    const notJson = Buffer.from('not json at all');
    await expect(
      receiveWebhook(delivery(notJson, { 'x-hub-signature': undefined }), dependencies),
    ).rejects.toMatchObject({
      name: 'Unauthenticated',
      message: 'webhook signature missing',
      status: 401,
    });
    await expect(
      receiveWebhook(
        delivery(notJson, { 'x-hub-signature': signBody(notJson, 'wrong-secret') }),
        dependencies,
      ),
    ).rejects.toBeInstanceOf(Unauthenticated);
    await expect(
      receiveWebhook(
        delivery(pushBody, { 'x-hub-signature': signBody(Buffer.from('{}'), secret) }),
        dependencies,
      ),
    ).rejects.toBeInstanceOf(Unauthenticated);
    expect(queued).toHaveLength(0);
  });

  it('answers unknown workspaces, oversized and non-JSON bodies precisely', async () => {
    const { dependencies } = intake();
    await expect(receiveWebhook(delivery(pushBody, {}, 'other'), dependencies)).rejects.toBeInstanceOf(
      NotFound,
    );
    const big = Buffer.alloc(256 * 1024 + 1, 'a');
    await expect(receiveWebhook(delivery(big), dependencies)).rejects.toBeInstanceOf(PayloadTooLarge);
    const notJson = Buffer.from('<xml/>');
    await expect(receiveWebhook(delivery(notJson), dependencies)).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'webhook body is not JSON',
      status: 400,
    });
    const noRepository = Buffer.from(JSON.stringify({ actor: { account_id: 'x' }, push: { changes: [] } }));
    await expect(receiveWebhook(delivery(noRepository), dependencies)).rejects.toThrow(
      'payload repository.uuid: required for repo:push',
    );
    const notAnObject = Buffer.from('[1, 2]');
    await expect(receiveWebhook(delivery(notAnObject), dependencies)).rejects.toMatchObject({
      name: 'ValidationError',
      status: 400,
    });
  });

  it('accepts what a delivery lacks when the event does not need it', async () => {
    const { dependencies, queued } = intake();
    const cases: { eventKey: string; payload: unknown }[] = [
      // A team actor and an older user object: no account_id.
      {
        eventKey: 'repo:push',
        payload: {
          actor: { type: 'team', display_name: 'Acme', uuid: '{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}' },
          repository: { uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}', full_name: 'acme/api' },
          push: { changes: [] },
        },
      },
      {
        eventKey: 'pullrequest:approved',
        payload: {
          actor: { type: 'user', nickname: 'grace', uuid: '{1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e}' },
          repository: { uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}', full_name: 'acme/api' },
          pullrequest: { updated_on: 'yesterday' },
        },
      },
      // No actor at all: the activity is skipped later, and counted.
      {
        eventKey: 'repo:push',
        payload: { repository: { uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}' }, push: { changes: [] } },
      },
      // A deleted repository whose project has a key and no uuid.
      {
        eventKey: 'repo:deleted',
        payload: {
          repository: {
            uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}',
            full_name: 'acme/api',
            project: { type: 'project', key: 'CORE' },
          },
        },
      },
      // Repository and project events that cannot say which: the listing is re-read.
      { eventKey: 'repo:updated', payload: { actor: { type: 'team' } } },
      { eventKey: 'project:updated', payload: { project: { key: 'CORE', name: 'Core' } } },
    ];
    for (const [index, { eventKey, payload }] of cases.entries()) {
      const body = Buffer.from(JSON.stringify(payload));
      const outcome = await receiveWebhook(
        delivery(body, { 'x-event-key': eventKey, 'x-request-uuid': `accepted-${index}` }),
        dependencies,
      );
      expect(outcome.status).toBe('accepted');
    }
    expect(queued.map((message) => message.actor)).toEqual([
      { type: 'team', uuid: '{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}', displayName: 'Acme' },
      { type: 'user', uuid: '{1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e}' },
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // An unreadable updated_on is left out: the receive time stands.
    expect(queued[1]!.occurredAt).toBeUndefined();
    expect(queued[3]!.repository?.project).toEqual({ key: 'CORE' });
    expect(queued[4]!.repository).toBeUndefined();
    expect(queued[5]!.project).toBeUndefined();
  });

  it('drops a repeat of the same X-Request-UUID', async () => {
    const { dependencies, queued } = intake();
    expect((await receiveWebhook(delivery(pushBody), dependencies)).status).toBe('accepted');
    expect((await receiveWebhook(delivery(pushBody), dependencies)).status).toBe('duplicate');
    expect(queued).toHaveLength(1);
  });

  it('forgets the delivery when queueing fails, so the retry is accepted', async () => {
    const failing = intake({ failEnqueue: true });
    await expect(receiveWebhook(delivery(pushBody), failing.dependencies)).rejects.toThrow(
      'queue unavailable',
    );
    expect(failing.recorded.size).toBe(0);
  });

  it('accepts unsigned deliveries only from listed workspaces without a secret, marked unsigned', async () => {
    const unsigned = delivery(pushBody, { 'x-hub-signature': undefined }, 'no-secret-workspace');
    await expect(receiveWebhook(unsigned, intake().dependencies)).rejects.toBeInstanceOf(NotFound);
    await expect(
      receiveWebhook(unsigned, intake({ allowUnsigned: ['another'] }).dependencies),
    ).rejects.toBeInstanceOf(NotFound);
    const allowed = intake({ allowUnsigned: ['no-secret-workspace', 'acme'] });
    const outcome = await receiveWebhook(unsigned, allowed.dependencies);
    expect(outcome).toMatchObject({ status: 'accepted', message: { unsigned: true } });
    // Listing a workspace that has a secret changes nothing: its deliveries are always verified.
    const unsignedForAcme = delivery(pushBody, {
      'x-hub-signature': undefined,
      'x-request-uuid': 'unsigned-acme',
    });
    await expect(receiveWebhook(unsignedForAcme, allowed.dependencies)).rejects.toBeInstanceOf(
      Unauthenticated,
    );
    const forged = delivery(pushBody, { 'x-hub-signature': signBody(pushBody, 'forged-secret') });
    await expect(receiveWebhook(forged, allowed.dependencies)).rejects.toBeInstanceOf(Unauthenticated);
    // A signed delivery is never marked unsigned.
    const signed = await receiveWebhook(delivery(pushBody), allowed.dependencies);
    expect(signed.status === 'accepted' && signed.message.unsigned).toBeFalsy();
  });
});

describe('receiveWebhook against replays (the signature covers the body, not the headers)', () => {
  it('refuses a signed push body re-sent under repo:deleted or repo:updated', async () => {
    const { dependencies, queued } = intake();
    for (const eventKey of ['repo:deleted', 'repo:updated', 'repo:transfer', 'pullrequest:created']) {
      await expect(
        receiveWebhook(
          delivery(pushBody, { 'x-event-key': eventKey, 'x-request-uuid': `replay-${eventKey}` }),
          dependencies,
        ),
      ).rejects.toMatchObject({
        name: 'ValidationError',
        status: 400,
        message: expect.stringContaining(`payload does not fit X-Event-Key ${eventKey}`),
      });
    }
    expect(queued).toHaveLength(0);
  });

  it('drops the same signed body under a fresh X-Request-UUID as a duplicate', async () => {
    const { dependencies, queued } = intake();
    expect((await receiveWebhook(delivery(pushBody), dependencies)).status).toBe('accepted');
    const replay = delivery(pushBody, { 'x-request-uuid': 'a-fresh-uuid-for-the-same-body' });
    expect(await receiveWebhook(replay, dependencies)).toEqual({
      status: 'duplicate',
      deliveryId: 'a-fresh-uuid-for-the-same-body',
    });
    // A body that differs by one byte is another event.
    const other = Buffer.concat([pushBody, Buffer.from(' ')]);
    const otherDelivery = delivery(other, { 'x-request-uuid': 'another-uuid' });
    expect((await receiveWebhook(otherDelivery, dependencies)).status).toBe('accepted');
    expect(queued).toHaveLength(2);
  });

  it('refuses a repository event body re-sent as a push (a push carries push)', async () => {
    const { dependencies, queued } = intake();
    const created = Buffer.from(
      JSON.stringify({
        actor: { type: 'user', account_id: '557058:ada' },
        repository: { uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}', full_name: 'acme/api' },
      }),
    );
    await expect(receiveWebhook(delivery(created), dependencies)).rejects.toThrow(
      'payload does not fit X-Event-Key repo:push: repo:push payloads carry push',
    );
    expect(queued).toHaveLength(0);
  });

  it('forgets what it recorded when recording the body fails, so the retry is accepted', async () => {
    const { dependencies, queued, recorded } = intake();
    let failNext = true;
    const record = dependencies.recordDelivery;
    dependencies.recordDelivery = async (workspace: string, key: string) => {
      if (key.startsWith('sha256:') && failNext) {
        failNext = false;
        throw new Error('ProvisionedThroughputExceededException');
      }
      return record(workspace, key);
    };
    await expect(receiveWebhook(delivery(pushBody), dependencies)).rejects.toThrow('ProvisionedThroughput');
    expect(recorded.size).toBe(0);
    expect((await receiveWebhook(delivery(pushBody), dependencies)).status).toBe('accepted');
    expect(queued).toHaveLength(1);
  });

  it('forgets both the id and the body when queueing fails', async () => {
    const failing = intake({ failEnqueue: true });
    await expect(receiveWebhook(delivery(pushBody), failing.dependencies)).rejects.toThrow();
    expect(failing.recorded.size).toBe(0);
  });

  it('clamps a payload time later than the receive time and says so', async () => {
    const { dependencies, queued } = intake();
    const body = Buffer.from(
      JSON.stringify({
        actor: { type: 'user', account_id: '557058:ada' },
        repository: { uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}', full_name: 'acme/api' },
        pullrequest: { updated_on: '2099-01-01T00:00:00+00:00' },
      }),
    );
    const outcome = await receiveWebhook(
      delivery(body, { 'x-event-key': 'pullrequest:updated' }),
      dependencies,
    );
    expect(outcome.status).toBe('accepted');
    expect(queued[0]).toMatchObject({
      occurredAt: '2026-11-28T12:00:00.000Z',
      clampedFrom: '2099-01-01T00:00:00.000Z',
    });
  });

  it("leaves out a repository slug or project key outside Bitbucket's rules", async () => {
    const { dependencies, queued } = intake();
    const body = Buffer.from(
      JSON.stringify({
        repository: {
          uuid: '{2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c}',
          slug: '..',
          full_name: 'acme/..',
          is_private: true,
          project: { uuid: '{7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d}', key: '../x' },
        },
      }),
    );
    await receiveWebhook(delivery(body, { 'x-event-key': 'repo:created' }), dependencies);
    expect(queued[0]!.repository?.slug).toBeUndefined();
    expect(queued[0]!.repository?.project).toEqual({ uuid: '{7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d}' });
  });
});
