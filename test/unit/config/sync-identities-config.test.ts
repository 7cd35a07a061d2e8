// The sync's further Bitbucket identities: BITBUCKET_SYNC_IDENTITIES locally, `syncIdentities` in the
// credentials secret in AWS. Errors name the entry and field, never a token.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { configProblemsOf } from '../../support/config-problems.js';
import type { ConfigError } from '../../../lib/config/index.js';
import { loadConfig, syncIdentitiesProvider } from '../../../lib/config/index.js';

const TOKEN = 'second-token-that-must-never-be-printed';
const PRIMARY = { BITBUCKET_EMAIL: 'ada@example.com', BITBUCKET_API_TOKEN: 'primary-token' };
const SECOND = { auth: 'api-token', email: 'sync-two@example.com', apiToken: TOKEN };

describe('BITBUCKET_SYNC_IDENTITIES', () => {
  it('is none by default and a list of credentials when set', async () => {
    expect(loadConfig(PRIMARY).bitbucket.syncIdentities).toEqual({ from: 'none' });
    const config = loadConfig({ ...PRIMARY, BITBUCKET_SYNC_IDENTITIES: JSON.stringify([SECOND]) });
    expect(config.bitbucket.syncIdentities).toEqual({ from: 'environment', credentials: [SECOND] });
    await expect(syncIdentitiesProvider(config.bitbucket.syncIdentities).current()).resolves.toEqual([
      SECOND,
    ]);
  });

  it('refuses bad JSON, a bad entry, the primary again, a duplicate, and no primary, never echoing a token', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...PRIMARY, BITBUCKET_SYNC_IDENTITIES: '[{' }, /BITBUCKET_SYNC_IDENTITIES: expected JSON/],
      [
        { ...PRIMARY, BITBUCKET_SYNC_IDENTITIES: JSON.stringify([{ auth: 'api-token', apiToken: TOKEN }]) },
        /BITBUCKET_SYNC_IDENTITIES\.0\.email/,
      ],
      [
        {
          ...PRIMARY,
          BITBUCKET_SYNC_IDENTITIES: JSON.stringify([
            { auth: 'api-token', email: PRIMARY.BITBUCKET_EMAIL, apiToken: PRIMARY.BITBUCKET_API_TOKEN },
          ]),
        },
        /other identities than the primary/,
      ],
      [{ ...PRIMARY, BITBUCKET_SYNC_IDENTITIES: JSON.stringify([SECOND, SECOND]) }, /each identity once/],
      [{ BITBUCKET_SYNC_IDENTITIES: JSON.stringify([SECOND]) }, /expected a primary credential beside it/],
      [
        {
          CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:bbgov',
          BITBUCKET_SYNC_IDENTITIES: JSON.stringify([SECOND]),
        },
        /put "syncIdentities": \[…\] in that secret/,
      ],
    ];
    for (const [env, expected] of cases) {
      const problems = configProblemsOf(env);
      expect(problems.join('\n'), JSON.stringify(Object.keys(env))).toMatch(expected);
      expect(problems.join('\n')).not.toContain(TOKEN);
    }
  });

  it('in AWS reads "syncIdentities" from the credentials secret, [] when it has none', async () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:bbgov';
    const config = loadConfig({ CREDENTIALS_SECRET_ARN: secretArn });
    expect(config.bitbucket.syncIdentities).toEqual({ from: 'secrets-manager', secretArn });
    const secretsManager = mockClient(SecretsManagerClient);
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    const primary = { auth: 'api-token', email: 'ada@example.com', apiToken: 't' };
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ ...primary, syncIdentities: [SECOND] }) });
    const provider = syncIdentitiesProvider(config.bitbucket.syncIdentities, client);
    await expect(provider.current()).resolves.toEqual([SECOND]);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(primary) });
    await expect(provider.reload()).resolves.toEqual([]);
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ ...primary, syncIdentities: [{ auth: 'api-token' }] }) });
    const error = await provider.reload().catch((caught: unknown) => caught);
    expect(String((error as ConfigError).problems)).toMatch(
      /CREDENTIALS_SECRET_ARN\.syncIdentities\.0\.email/,
    );
    secretsManager.restore();
  });
});
