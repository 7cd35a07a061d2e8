// The rolling hour's one home: a budget opens at what the hour has left for its purpose (within the
// purpose's share and the identity's limit, then the cap), and what it spent reaches the ledger once,
// also when the work fails.
import { describe, expect, it } from 'vitest';
import {
  hourLeftFor,
  limitsFollowing,
  openHourlyBudget,
  withHourlyBudget,
  type HourLedger,
} from '../../../lib/budget/index.js';

function memoryLedger(spent: { total: number; byPurpose: Record<string, number>; observedLimit?: number }) {
  const records: { purpose: string; requests: number; observedLimit?: number }[] = [];
  const ledger: HourLedger = {
    spentInLastHour: async () => spent,
    record: async (purpose, requests, _now, observedLimit) => {
      records.push({ purpose, requests, ...(observedLimit === undefined ? {} : { observedLimit }) });
    },
  };
  return { ledger, records };
}

describe('hourLeftFor', () => {
  it('is the smaller of the purpose share left and the identity limit left, never below 0', () => {
    const spent = { total: 950, byPurpose: { sync: 700, webhook: 250 } };
    expect(hourLeftFor('sync', spent, { hourlyLimit: 1000, purposeLimit: 800 })).toBe(50);
    expect(
      hourLeftFor('sync', { total: 750, byPurpose: { sync: 750 } }, { hourlyLimit: 1000, purposeLimit: 800 }),
    ).toBe(50);
    expect(hourLeftFor('webhook', spent, { hourlyLimit: 1000 })).toBe(50);
    expect(hourLeftFor('provisioning', { total: 1200, byPurpose: {} }, { hourlyLimit: 1000 })).toBe(0);
  });
});

describe('openHourlyBudget', () => {
  it('opens at what the hour has left, capped, and records what was spent once', async () => {
    const { ledger, records } = memoryLedger({ total: 990, byPurpose: {} });
    const opened = await openHourlyBudget(ledger, 'provisioning', { hourlyLimit: 1000, cap: 5 });
    expect(opened.hourLeft).toBe(10);
    expect(opened.budget.limit).toBe(5);
    opened.budget.take();
    opened.budget.take();
    await opened.close();
    await opened.close();
    expect(records).toEqual([{ purpose: 'provisioning', requests: 2 }]);
  });

  it('records what failed work spent', async () => {
    const { ledger, records } = memoryLedger({ total: 0, byPurpose: {} });
    await expect(
      withHourlyBudget(ledger, 'discovery', { hourlyLimit: 1000, cap: 5 }, async ({ budget }) => {
        budget.take();
        throw new Error('Bitbucket said no');
      }),
    ).rejects.toThrow('Bitbucket said no');
    expect(records).toEqual([{ purpose: 'discovery', requests: 1 }]);
  });
});

describe('a limit Bitbucket stated (X-RateLimit-Limit)', () => {
  it('replaces the identity limit and scales the purpose share with it', () => {
    expect(limitsFollowing({ hourlyLimit: 1000, purposeLimit: 800 }, 5000)).toEqual({
      hourlyLimit: 5000,
      purposeLimit: 4000,
    });
    expect(limitsFollowing({ hourlyLimit: 1000 }, 2500)).toEqual({ hourlyLimit: 2500 });
    expect(limitsFollowing({ hourlyLimit: 1000, purposeLimit: 800 }, undefined)).toEqual({
      hourlyLimit: 1000,
      purposeLimit: 800,
    });
  });

  it('sizes the budget from the stated limit in the ledger and records a newly stated one on close', async () => {
    const { ledger, records } = memoryLedger({ total: 900, byPurpose: { sync: 900 }, observedLimit: 5000 });
    const opened = await openHourlyBudget(ledger, 'sync', {
      hourlyLimit: 1000,
      purposeLimit: 800,
      observedLimit: () => 6000,
    });
    // 4,000 of a stated 5,000 for the sync, 900 spent: 3,100 left (the configured 800 would leave none).
    expect(opened.hourLeft).toBe(3100);
    await opened.close();
    expect(records).toEqual([{ purpose: 'sync', requests: 0, observedLimit: 6000 }]);
  });
});
