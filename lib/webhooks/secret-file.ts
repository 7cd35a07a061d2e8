// Local mode keeps webhook secrets in a JSON file under DATA_DIR, in the same `{"<slug>": "<secret>"}`
// shape as WEBHOOK_SECRETS and the AWS secret, readable only by its owner.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseWebhookSecrets, type WebhookSecrets } from '../config/index.js';
import type { WebhookSecretStore } from './install.js';

export const WEBHOOK_SECRETS_FILE = 'webhook-secrets.json';

/** Where local mode keeps the secrets: `{DATA_DIR}/webhook-secrets.json`. */
export function localWebhookSecretsPath(dataDir: string): string {
  return join(dataDir, WEBHOOK_SECRETS_FILE);
}

/** Reads the file; an absent file holds no secrets. */
export async function readWebhookSecretsFile(path: string): Promise<WebhookSecrets> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw error;
  }
  return parseWebhookSecrets(text, path);
}

export class FileWebhookSecretStore implements WebhookSecretStore {
  constructor(private readonly path: string) {}

  async get(workspaceSlug: string): Promise<string | undefined> {
    const secrets = await readWebhookSecretsFile(this.path);
    return Object.hasOwn(secrets, workspaceSlug) ? secrets[workspaceSlug] : undefined;
  }

  async put(workspaceSlug: string, secret: string): Promise<void> {
    const secrets = { ...(await readWebhookSecretsFile(this.path)), [workspaceSlug]: secret };
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // Write beside and rename, so a reader never sees half a file.
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.path);
  }
}
