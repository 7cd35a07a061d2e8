// Webhook deliveries: signed POSTs to every active workspace hook subscribed to the event.
import { createHmac, randomUUID } from 'node:crypto';
import type { WorkspaceState } from './state.js';

export interface SimulatorEvent {
  workspace: string;
  key: string;
  payload: unknown;
}

export interface DeliveryRecord {
  hook: string;
  url: string;
  event: string;
  requestUuid: string;
  attempt: number;
  /** HTTP status, or null when the connection failed. */
  status: number | null;
  error?: string;
}

const MAX_ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;

export function signature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class HookDispatcher {
  private log: DeliveryRecord[] = [];
  private pending = new Set<Promise<void>>();
  private aborter = new AbortController();

  deliveries(): DeliveryRecord[] {
    return [...this.log];
  }

  clear(): void {
    this.log = [];
  }

  /** Starts deliveries in the background; the caller does not wait for receivers. */
  dispatch(ws: WorkspaceState, event: SimulatorEvent): void {
    for (const hook of ws.hooks.values()) {
      if (!hook.active || !hook.events.includes(event.key)) continue;
      const job = this.deliver(hook.uuid, hook.url, hook.secret ?? null, event).finally(() =>
        this.pending.delete(job),
      );
      this.pending.add(job);
    }
  }

  /** Resolves once every delivery started so far has finished (tests and shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    this.aborter.abort();
    await this.settle();
  }

  private async deliver(
    hookUuid: string,
    url: string,
    secret: string | null,
    event: SimulatorEvent,
  ): Promise<void> {
    const body = Buffer.from(JSON.stringify(event.payload));
    const requestUuid = `{${randomUUID()}}`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (this.aborter.signal.aborted) return;
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': 'Bitbucket-Webhooks/2.0',
        'X-Event-Key': event.key,
        'X-Hook-UUID': hookUuid,
        'X-Request-UUID': requestUuid,
        'X-Attempt-Number': String(attempt),
      };
      if (secret) headers['X-Hub-Signature'] = signature(secret, body);
      const record: DeliveryRecord = {
        hook: hookUuid,
        url,
        event: event.key,
        requestUuid,
        attempt,
        status: null,
      };
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(TIMEOUT_MS)]),
        });
        await response.arrayBuffer().catch(() => undefined);
        record.status = response.status;
        this.log.push(record);
        if (response.status < 500) return;
      } catch (error) {
        record.error = (error as Error).name;
        this.log.push(record);
      }
    }
  }
}
