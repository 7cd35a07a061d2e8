// After `bbgov webhooks install` rotates a secret (or adds a workspace), a warm receiver still holds the
// old secrets: it reloads them once on a mismatch or unknown workspace, at most once per interval.
import { describe, expect, it } from 'vitest';
import type { SecretProvider, WebhookSecrets } from '../../../lib/config/index.js';
import { NotFound, Unauthenticated } from '../../../lib/errors/index.js';
import { receiveWebhook, SECRET_RELOAD_INTERVAL_MS } from '../../../lib/webhooks/intake.js';
import { signBody } from '../../../lib/webhooks/signature.js';
import { fixtureBody } from '../../fixtures/webhooks/payloads.js';

const oldSecret = 'old-secret-0123456789abcdef';
const newSecret = 'new-secret-0123456789abcdef';
const body = fixtureBody('repo-push');

/** A cached provider whose source has moved on: current() is stale until reload(). */
function rotatedSecrets(cached: WebhookSecrets, source: WebhookSecrets) {
  let value = cached;
  const provider: SecretProvider<WebhookSecrets> & { reloads: number } = {
    reloads: 0,
    current: async () => value,
    reload: async () => {
      provider.reloads += 1;
      value = source;
      return value;
    },
  };
  return provider;
}

function receive(
  workspace: string,
  secret: string,
  secrets: SecretProvider<WebhookSecrets>,
  now: Date,
  id: string,
) {
  return receiveWebhook(
    {
      workspace,
      headers: {
        'x-hub-signature': signBody(body, secret),
        'x-event-key': 'repo:push',
        'x-request-uuid': id,
      },
      rawBody: body,
    },
    {
      secrets,
      allowUnsigned: [],
      recordDelivery: async () => true,
      forgetDelivery: async () => undefined,
      enqueue: async () => undefined,
      now: () => now,
    },
  );
}

describe('webhook secret rotation', () => {
  it('accepts a delivery signed with the rotated secret after one reload', async () => {
    const secrets = rotatedSecrets({ acme: oldSecret }, { acme: newSecret });
    const now = new Date('2026-11-28T12:00:00Z');
    await expect(receive('acme', newSecret, secrets, now, 'd1')).resolves.toMatchObject({
      status: 'accepted',
    });
    expect(secrets.reloads).toBe(1);
    // The old secret no longer verifies, and the next mismatch within the interval does not reload again.
    await expect(receive('acme', oldSecret, secrets, now, 'd2')).rejects.toBeInstanceOf(Unauthenticated);
    expect(secrets.reloads).toBe(1);
    const later = new Date(now.getTime() + SECRET_RELOAD_INTERVAL_MS);
    await expect(receive('acme', 'forged-secret-0123456789', secrets, later, 'd3')).rejects.toBeInstanceOf(
      Unauthenticated,
    );
    expect(secrets.reloads).toBe(2);
  });

  it('finds a workspace whose hook was installed after the secrets were read', async () => {
    const secrets = rotatedSecrets({ acme: oldSecret }, { acme: oldSecret, globex: newSecret });
    const now = new Date('2026-11-28T12:00:00Z');
    await expect(receive('globex', newSecret, secrets, now, 'd1')).resolves.toMatchObject({
      status: 'accepted',
    });
    await expect(receive('initech', newSecret, secrets, now, 'd2')).rejects.toBeInstanceOf(NotFound);
    expect(secrets.reloads).toBe(1);
  });
});
