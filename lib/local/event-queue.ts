// Local mode's stand-in for SQS between the webhook receiver and the applier (DESIGN §7): `enqueue`
// collects messages, a drain hands SQS-shaped batches to the same apply-events handler, failed records
// (batchItemFailures, or the whole batch when the handler throws) are received again up to a limit and
// then kept on a dead-letter list.
import { createHash, randomUUID } from 'node:crypto';
import { localLambdaContext } from './lambda-context.js';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { WebhookEventMessage } from '../webhooks/event-message.js';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface LocalEventQueueOptions {
  handler: SqsBatchHandler;
  /** Records per batch (the AWS event source uses 10). */
  batchSize?: number;
  /** Receives before a message moves to the dead-letter list (SQS maxReceiveCount; default 3). */
  maxReceiveCount?: number;
  /** Wait before a failed message is received again (default 1 s; tests use 0). */
  retryDelayMs?: number;
  /** Start draining by itself after an enqueue (the local server); off for step-by-step tests. */
  autoDrain?: boolean;
  /** With autoDrain: how long to gather messages before a batch goes (SQS's batching window; default 100 ms). */
  batchingWindowMs?: number;
  /** Time the handler is told it has (context.getRemainingTimeInMillis). */
  timeoutMs?: number;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  reason: string;
}

interface QueuedMessage {
  messageId: string;
  body: string;
  eventKey: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  visibleAt: number;
}

const QUEUE_ARN = 'arn:aws:sqs:local:000000000000:bitbucket-governance-events';

function toRecord(message: QueuedMessage): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: `${message.messageId}#${message.receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    },
    messageAttributes: { eventKey: { dataType: 'String', stringValue: message.eventKey } },
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'local',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LocalEventQueue {
  private readonly waiting: QueuedMessage[] = [];
  private readonly dead: DeadLetter[] = [];
  private draining: Promise<void> | undefined;
  private scheduled: NodeJS.Timeout | undefined;
  private sent = 0;
  private readonly settings: Required<Omit<LocalEventQueueOptions, 'handler'>>;

  constructor(private readonly options: LocalEventQueueOptions) {
    this.settings = {
      batchSize: options.batchSize ?? 10,
      maxReceiveCount: options.maxReceiveCount ?? 3,
      retryDelayMs: options.retryDelayMs ?? 1000,
      autoDrain: options.autoDrain ?? true,
      batchingWindowMs: options.batchingWindowMs ?? 100,
      timeoutMs: options.timeoutMs ?? 60_000,
    };
  }

  /** What the webhook receiver calls instead of SendMessage. */
  async enqueue(message: WebhookEventMessage): Promise<void> {
    const now = Date.now();
    this.waiting.push({
      messageId: randomUUID(),
      body: JSON.stringify(message),
      eventKey: message.eventKey,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now,
    });
    this.sent += 1;
    if (this.settings.autoDrain && !this.scheduled) {
      this.scheduled = setTimeout(() => {
        this.scheduled = undefined;
        this.drain().catch((error: unknown) => console.error('local event queue drain failed:', error));
      }, this.settings.batchingWindowMs);
      // A pending window never keeps the process alive; drain() (or shutdown) takes what is left.
      this.scheduled.unref();
    }
  }

  /** Messages enqueued since the queue was created. */
  get sentCount(): number {
    return this.sent;
  }

  /** Messages not yet processed (including those waiting for a retry). */
  get depth(): number {
    return this.waiting.length;
  }

  get deadLetters(): readonly DeadLetter[] {
    return this.dead;
  }

  /** Processes until the queue is empty (retries included); concurrent callers share one drain. */
  drain(): Promise<void> {
    if (this.scheduled) {
      clearTimeout(this.scheduled);
      this.scheduled = undefined;
    }
    this.draining ??= this.drainAll().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainAll(): Promise<void> {
    while (this.waiting.length > 0) {
      const now = Date.now();
      const visible = this.waiting.filter((message) => message.visibleAt <= now);
      if (visible.length === 0) {
        const next = Math.min(...this.waiting.map((message) => message.visibleAt));
        await sleep(Math.max(0, next - now));
        continue;
      }
      const batch = visible.slice(0, this.settings.batchSize);
      for (const message of batch) this.waiting.splice(this.waiting.indexOf(message), 1);
      await this.deliver(batch);
    }
  }

  private async deliver(batch: QueuedMessage[]): Promise<void> {
    const now = Date.now();
    for (const message of batch) {
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
    }
    let failed: Map<string, string>;
    try {
      const response = await this.options.handler(
        { Records: batch.map(toRecord) },
        localLambdaContext('apply-events', this.settings.timeoutMs),
      );
      failed = new Map(
        (response?.batchItemFailures ?? []).map((failure) => [
          failure.itemIdentifier,
          'reported in batchItemFailures',
        ]),
      );
    } catch (error) {
      // A thrown handler fails the whole batch, as Lambda's SQS integration treats it.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      failed = new Map(batch.map((message) => [message.messageId, reason]));
    }
    for (const message of batch) {
      const reason = failed.get(message.messageId);
      if (reason === undefined) continue;
      if (message.receiveCount >= this.settings.maxReceiveCount) {
        this.dead.push({
          messageId: message.messageId,
          body: message.body,
          receiveCount: message.receiveCount,
          reason,
        });
      } else {
        message.visibleAt = Date.now() + this.settings.retryDelayMs;
        this.waiting.push(message);
      }
    }
  }
}
