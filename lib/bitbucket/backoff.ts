// How long to wait before retry number `attempt` (0 = first retry): exponential with full jitter
// (a uniformly random delay between 0 and the capped exponential), or what Retry-After says.

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** The upper bound of the jittered delay for a retry: base·2^attempt, never above the cap. */
export function backoffCeilingMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/**
 * The delay before a retry, or `undefined` when it should not be retried because Bitbucket asked for a
 * longer wait than the policy allows (retrying earlier would only earn another 429 and spend budget).
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined;
  return Math.floor(random() * backoffCeilingMs(attempt, policy));
}

/** Retry-After as milliseconds: either delta-seconds or an HTTP date. Unparseable → undefined. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
