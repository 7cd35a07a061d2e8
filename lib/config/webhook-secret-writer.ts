// Writes one workspace's webhook secret into the Secrets Manager secret behind WEBHOOK_SECRETS_ARN
// (`{"<workspace slug>": "<secret>"}`), keeping the other workspaces' secrets.
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseWebhookSecrets } from './config.js';
import type { WebhookSecrets } from './schemas.js';

/** The operations `installWebhook` needs; lib/webhooks declares the same shape. */
export interface WebhookSecretWriter {
  get(workspaceSlug: string): Promise<string | undefined>;
  put(workspaceSlug: string, secret: string): Promise<void>;
}

export class SecretsManagerWebhookSecretStore implements WebhookSecretWriter {
  constructor(
    private readonly secretArn: string,
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
  ) {}

  private async read(): Promise<WebhookSecrets> {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
      // A secret created empty (or with a placeholder) holds no workspace yet.
      const text = answer.SecretString?.trim();
      return text ? parseWebhookSecrets(text, 'WEBHOOK_SECRETS_ARN') : {};
    } catch (error) {
      // A secret without any value yet (created by the stack, never set) answers ResourceNotFound.
      if (error instanceof ResourceNotFoundException) return {};
      throw error;
    }
  }

  async get(workspaceSlug: string): Promise<string | undefined> {
    const secrets = await this.read();
    return Object.hasOwn(secrets, workspaceSlug) ? secrets[workspaceSlug] : undefined;
  }

  async put(workspaceSlug: string, secret: string): Promise<void> {
    const secrets = { ...(await this.read()), [workspaceSlug]: secret };
    await this.client.send(
      new PutSecretValueCommand({ SecretId: this.secretArn, SecretString: JSON.stringify(secrets) }),
    );
  }
}
