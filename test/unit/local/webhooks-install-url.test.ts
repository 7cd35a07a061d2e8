// Issue 19: `bbgov webhooks install` registers an https receiver only; http needs --allow-insecure, which is
// accepted for a loopback host alone. Refused before the store starts or Bitbucket is called.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../support/thrown.js';
import type { BitbucketClient } from '../../../lib/bitbucket/index.js';
import { parseCommandLine, UsageError, type ParsedCommand } from '../../../lib/local/cli-commands.js';
import { checkWebhooksArguments } from '../../../lib/local/cli-server-commands.js';
import { installWebhook, InsecureWebhookUrl } from '../../../lib/webhooks/install.js';

function webhooks(...args: string[]): ParsedCommand {
  return parseCommandLine(['webhooks', 'install', ...args]) as ParsedCommand;
}

const usageErrorOf = (run: () => unknown): UsageError => thrownBy(UsageError, run);

describe('webhooks install --url', () => {
  it('accepts https for any host', () => {
    expect(checkWebhooksArguments(webhooks('--url', 'https://api.example.com/webhooks/bitbucket/acme'))).toBe(
      'https://api.example.com/webhooks/bitbucket/acme',
    );
  });

  it('refuses http to a remote host, with or without --allow-insecure', () => {
    const plain = usageErrorOf(() => checkWebhooksArguments(webhooks('--url', 'http://hooks.example.com/w')));
    expect(plain.message).toBe(
      '--url: https is required (signed deliveries would travel in clear text); http is possible with --allow-insecure for a loopback host only (127.0.0.0/8, ::1, localhost)',
    );
    const forced = usageErrorOf(() =>
      checkWebhooksArguments(webhooks('--url', 'http://hooks.example.com/w', '--allow-insecure')),
    );
    expect(forced.message).toBe(
      '--url: --allow-insecure is accepted for a loopback host only (127.0.0.0/8, ::1, localhost), not hooks.example.com; use an https URL',
    );
    expect(forced.usage).toContain('[--allow-insecure]');
  });

  it('refuses http to loopback unless --allow-insecure is given', () => {
    expect(
      usageErrorOf(() =>
        checkWebhooksArguments(webhooks('--url', 'http://127.0.0.1:3000/webhooks/bitbucket/acme')),
      ).message,
    ).toBe(
      '--url: https is required (signed deliveries would travel in clear text); for a receiver on this machine add --allow-insecure',
    );
    for (const url of ['http://127.0.0.1:3000/w', 'http://localhost:3000/w', 'http://[::1]:3000/w'])
      expect(checkWebhooksArguments(webhooks('--url', url, '--allow-insecure'))).toBe(url);
  });

  it('refuses --allow-insecure for an https URL on a remote host, and a URL that is not http(s)', () => {
    expect(
      usageErrorOf(() =>
        checkWebhooksArguments(webhooks('--url', 'https://hooks.example.com/w', '--allow-insecure')),
      ).message,
    ).toMatch(/^--url: --allow-insecure is accepted for a loopback host only/);
    expect(usageErrorOf(() => checkWebhooksArguments(webhooks('--url', 'ftp://example.com/w'))).message).toBe(
      '--url: expected the receiver URL, e.g. https://…/webhooks/bitbucket/<workspace>',
    );
    expect(usageErrorOf(() => checkWebhooksArguments(webhooks())).message).toMatch(
      /^--url: expected the receiver URL/,
    );
  });

  it('installWebhook itself refuses http before storing a secret or calling Bitbucket', async () => {
    const touched: string[] = [];
    const client = new Proxy({} as BitbucketClient, {
      get: (_target, name) => () => {
        touched.push(String(name));
        return Promise.resolve([]);
      },
    });
    const secretStore = {
      get: async () => {
        touched.push('secret.get');
        return undefined;
      },
      put: async () => {
        touched.push('secret.put');
      },
    };
    await expect(
      installWebhook({ client, workspaceSlug: 'acme', url: 'http://hooks.example.com/w', secretStore }),
    ).rejects.toThrow(InsecureWebhookUrl);
    await expect(
      installWebhook({
        client,
        workspaceSlug: 'acme',
        url: 'http://hooks.example.com/w',
        secretStore,
        allowInsecure: true,
      }),
    ).rejects.toThrow(/loopback host only/);
    expect(touched).toEqual([]);
  });
});
