// `bbgov webhooks install`: registers the workspace hook (or updates the one already pointing at our
// URL) with the events the applier uses and a fresh 32-byte secret, and stores that secret where the
// receiver reads it. The secret is stored first: should registering fail, the previous one is put back,
// so the receiver and Bitbucket never disagree for longer than the call takes.
import { randomBytes } from 'node:crypto';
import type { BitbucketClient, CallOptions } from '../bitbucket/index.js';
import { isLoopbackHost } from '../config/index.js';
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
  /** Accept an `http://` URL, for a receiver on this machine only (see assertReceiverUrl). */
  allowInsecure?: boolean;
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

/** A receiver URL refused before anything is stored or registered; the message says what to change. */
export class InsecureWebhookUrl extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsecureWebhookUrl';
  }
}

const LOOPBACK_HOSTS = '127.0.0.0/8, ::1, localhost';

/**
 * Checks the URL Bitbucket is to deliver signed bodies to. https is required: over http anyone on the
 * path reads every delivery (and the secret's signatures with it). `allowInsecure` (`--allow-insecure`)
 * accepts http for a loopback host only (a receiver on this machine, e.g. for the simulator), and is
 * itself refused for any other host.
 * @throws InsecureWebhookUrl when the URL is not http(s), is http without allowInsecure, or allowInsecure
 *   is given for a host that is not loopback.
 */
export function assertReceiverUrl(url: string, options: { allowInsecure?: boolean } = {}): void {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new InsecureWebhookUrl('expected the receiver URL, e.g. https://…/webhooks/bitbucket/<workspace>');
  }
  const loopback = isLoopbackHost(parsed.hostname);
  if (options.allowInsecure && !loopback) {
    throw new InsecureWebhookUrl(
      `--allow-insecure is accepted for a loopback host only (${LOOPBACK_HOSTS}), not ${parsed.hostname}; use an https URL`,
    );
  }
  if (parsed.protocol === 'http:' && !options.allowInsecure) {
    throw new InsecureWebhookUrl(
      loopback
        ? 'https is required (signed deliveries would travel in clear text); for a receiver on this machine add --allow-insecure'
        : `https is required (signed deliveries would travel in clear text); http is possible with --allow-insecure for a loopback host only (${LOOPBACK_HOSTS})`,
    );
  }
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/**
 * Registers or updates the workspace hook for `url` with a fresh secret, stored first (see the top).
 * @throws InsecureWebhookUrl before any call when the URL is refused (assertReceiverUrl); Bitbucket's
 *   errors as the client throws them, after the previous secret is put back.
 */
export async function installWebhook(options: InstallWebhookOptions): Promise<InstalledWebhook> {
  const { client, workspaceSlug, url, secretStore, call } = options;
  assertReceiverUrl(url, { allowInsecure: options.allowInsecure ?? false });
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
