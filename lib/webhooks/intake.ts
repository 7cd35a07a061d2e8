// The webhook receiver's whole job, free of Lambda and AWS: find the workspace's secret, check the
// signature over the raw bytes, only then parse, drop repeats of a delivery (by its id and by its body),
// and hand a compact message on. It never calls Bitbucket.
import { createHash } from 'node:crypto';
import type { SecretProvider, WebhookSecrets } from '../config/index.js';
import { NotFound, PayloadTooLarge, Unauthenticated, ValidationError } from '../errors/index.js';
import type { WebhookEventMessage } from './event-message.js';
import { describePayload, PayloadError } from './payload.js';
import { checkSignature } from './signature.js';

/** Bitbucket does not send payloads above 256 KB; anything larger is not from it. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookDelivery {
  workspace: string;
  /** Lower-cased header names, as API Gateway delivers them. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface WebhookIntakeDependencies {
  secrets: SecretProvider<WebhookSecrets>;
  /**
   * Workspace slugs whose deliveries may come unsigned (WEBHOOK_ALLOW_UNSIGNED). Honoured only while
   * the workspace has no secret; such a delivery is queued as `unsigned` and only marks scopes dirty.
   */
  allowUnsigned: readonly string[];
  /**
   * Records a delivery key (the `X-Request-UUID`, or `sha256:<hex>` of the signed body); false when it
   * was already recorded (a repeat).
   */
  recordDelivery(workspace: string, deliveryKey: string): Promise<boolean>;
  /** Forgets a recorded delivery key whose message could not be queued, so Bitbucket's retry is accepted. */
  forgetDelivery(workspace: string, deliveryKey: string): Promise<void>;
  enqueue(message: WebhookEventMessage): Promise<void>;
  now?: () => Date;
}

/**
 * A secret rotated by `bbgov webhooks install` reaches a warm receiver through a reload, tried on an
 * unknown workspace or a mismatching signature. At most one reload per interval per provider, so forged
 * deliveries cannot turn into a stream of secret reads.
 */
export const SECRET_RELOAD_INTERVAL_MS = 60_000;

const lastReloadAt = new WeakMap<SecretProvider<WebhookSecrets>, number>();

class SecretLookup {
  constructor(
    private readonly dependencies: WebhookIntakeDependencies,
    private readonly workspace: string,
  ) {}

  private pick(secrets: WebhookSecrets): string | undefined {
    return Object.hasOwn(secrets, this.workspace) ? secrets[this.workspace] : undefined;
  }

  async current(): Promise<string | undefined> {
    return this.pick(await this.dependencies.secrets.current());
  }

  /** The secret after a reload, or undefined when a reload happened too recently to try another. */
  async reloaded(): Promise<string | undefined> {
    const provider = this.dependencies.secrets;
    const now = (this.dependencies.now?.() ?? new Date()).getTime();
    const last = lastReloadAt.get(provider);
    if (last !== undefined && now - last < SECRET_RELOAD_INTERVAL_MS) return undefined;
    lastReloadAt.set(provider, now);
    return this.pick(await provider.reload());
  }
}

export type WebhookOutcome =
  { status: 'accepted'; message: WebhookEventMessage } | { status: 'duplicate'; deliveryId: string };

/**
 * The delivery key of a body: the same signed bytes re-sent under a fresh `X-Request-UUID` (or another
 * `X-Event-Key`: neither header is signed, API-NOTES "Webhooks") are a repeat, not a new event.
 */
export function bodyDeliveryKey(rawBody: Buffer): string {
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/**
 * Checks, parses and queues one delivery.
 *
 * @returns `accepted` with the queued message, or `duplicate` when its id or its exact body was seen.
 * @throws PayloadTooLarge (413) above MAX_WEBHOOK_BODY_BYTES; NotFound (404) for a workspace with no
 *   secret that is not allowed unsigned; Unauthenticated (401) for a missing or wrong signature where a
 *   secret exists; ValidationError (400) for missing headers, a body that is not JSON, or a payload whose
 *   shape does not fit its event key.
 */
export async function receiveWebhook(
  delivery: WebhookDelivery,
  dependencies: WebhookIntakeDependencies,
): Promise<WebhookOutcome> {
  if (delivery.rawBody.length > MAX_WEBHOOK_BODY_BYTES) {
    throw new PayloadTooLarge(`webhook bodies over ${MAX_WEBHOOK_BODY_BYTES} bytes are refused`, {
      bytes: delivery.rawBody.length,
    });
  }
  const secrets = new SecretLookup(dependencies, delivery.workspace);
  const secret = (await secrets.current()) ?? (await secrets.reloaded());
  const signatureHeader = delivery.headers['x-hub-signature'];
  let unsigned = false;
  if (secret !== undefined) {
    // A workspace with a secret is always verified, whatever WEBHOOK_ALLOW_UNSIGNED lists.
    let check = checkSignature(delivery.rawBody, signatureHeader, secret);
    if (check === 'mismatch') {
      // The hook may have been reinstalled with a new secret since this process read it.
      const fresh = await secrets.reloaded();
      if (fresh !== undefined && fresh !== secret)
        check = checkSignature(delivery.rawBody, signatureHeader, fresh);
    }
    if (check !== 'valid') {
      throw new Unauthenticated(`webhook signature ${check}`, { header: 'X-Hub-Signature' });
    }
  } else if (dependencies.allowUnsigned.includes(delivery.workspace)) {
    unsigned = true;
  } else {
    throw new NotFound(`no webhook secret is configured for workspace "${delivery.workspace}"`, {
      workspace: delivery.workspace,
    });
  }

  const eventKey = delivery.headers['x-event-key'];
  const deliveryId = delivery.headers['x-request-uuid'];
  if (!eventKey) throw new ValidationError('header X-Event-Key is required', { field: 'X-Event-Key' });
  if (!deliveryId)
    throw new ValidationError('header X-Request-UUID is required', { field: 'X-Request-UUID' });

  let json: unknown;
  try {
    json = JSON.parse(delivery.rawBody.toString('utf8'));
  } catch {
    throw new ValidationError('webhook body is not JSON', { field: 'body' });
  }
  let message: WebhookEventMessage;
  try {
    message = describePayload(json, {
      eventKey,
      workspace: delivery.workspace,
      deliveryId,
      ...(delivery.headers['x-hook-uuid'] ? { hookUuid: delivery.headers['x-hook-uuid'] } : {}),
      receivedAt: (dependencies.now?.() ?? new Date()).toISOString(),
      ...(unsigned ? { unsigned } : {}),
    });
  } catch (error) {
    if (error instanceof PayloadError) throw new ValidationError(error.message, { field: 'body' });
    throw error;
  }

  const keys = [deliveryId, bodyDeliveryKey(delivery.rawBody)];
  const recorded: string[] = [];
  try {
    for (const key of keys) {
      if (!(await dependencies.recordDelivery(delivery.workspace, key))) {
        // A replay of a body already queued: the id it came under stays recorded as a repeat too.
        return { status: 'duplicate', deliveryId };
      }
      recorded.push(key);
    }
    await dependencies.enqueue(message);
  } catch (error) {
    // Nothing was queued: Bitbucket's retry (same id, same body) must be accepted.
    for (const key of recorded) await dependencies.forgetDelivery(delivery.workspace, key);
    throw error;
  }
  return { status: 'accepted', message };
}
