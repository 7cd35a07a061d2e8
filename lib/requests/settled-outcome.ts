// A provisioning outcome as the access-request steps read it. A replay (a step retried after a crash
// between the provisioning call and the request's own update) is read from the answer it replays, so
// the retry ends the request exactly as the first run would have.
import type { ProvisioningRequestOutcome } from '../provisioning/index.js';

/**
 * `ok`: the call ran to its end; `changed` whether it changed Bitbucket, `previous` the permission held
 * before (null: none). Otherwise the refusal: HTTP `status`, `reason` (the error's `details.reason`) and
 * `message` (Bitbucket's words where it answered).
 */
export type SettledOutcome =
  | { ok: true; requestId: string; changed: boolean; previous: string | null }
  | { ok: false; requestId: string; status: number; reason?: unknown; message: string };

/** Reads a fresh or replayed provisioning outcome the same way. */
export function settledOutcome(outcome: ProvisioningRequestOutcome): SettledOutcome {
  const { requestId } = outcome;
  if (outcome.kind === 'provisioned') {
    return { ok: true, requestId, changed: outcome.result.changed, previous: outcome.result.previous };
  }
  if (outcome.kind === 'refused') {
    return {
      ok: false,
      requestId,
      status: outcome.error.status,
      reason: outcome.error.details.reason,
      message: outcome.error.message,
    };
  }
  const body = JSON.parse(outcome.answer.body) as {
    changed?: boolean;
    previous?: string | null;
    error?: { message?: string; details?: { reason?: unknown } };
  };
  return outcome.answer.status < 400
    ? { ok: true, requestId, changed: body.changed === true, previous: body.previous ?? null }
    : {
        ok: false,
        requestId,
        status: outcome.answer.status,
        reason: body.error?.details?.reason,
        message: body.error?.message ?? `status ${outcome.answer.status}`,
      };
}
