// The organization credential (Atlassian Admin API) and the administration mode: from the environment
// locally, from the credentials secret's `admin` part in AWS; the key is never echoed.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { configProblemsOf } from '../../support/config-problems.js';
import type { ConfigError } from '../../../lib/config/index.js';
import { loadConfig, organizationCredentialProvider } from '../../../lib/config/index.js';

const KEY = 'org-key-that-must-never-be-printed';

describe('organization configuration', () => {
  it('defaults: no organization credential, administration discovered, the public Admin API', () => {
    const config = loadConfig({});
    expect(config.organization).toEqual({
      apiUrl: 'https://api.atlassian.com',
      administration: 'auto',
      hourlyRequestLimit: 1000,
      credentials: { from: 'none' },
    });
  });

  it('reads ATLASSIAN_ORG_ID, ATLASSIAN_ADMIN_API_KEY, ATLASSIAN_ADMIN_API_URL and BITBUCKET_ADMINISTRATION', () => {
    const config = loadConfig({
      ATLASSIAN_ORG_ID: 'org-1',
      ATLASSIAN_ADMIN_API_KEY: KEY,
      ATLASSIAN_ADMIN_API_URL: 'http://127.0.0.1:4010/',
      BITBUCKET_ADMINISTRATION: 'organization',
    });
    expect(config.organization).toMatchObject({
      apiUrl: 'http://127.0.0.1:4010',
      administration: 'organization',
      credentials: { from: 'environment', credential: { orgId: 'org-1', apiKey: KEY } },
    });
  });

  it('names the missing half of the pair and never prints the key', () => {
    const problems = configProblemsOf({ ATLASSIAN_ADMIN_API_KEY: KEY, BITBUCKET_ADMINISTRATION: 'org' });
    expect(problems).toContain(
      'ATLASSIAN_ORG_ID: expected it to be set together with ATLASSIAN_ADMIN_API_KEY',
    );
    expect(problems.join('\n')).toMatch(
      /BITBUCKET_ADMINISTRATION: expected one of auto, bitbucket, organization/,
    );
    expect(problems.join('\n')).not.toContain(KEY);
  });

  it('in AWS reads the key from the credentials secret\'s "admin" part, and none when it has none', async () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:bbgov';
    const config = loadConfig({ CREDENTIALS_SECRET_ARN: secretArn });
    expect(config.organization.credentials).toEqual({ from: 'secrets-manager', secretArn });
    const secretsManager = mockClient(SecretsManagerClient);
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        auth: 'api-token',
        email: 'ada@example.com',
        apiToken: 't',
        admin: { orgId: 'org-1', apiKey: KEY },
      }),
    });
    const provider = organizationCredentialProvider(config.organization.credentials, client);
    await expect(provider.current()).resolves.toEqual({ orgId: 'org-1', apiKey: KEY });
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ auth: 'api-token', email: 'ada@example.com', apiToken: 't' }),
    });
    await expect(provider.reload()).resolves.toBeNull();
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ auth: 'api-token', admin: { orgId: 'org-1', apiKey: '' } }),
    });
    const error = await provider.reload().catch((caught: unknown) => caught);
    expect(String((error as ConfigError).problems)).toMatch(
      /CREDENTIALS_SECRET_ARN\.admin\.apiKey: expected a non-empty/,
    );
    secretsManager.restore();
  });

  it('refuses a key in the environment beside the credentials secret', () => {
    const problems = configProblemsOf({
      CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:bbgov',
      ATLASSIAN_ORG_ID: 'org-1',
      ATLASSIAN_ADMIN_API_KEY: KEY,
    });
    expect(problems.join('\n')).toMatch(
      /ATLASSIAN_ADMIN_API_KEY: expected no key in the environment beside CREDENTIALS_SECRET_ARN/,
    );
  });
});
