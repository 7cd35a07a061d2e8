// Where `installWebhook` stores the secret: the local JSON file the receiver reads, and the Secrets
// Manager secret behind WEBHOOK_SECRETS_ARN (no local engine: aws-sdk-client-mock).
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerWebhookSecretStore } from '../../../lib/config/webhook-secret-writer.js';
import {
  FileWebhookSecretStore,
  localWebhookSecretsPath,
  readWebhookSecretsFile,
} from '../../../lib/webhooks/secret-file.js';

const secretA = 'a'.repeat(64);
const secretB = 'b'.repeat(64);

describe('FileWebhookSecretStore', () => {
  it('adds a workspace beside the others, in a file only its owner can read', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bbgov-secrets-'));
    const path = localWebhookSecretsPath(join(dataDir, 'nested'));
    expect(path.endsWith('nested/webhook-secrets.json')).toBe(true);
    const store = new FileWebhookSecretStore(path);
    expect(await store.get('acme')).toBeUndefined();
    await store.put('acme', secretA);
    await store.put('globex', secretB);
    await store.put('acme', secretB);
    expect(await readWebhookSecretsFile(path)).toEqual({ acme: secretB, globex: secretB });
    expect(await store.get('acme')).toBe(secretB);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not the secrets shape, naming the file but not the values', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'bbgov-secrets-')), 'webhook-secrets.json');
    await writeFile(path, JSON.stringify({ acme: 'short' }));
    await expect(readWebhookSecretsFile(path)).rejects.toThrow(/at least 16 characters/);
    await expect(readWebhookSecretsFile(path)).rejects.not.toThrow(/short/);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ acme: 'short' });
  });
});

describe('SecretsManagerWebhookSecretStore', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterEach(() => secretsManager.reset());
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhooks-AbCdEf';

  it('merges the workspace into the stored object and writes the whole object back', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ globex: secretB }) });
    secretsManager.on(PutSecretValueCommand).resolves({});
    const store = new SecretsManagerWebhookSecretStore(
      arn,
      new SecretsManagerClient({ region: 'eu-west-1' }),
    );
    expect(await store.get('globex')).toBe(secretB);
    await store.put('acme', secretA);
    const put = secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(put.SecretId).toBe(arn);
    expect(JSON.parse(put.SecretString!)).toEqual({ globex: secretB, acme: secretA });
  });

  it('starts from an empty object when the secret has no value yet', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'no version', $metadata: {} }));
    secretsManager.on(PutSecretValueCommand).resolves({});
    const store = new SecretsManagerWebhookSecretStore(
      arn,
      new SecretsManagerClient({ region: 'eu-west-1' }),
    );
    expect(await store.get('acme')).toBeUndefined();
    await store.put('acme', secretA);
    const put = secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(JSON.parse(put.SecretString!)).toEqual({ acme: secretA });
  });
});
