// Issue 19: a local bearer token carries at least 128 bits by an estimate that repetition cannot fool.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../support/thrown.js';
import {
  ConfigError,
  estimateTokenBits,
  loadConfig,
  MIN_LOCAL_TOKEN_BITS,
} from '../../../lib/config/index.js';

const problemsOf = (run: () => unknown): string[] => thrownBy(ConfigError, run).problems;

describe('local API token', () => {
  it('estimates bits as length × log2(distinct characters)', () => {
    expect(estimateTokenBits('aaaaaaaaaaaaaaaa')).toBe(0);
    expect(estimateTokenBits('ab'.repeat(64))).toBe(128);
    expect(estimateTokenBits('0123456789abcdef')).toBe(64);
    expect(estimateTokenBits('')).toBe(0);
  });

  it('refuses LOCAL_API_TOKEN=aaaaaaaaaaaaaaaa and other tokens under 128 bits, never echoing them', () => {
    for (const token of [
      'aaaaaaaaaaaaaaaa',
      'a'.repeat(200),
      'abcdabcdabcdabcdabcdabcdabcdabcdabcdabcd',
      'deadbeef'.repeat(4),
    ]) {
      const problems = problemsOf(() => loadConfig({ LOCAL_API_TOKEN: token }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^LOCAL_API_TOKEN: expected a token of at least 128 bits \(length × log2 of its distinct characters; this one has about \d+\): use e\.g\. `openssl rand -base64 32`/,
      );
      expect(problems[0]).not.toContain(token);
    }
  });

  it('accepts a token at or above 128 bits', () => {
    const strong = 'q7Ld0vX2mN9pR4tY6wZ8bC1eG3hJ5kS_-uAo';
    expect(estimateTokenBits(strong)).toBeGreaterThanOrEqual(MIN_LOCAL_TOKEN_BITS);
    expect(loadConfig({ LOCAL_API_TOKEN: strong }).local.apiToken).toBe(strong);
    expect(loadConfig({ LOCAL_API_TOKEN: 'ab'.repeat(64) }).local.apiToken).toBe('ab'.repeat(64));
  });
});
