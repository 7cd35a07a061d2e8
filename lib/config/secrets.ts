// Turns a configured secret source into something the client can ask for the current value, and ask
// again after a 401 (so a rotated secret is picked up without a redeploy).
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Credential, OrganizationCredential, SyncIdentities, WebhookSecrets } from './schemas.js';
import {
  ConfigError,
  parseCredentialSecret,
  parseOrganizationCredentialSecret,
  parseSyncIdentitiesSecret,
  parseWebhookSecrets,
  type CredentialSource,
  type OrganizationCredentialSource,
  type SyncIdentitiesSource,
  type WebhookSecretSource,
} from './config.js';

/** A value read once and cached; `reload()` reads it again from its source. */
export interface SecretProvider<T> {
  current(): Promise<T>;
  reload(): Promise<T>;
}

let secretsManager: SecretsManagerClient | undefined;
function secretsManagerClient(): SecretsManagerClient {
  secretsManager ??= new SecretsManagerClient({});
  return secretsManager;
}

export async function readSecretString(secretArn: string, client = secretsManagerClient()): Promise<string> {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (answer.SecretString === undefined) {
    throw new ConfigError([`${secretArn}: expected a secret with a string value (SecretString), got none`]);
  }
  return answer.SecretString;
}

function cached<T>(read: () => Promise<T>): SecretProvider<T> {
  let value: Promise<T> | undefined;
  const reload = () => {
    value = read();
    // A failed read is not cached: the next caller tries again.
    value.catch(() => {
      value = undefined;
    });
    return value;
  };
  return { current: () => value ?? reload(), reload };
}

export function credentialProvider(
  source: CredentialSource,
  client?: SecretsManagerClient,
): SecretProvider<Credential> {
  switch (source.from) {
    case 'secrets-manager':
      return cached(async () =>
        parseCredentialSecret(await readSecretString(source.secretArn, client), 'CREDENTIALS_SECRET_ARN'),
      );
    case 'environment':
      return cached(async () => source.credential);
    case 'none':
      return cached(async () => {
        throw new ConfigError([
          'BITBUCKET_*: expected a credential (BITBUCKET_EMAIL + BITBUCKET_API_TOKEN, ' +
            'BITBUCKET_OAUTH_CLIENT_ID + BITBUCKET_OAUTH_CLIENT_SECRET, BITBUCKET_ACCESS_TOKEN or CREDENTIALS_SECRET_ARN), got none',
        ]);
      });
  }
}

/**
 * The organization credential (Atlassian Admin API key), or null when none is configured: from the
 * environment, or the `admin` part of the credentials secret (re-read on `reload()`, e.g. after a 401).
 */
export function organizationCredentialProvider(
  source: OrganizationCredentialSource,
  client?: SecretsManagerClient,
): SecretProvider<OrganizationCredential | null> {
  switch (source.from) {
    case 'secrets-manager':
      return cached(async () =>
        parseOrganizationCredentialSecret(
          await readSecretString(source.secretArn, client),
          'CREDENTIALS_SECRET_ARN',
        ),
      );
    case 'environment':
      return cached(async () => source.credential);
    case 'none':
      return cached(async () => null);
  }
}

/**
 * The sync's further identities' credentials (`[]` when none are configured): from the environment, or
 * the `syncIdentities` part of the credentials secret (re-read on `reload()`).
 */
export function syncIdentitiesProvider(
  source: SyncIdentitiesSource,
  client?: SecretsManagerClient,
): SecretProvider<SyncIdentities> {
  switch (source.from) {
    case 'secrets-manager':
      return cached(async () =>
        parseSyncIdentitiesSecret(await readSecretString(source.secretArn, client), 'CREDENTIALS_SECRET_ARN'),
      );
    case 'environment':
      return cached(async () => source.credentials);
    case 'none':
      return cached(async () => []);
  }
}

export function webhookSecretProvider(
  source: WebhookSecretSource,
  client?: SecretsManagerClient,
): SecretProvider<WebhookSecrets> {
  switch (source.from) {
    case 'secrets-manager':
      return cached(async () =>
        parseWebhookSecrets(await readSecretString(source.secretArn, client), 'WEBHOOK_SECRETS_ARN'),
      );
    case 'environment':
      return cached(async () => source.secrets);
    case 'none':
      return cached(async () => ({}));
  }
}
