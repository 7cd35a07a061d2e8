// Retries of throttled or conflicting DynamoDB calls. The SDK already retries plain throttling
// (maxAttempts); transactions cancelled by a conflict or throttling are ours to retry.

const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
]);

const RETRYABLE_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 25 };

function isRetryable(error: unknown): boolean {
  const { name, CancellationReasons } = error as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  if (name && RETRYABLE_ERRORS.has(name)) return true;
  if (name === 'TransactionCanceledException' && CancellationReasons) {
    const codes = CancellationReasons.map((reason) => reason.Code ?? 'None');
    return (
      !codes.includes('ConditionalCheckFailed') && codes.some((code) => RETRYABLE_CANCELLATIONS.has(code))
    );
  }
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function withThrottlingRetry<T>(call: () => Promise<T>, policy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      // Full jitter keeps parallel writers from retrying in lockstep.
      await sleep(Math.random() * policy.baseDelayMs * 2 ** attempt);
    }
  }
}
