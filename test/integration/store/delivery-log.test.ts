// Delivery keys against DynamoDB Local: an id (X-Request-UUID) is a repeat for a day, a signed body's
// digest for 90 days, because a captured signed body never stops verifying.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryLog } from '../../../lib/store/delivery-log.js';
import { freshTable } from '../../support/dynamodb.js';

let table: Awaited<ReturnType<typeof freshTable>>;
beforeAll(async () => {
  table = await freshTable('delivery-log');
});
afterAll(() => table.client.destroy());

const DAY_MS = 24 * 60 * 60 * 1000;

describe('DeliveryLog', () => {
  it('keeps a delivery id for a day and a body digest for 90 days', async () => {
    let now = new Date('2026-11-29T00:00:00.000Z');
    const log = new DeliveryLog({ ...table, now: () => now });
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(await log.record('acme', 'uuid-1')).toBe(true);
    expect(await log.record('acme', digest)).toBe(true);
    expect(await log.record('acme', 'uuid-1')).toBe(false);

    now = new Date(now.getTime() + 2 * DAY_MS);
    expect(await log.record('acme', 'uuid-1')).toBe(true);
    expect(await log.record('acme', digest)).toBe(false);

    now = new Date(now.getTime() + 80 * DAY_MS);
    expect(await log.record('acme', digest)).toBe(false);
    now = new Date(now.getTime() + 9 * DAY_MS);
    expect(await log.record('acme', digest)).toBe(true);
    // Another workspace's keys are its own.
    expect(await log.record('globex', 'uuid-1')).toBe(true);
  });

  it('forgets a key so a retry is accepted', async () => {
    const log = new DeliveryLog({ ...table });
    expect(await log.record('acme', 'uuid-2')).toBe(true);
    await log.forget('acme', 'uuid-2');
    expect(await log.record('acme', 'uuid-2')).toBe(true);
  });
});
