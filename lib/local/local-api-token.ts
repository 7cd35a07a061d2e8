// The local API's bearer token when LOCAL_API_TOKEN is unset: random, and strong by the same estimate the
// configuration applies to a token that is set.
import { randomBytes } from 'node:crypto';
import { estimateTokenBits, MIN_LOCAL_TOKEN_BITS } from '../config/index.js';

/**
 * 32 random bytes as base64url (43 characters, 256 bits), always at least MIN_LOCAL_TOKEN_BITS by
 * estimateTokenBits: a draw repetitive enough to fall short (about never) is drawn again.
 */
export function randomLocalApiToken(): string {
  for (;;) {
    const token = randomBytes(32).toString('base64url');
    if (estimateTokenBits(token) >= MIN_LOCAL_TOKEN_BITS) return token;
  }
}
