// Whether a DynamoDB endpoint really answers: a listening port is not enough. DynamoDB Local accepts
// connections before its engine serves requests, and a first call then (under load, `npm start`'s table
// creation) came back as the SDK's `UnknownError`. Ready means a ListTables call succeeded.
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** The endpoint gave no successful answer within the timeout: `lastError` says what the last call got. */
export class DynamoDbNotAnsweringError extends Error {
  constructor(
    readonly endpoint: string,
    readonly timeoutMs: number,
    readonly lastError: string,
  ) {
    super(
      `DynamoDB at ${endpoint} did not answer ListTables within ${timeoutMs / 1000} s (last: ${lastError})`,
    );
    this.name = 'DynamoDbNotAnsweringError';
  }
}

export interface WaitForDynamoDbOptions {
  /** How long to keep trying (ms); default 30 000. */
  timeoutMs?: number;
  /** Pause between calls (ms); default 100. */
  intervalMs?: number;
  /** Checked before each retry: an error to stop with at once (e.g. the engine's process exited). */
  giveUp?: () => Error | undefined;
}

/**
 * Resolves once `endpoint` (e.g. `http://127.0.0.1:8000`, DynamoDB Local) answers a ListTables call,
 * calling again every `intervalMs` while it refuses, times out (2 s per call) or answers an error.
 * @throws DynamoDbNotAnsweringError after `timeoutMs` without an answer, naming the last failure.
 * @throws whatever `giveUp` returns, as soon as it returns it.
 */
export async function waitUntilDynamoDbAnswers(
  endpoint: string,
  options: WaitForDynamoDbOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // This loop retries; the SDK's own retries would only hide how long each call took.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      let lastError: string;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        const { name, message } = error as Error;
        lastError = `${name}: ${message}`;
      }
      const stop = options.giveUp?.();
      if (stop) throw stop;
      if (Date.now() >= deadline) throw new DynamoDbNotAnsweringError(endpoint, timeoutMs, lastError);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
    }
  } finally {
    client.destroy();
  }
}
