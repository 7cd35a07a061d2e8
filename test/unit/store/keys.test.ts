// Prefix reads are key ranges (prefix … prefix + PREFIX_END): every key under a prefix must sort inside
// that range, which holds because key parts cannot contain '#', U+FFFF or characters beyond it.
import { describe, expect, it } from 'vitest';
import {
  grantKey,
  grantsOnPrefix,
  PREFIX_END,
  resourceKey,
  resourceTypePrefix,
} from '../../../lib/store/keys.js';

const WS = '0f8fad5b-d9cb-469f-a165-70867728950e';
/** DynamoDB orders string keys by their UTF-8 bytes. */
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('key parts', () => {
  it('rejects U+FFFF and characters beyond the basic plane, naming the part', () => {
    for (const id of ['dev\uffffs', 'team-😀', 'half\ud83d']) {
      expect(() => resourceKey(WS, 'group', id)).toThrow(
        expect.objectContaining({
          name: 'InvalidIdentifierError',
          message: expect.stringContaining('group id'),
        }),
      );
    }
  });

  it('keeps every key under a prefix inside the range that ends at prefix + PREFIX_END', () => {
    const ids = ['a', 'Z', '0', '~', 'é', 'ÿ', '中文', '\u{fffd}', 'x'.repeat(200), '{3fa85f64}'];
    for (const id of ids) {
      const cases = [
        [resourceTypePrefix('group'), resourceKey(WS, 'group', id).SK],
        [grantsOnPrefix('group', id), grantKey(WS, { type: 'group', id }, { type: 'user', id: 'ada' }).SK],
      ] as const;
      for (const [prefix, key] of cases) {
        expect(utf8Order(prefix, key)).toBeLessThanOrEqual(0);
        expect(utf8Order(key, `${prefix}${PREFIX_END}`)).toBeLessThan(0);
      }
    }
  });
});
