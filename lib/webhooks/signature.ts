// Bitbucket signs a delivery with `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. We check
// it over the exact bytes received, before anything parses them, and in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'mismatch';

const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/i;

export function signBody(rawBody: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function checkSignature(rawBody: Buffer, header: string | undefined, secret: string): SignatureCheck {
  if (header === undefined || header === '') return 'missing';
  const hex = SIGNATURE_FORMAT.exec(header.trim())?.[1];
  if (!hex) return 'malformed';
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // Both buffers are 32 bytes here, so timingSafeEqual's length rule cannot leak anything.
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected) ? 'valid' : 'mismatch';
}
