// The in-process queue of local mode: SQS-shaped batches, partial failures received again, a
// dead-letter list after the receive limit, and a thrown handler failing the whole batch.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalEventQueue } from '../../../lib/local/event-queue.js';
import type { WebhookEventMessage } from '../../../lib/webhooks/event-message.js';

function message(deliveryId: string, eventKey = 'repo:push'): WebhookEventMessage {
  return { eventKey, workspace: 'acme', deliveryId, receivedAt: '2026-11-27T10:00:00.000Z' };
}

const deliveryOf = (body: string) => (JSON.parse(body) as WebhookEventMessage).deliveryId;

describe('LocalEventQueue', () => {
  it('hands SQS-shaped batches of at most batchSize records to the handler', async () => {
    const batches: SQSEvent[] = [];
    const queue = new LocalEventQueue({
      handler: async (event) => {
        batches.push(event);
        return { batchItemFailures: [] };
      },
      batchSize: 10,
      autoDrain: false,
    });
    for (let i = 0; i < 23; i++) await queue.enqueue(message(`d${i}`));
    expect(queue.depth).toBe(23);
    await queue.drain();
    expect(batches.map((batch) => batch.Records.length)).toEqual([10, 10, 3]);
    const record = batches[0]!.Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { eventKey: { dataType: 'String', stringValue: 'repo:push' } },
    });
    expect(deliveryOf(record.body)).toBe('d0');
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(queue.depth).toBe(0);
    expect(queue.sentCount).toBe(23);
    expect(queue.deadLetters).toEqual([]);
  });

  it('receives reported failures again and dead-letters them after maxReceiveCount', async () => {
    const received: Record<string, number> = {};
    const queue = new LocalEventQueue({
      handler: async (event): Promise<SQSBatchResponse> => {
        const failures = [];
        for (const record of event.Records) {
          const id = deliveryOf(record.body);
          received[id] = Number(record.attributes.ApproximateReceiveCount);
          // d1 fails always, d2 fails once then succeeds.
          if (id === 'd1' || (id === 'd2' && received[id] === 1))
            failures.push({ itemIdentifier: record.messageId });
        }
        return { batchItemFailures: failures };
      },
      maxReceiveCount: 3,
      retryDelayMs: 0,
      autoDrain: false,
    });
    for (const id of ['d0', 'd1', 'd2']) await queue.enqueue(message(id));
    await queue.drain();
    expect(received).toEqual({ d0: 1, d1: 3, d2: 2 });
    expect(queue.deadLetters).toHaveLength(1);
    expect(deliveryOf(queue.deadLetters[0]!.body)).toBe('d1');
    expect(queue.deadLetters[0]!.receiveCount).toBe(3);
  });

  it('fails the whole batch when the handler throws', async () => {
    let calls = 0;
    const queue = new LocalEventQueue({
      handler: async () => {
        calls += 1;
        throw new Error('every record failed');
      },
      maxReceiveCount: 2,
      retryDelayMs: 0,
      autoDrain: false,
    });
    await queue.enqueue(message('a'));
    await queue.enqueue(message('b'));
    await queue.drain();
    expect(calls).toBe(2);
    expect(queue.deadLetters.map((letter) => letter.reason)).toEqual([
      'Error: every record failed',
      'Error: every record failed',
    ]);
  });

  it('drains on its own, in one batch, once the batching window has passed', async () => {
    let handled: (records: string[]) => void = () => undefined;
    const firstBatch = new Promise<string[]>((resolve) => (handled = resolve));
    const queue = new LocalEventQueue({
      handler: async (event) => handled(event.Records.map((record) => deliveryOf(record.body))),
      batchingWindowMs: 5,
    });
    await queue.enqueue(message('auto-1'));
    await queue.enqueue(message('auto-2'));
    // Nobody calls drain(): the window elapses and the queue hands both messages over by itself.
    expect(await firstBatch).toEqual(['auto-1', 'auto-2']);
  });
});
