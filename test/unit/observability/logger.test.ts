import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../lib/observability/index.js';
import { redactSecrets, redactString } from '../../../lib/observability/redaction.js';

afterEach(() => vi.restoreAllMocks());

function captureLogLines(run: () => void): string {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  run();
  return written.join('');
}

describe('logger', () => {
  it('never writes a secret value, whatever key or string carries it', () => {
    const apiToken = 'ATATT3xFfGF0-very-secret-token';
    const output = captureLogLines(() => {
      logger.info('calling bitbucket', {
        account: { auth: 'api-token', email: 'ada@example.com', apiToken },
        headers: { Authorization: `Basic ${Buffer.from(`ada@example.com:${apiToken}`).toString('base64')}` },
        clientSecret: 'oauth-client-secret-value',
        note: `retrying with Bearer ${apiToken}`,
        url: `https://ada:${apiToken}@api.bitbucket.org/2.0/user`,
      });
      logger.error('failed', new Error(`upstream said Bearer ${apiToken}`));
    });
    expect(output).toContain('calling bitbucket');
    expect(output).toContain('ada@example.com');
    expect(output).not.toContain(apiToken);
    expect(output).not.toContain('oauth-client-secret-value');
    expect(output).not.toContain(Buffer.from(`ada@example.com:${apiToken}`).toString('base64'));
  });
});

describe('redaction', () => {
  it('masks secret-named keys but keeps ordinary ones', () => {
    expect(redactSecrets('apiToken', 'abc')).toBe('[redacted]');
    expect(redactSecrets('clientSecret', 'abc')).toBe('[redacted]');
    expect(redactSecrets('webhookSecrets', { acme: 'x' })).toBe('[redacted]');
    // The organization's Admin API key, under every name it travels by.
    expect(redactSecrets('apiKey', 'org-key')).toBe('[redacted]');
    expect(redactSecrets('ATLASSIAN_ADMIN_API_KEY', 'org-key')).toBe('[redacted]');
    expect(JSON.stringify({ admin: { orgId: 'o', apiKey: 'org-key' } }, redactSecrets)).not.toContain(
      'org-key',
    );
    expect(redactSecrets('workspace', 'acme')).toBe('acme');
    expect(redactSecrets('keyword', 'acme')).toBe('acme');
    expect(redactSecrets('tokenExpiresAt', '2026-12-01')).toBe('2026-12-01');
  });

  it('cuts credentials out of free text', () => {
    expect(redactString('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer [redacted]');
    expect(redactString('see https://u:p4ss@host/x')).toBe('see https://[redacted]@host/x');
  });
});
