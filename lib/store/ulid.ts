// ULIDs for change records: sortable by time, unique without coordination. Monotonic within one
// process so records written in the same millisecond keep their order.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i += 1) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function randomPart(): number[] {
  return [...randomBytes(16)].map((byte) => byte % 32);
}

/** Returns a generator of ULIDs; each call is strictly greater than the previous one. */
export function monotonicUlid(): (ms: number) => string {
  let lastMs = -1;
  let lastRandom: number[] = [];
  return (ms: number) => {
    if (ms <= lastMs) {
      // Same (or earlier) millisecond: increment the random part, carrying like a base-32 number.
      const next = [...lastRandom];
      for (let i = next.length - 1; i >= 0; i -= 1) {
        const digit = (next[i] ?? 0) + 1;
        next[i] = digit % 32;
        if (digit < 32) break;
      }
      lastRandom = next;
    } else {
      lastMs = ms;
      lastRandom = randomPart();
    }
    return encodeTime(lastMs) + lastRandom.map((digit) => ALPHABET.charAt(digit)).join('');
  };
}
