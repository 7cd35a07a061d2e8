// Issue 19: the random local API token made when LOCAL_API_TOKEN is unset passes the same 128-bit check a
// configured token must pass.
import { describe, expect, it } from 'vitest';
import { estimateTokenBits, loadConfig, MIN_LOCAL_TOKEN_BITS } from '../../../lib/config/index.js';
import { randomLocalApiToken } from '../../../lib/local/local-api-token.js';

describe('randomLocalApiToken', () => {
  it('is random, URL-safe and always strong enough to be set as LOCAL_API_TOKEN', () => {
    const tokens = Array.from({ length: 500 }, () => randomLocalApiToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(estimateTokenBits(token)).toBeGreaterThanOrEqual(MIN_LOCAL_TOKEN_BITS);
    }
    expect(loadConfig({ LOCAL_API_TOKEN: tokens[0] }).local.apiToken).toBe(tokens[0]);
  });
});
