// `bbgov webhooks install`: registers the workspace hook (or updates the one already pointing at our
// URL) with the events the applier uses and a fresh 32-byte secret, and stores that secret where the
// receiver reads it. The secret is stored first: should registering fail, the previous one is put back,
// so the receiver and Bitbucket never disagree for longer than the call takes.
import { randomBytes } from 'node:crypto';
import type { BitbucketClient, CallOptions } from '../bitbucket/index.js';
import { SUBSCRIBED_EVENTS } from './event-kinds.js';

/** Where the receiver's secrets live: a file locally, the WEBHOOK_SECRETS_ARN secret in AWS. */
export interface WebhookSecretStore {
  get(workspaceSlug: string): Promise<string | undefined>;
  put(workspaceSlug: string, secret: string): Promise<void>;
}

export interface InstallWebhookOptions {
  client: BitbucketClient;
  workspaceSlug: string;
  /** The receiver's URL, e.g. `https://…/webhooks/bitbucket/acme`. */
  url: string;
  secretStore: WebhookSecretStore;
  description?: string;
  call?: CallOptions;
}

export interface InstalledWebhook {
  action: 'created' | 'updated';
  hookUuid: string;
  url: string;
  events: string[];
}

export const WEBHOOK_DESCRIPTION = 'bitbucket-governance';

/** 32 random bytes, hex: what signs deliveries (never logged, never returned). */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

export async function installWebhook(options: InstallWebhookOptions): Promise<InstalledWebhook> {
  const { client, workspaceSlug, url, secretStore, call } = options;
  const existing = (await client.listHooks(workspaceSlug, call)).find((hook) => sameUrl(hook.url, url));
  const secret = generateWebhookSecret();
  const events = [...SUBSCRIBED_EVENTS];
  const input = {
    description: options.description ?? WEBHOOK_DESCRIPTION,
    url,
    active: true,
    secret,
    events,
  };
  const previous = await secretStore.get(workspaceSlug);
  await secretStore.put(workspaceSlug, secret);
  try {
    const hook = existing
      ? await client.updateHook(workspaceSlug, existing.uuid, input, call)
      : await client.createHook(workspaceSlug, input, call);
    return { action: existing ? 'updated' : 'created', hookUuid: hook.uuid, url: hook.url, events };
  } catch (error) {
    if (previous !== undefined) await secretStore.put(workspaceSlug, previous);
    throw error;
  }
}
