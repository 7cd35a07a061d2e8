import { describe, expect, it } from 'vitest';
import {
  backoffCeilingMs,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelayMs,
  RequestBudget,
  BudgetExhausted,
} from '../../../lib/bitbucket/index.js';

const policy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

describe('backoff', () => {
  it('doubles the ceiling per retry and caps it', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffCeilingMs(attempt, policy))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('draws a full-jitter delay anywhere between 0 and the ceiling', () => {
    for (const attempt of [0, 3, 9]) {
      const ceiling = backoffCeilingMs(attempt, policy);
      expect(retryDelayMs(attempt, policy, undefined, () => 0)).toBe(0);
      expect(retryDelayMs(attempt, policy, undefined, () => 0.5)).toBe(Math.floor(ceiling / 2));
      const highest = retryDelayMs(attempt, policy, undefined, () => 0.999_999)!;
      expect(highest).toBeLessThan(ceiling);
      expect(highest).toBeGreaterThanOrEqual(ceiling - 1);
    }
  });

  it('stays within bounds over many random draws', () => {
    for (let index = 0; index < 1000; index += 1) {
      const attempt = index % 8;
      const delay = retryDelayMs(attempt, policy, undefined)!;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeilingMs(attempt, policy));
    }
  });

  it('honours Retry-After exactly, without jitter, up to the cap', () => {
    expect(retryDelayMs(0, policy, 7000, () => 0)).toBe(7000);
    expect(retryDelayMs(4, policy, 30_000, () => 0.9)).toBe(30_000);
  });

  it('does not retry when Retry-After asks for more than the cap', () => {
    expect(retryDelayMs(0, policy, 30_001)).toBeUndefined();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-01T10:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter('Sun, 01 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('defaults to 5 retries from 500 ms up to 30 s', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual(policy);
  });
});

describe('RequestBudget', () => {
  it('counts units and refuses the one over the limit', () => {
    const budget = new RequestBudget(2);
    budget.take();
    expect([budget.spent, budget.remaining]).toEqual([1, 1]);
    budget.take();
    expect(() => budget.take()).toThrow(BudgetExhausted);
    expect([budget.spent, budget.remaining]).toEqual([2, 0]);
  });
});
