import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../support/thrown.js';
import {
  ConfigError,
  loadConfig,
  parseCredentialSecret,
  parseWebhookSecrets,
} from '../../../lib/config/index.js';

const problemsOf = (run: () => unknown): string[] => thrownBy(ConfigError, run).problems;

describe('loadConfig', () => {
  it('refuses a sync budget above what Bitbucket allows per hour', () => {
    expect(problemsOf(() => loadConfig({ SYNC_HOURLY_REQUEST_BUDGET: '5000' }))).toEqual([
      'SYNC_HOURLY_REQUEST_BUDGET: expected at most BITBUCKET_HOURLY_REQUEST_LIMIT (1000), got 5000',
    ]);
    expect(
      loadConfig({ SYNC_HOURLY_REQUEST_BUDGET: '5000', BITBUCKET_HOURLY_REQUEST_LIMIT: '5000' }).sync,
    ).toMatchObject({ hourlyRequestBudget: 5000 });
  });

  it('reports an invalid half of a credential pair once, not also as missing', () => {
    const problems = problemsOf(() => loadConfig({ BITBUCKET_EMAIL: 'a@b', BITBUCKET_API_TOKEN: 'x' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^BITBUCKET_EMAIL: /);
  });

  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.bitbucket.apiUrl).toBe('https://api.bitbucket.org');
    expect(config.bitbucket.oauthUrl).toBe('https://bitbucket.org');
    expect(config.bitbucket.workspaces).toEqual([]);
    expect(config.bitbucket.credentials).toEqual({ from: 'none' });
    expect(config.sync.hourlyRequestBudget).toBe(800);
    expect(config.sync.membershipIntervalMs).toBe(15 * 60_000);
    expect(config.sync.deletionGuardShare).toBe(0.25);
    expect(config.local).toEqual({ port: 3000, apiTokens: [], dataDir: '.data' });
    expect(config.authorization).toEqual({});
    expect(config.store.tableName).toBe('bitbucket-governance');
  });

  it('parses workspaces, URLs and an API-token credential from the environment', () => {
    const config = loadConfig({
      BITBUCKET_API_URL: 'http://127.0.0.1:4010/',
      BITBUCKET_WORKSPACES: 'acme, widgets ,',
      BITBUCKET_EMAIL: 'ada@example.com',
      BITBUCKET_API_TOKEN: 't0k3n',
    });
    expect(config.bitbucket.apiUrl).toBe('http://127.0.0.1:4010');
    expect(config.bitbucket.workspaces).toEqual(['acme', 'widgets']);
    expect(config.bitbucket.credentials).toEqual({
      from: 'environment',
      credential: { auth: 'api-token', email: 'ada@example.com', apiToken: 't0k3n' },
    });
  });

  it('rejects a wrong value naming the variable and what was expected', () => {
    const problems = problemsOf(() => loadConfig({ SYNC_HOURLY_REQUEST_BUDGET: 'lots' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SYNC_HOURLY_REQUEST_BUDGET: expected a whole number, got "lots"$/);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ PORT: '99999', BITBUCKET_API_URL: 'ftp://x', BITBUCKET_WORKSPACES: 'Acme Corp' }),
    );
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'BITBUCKET_API_URL',
      'BITBUCKET_WORKSPACES.0',
      'PORT',
    ]);
  });

  it('refuses half a credential pair and two credentials at once', () => {
    expect(problemsOf(() => loadConfig({ BITBUCKET_EMAIL: 'ada@example.com' }))).toEqual([
      'BITBUCKET_API_TOKEN: expected it to be set together with BITBUCKET_EMAIL',
    ]);
    expect(
      problemsOf(() =>
        loadConfig({
          BITBUCKET_EMAIL: 'ada@example.com',
          BITBUCKET_API_TOKEN: 't',
          BITBUCKET_ACCESS_TOKEN: 'a',
        }),
      )[0],
    ).toMatch(/expected one credential, got api-token and access-token/);
  });

  it('never echoes the value of a secret variable in its error', () => {
    const problems = problemsOf(() => loadConfig({ LOCAL_API_TOKEN: 'short-secret' }));
    expect(problems[0]).toMatch(/^LOCAL_API_TOKEN: expected a token of at least 128 bits \(/);
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('parses WEBHOOK_SECRETS and names the bad workspace entry', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ WEBHOOK_SECRETS: JSON.stringify({ acme: secret }) }).webhooks.secrets).toEqual({
      from: 'environment',
      secrets: { acme: secret },
    });
    const problems = problemsOf(() => loadConfig({ WEBHOOK_SECRETS: JSON.stringify({ acme: 'short' }) }));
    expect(problems).toEqual(['WEBHOOK_SECRETS.acme: expected a secret of at least 16 characters']);
  });
});

describe('secret contents', () => {
  it('accepts each documented credential shape', () => {
    expect(parseCredentialSecret('{"auth":"api-token","email":"a@b.co","apiToken":"t"}', 's').auth).toBe(
      'api-token',
    );
    expect(
      parseCredentialSecret('{"auth":"oauth-client-credentials","clientId":"c","clientSecret":"s"}', 's')
        .auth,
    ).toBe('oauth-client-credentials');
    expect(parseCredentialSecret('{"auth":"access-token","token":"t"}', 's').auth).toBe('access-token');
  });

  it('names the missing field of a credential secret and hides values', () => {
    const problems = problemsOf(() =>
      parseCredentialSecret('{"auth":"api-token","email":"a@b.co"}', 'CREDENTIALS_SECRET_ARN'),
    );
    expect(problems).toEqual(['CREDENTIALS_SECRET_ARN.apiToken: expected a non-empty API token']);
    const notJson = problemsOf(() => parseCredentialSecret('apiToken=hunter2', 'CREDENTIALS_SECRET_ARN'));
    expect(notJson[0]).toMatch(/^CREDENTIALS_SECRET_ARN: expected JSON/);
    expect(notJson.join()).not.toContain('hunter2');
  });

  it('rejects an unknown auth kind (app passwords are gone)', () => {
    const problems = problemsOf(() => parseCredentialSecret('{"auth":"app-password","username":"u"}', 'S'));
    expect(problems[0]).toMatch(/^S\.auth: expected/);
  });

  it('rejects webhook secrets keyed by something that is not a workspace slug', () => {
    const problems = problemsOf(() =>
      parseWebhookSecrets(JSON.stringify({ 'Not A Slug': 'y'.repeat(20) }), 'W'),
    );
    expect(problems[0]).toMatch(/^W\.Not A Slug: expected a Bitbucket workspace slug/);
  });
});
