// Observation times only ever come from the past. A time from the future written once would win every
// later observedAt guard (the item could never be updated again) or pin an activity time that never ages,
// so the store refuses it, whatever the caller: the sync, a webhook, provisioning.

/** Clocks of the functions and of DynamoDB's callers are NTP-synced; this much lead is still believed (ms). */
export const MAX_CLOCK_LEAD_MS = 5_000;

/** An observation or activity time later than the store's clock allows (a payload's or a caller's bug). */
export class FutureObservationError extends Error {
  constructor(
    readonly what: string,
    readonly at: string,
    readonly now: string,
  ) {
    super(`${what} ${at} is later than now (${now}): refused`);
    this.name = 'FutureObservationError';
  }
}

/**
 * Checks that `at` (ISO 8601) is a valid time no later than `now` + MAX_CLOCK_LEAD_MS.
 * @throws FutureObservationError when it is later, or not a time at all.
 */
export function refuseFutureTime(what: string, at: string, now: Date): void {
  const ms = Date.parse(at);
  if (Number.isNaN(ms) || ms > now.getTime() + MAX_CLOCK_LEAD_MS) {
    throw new FutureObservationError(what, at, now.toISOString());
  }
}
