// The Bitbucket credential and the per-workspace webhook secrets. Created empty (the operator puts the
// value with `aws secretsmanager put-secret-value`, so no secret ever passes through CloudFormation), or
// imported by complete ARN from context when they already exist.
import type { CfnResource } from 'aws-cdk-lib';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface GovernanceSecretsProps {
  credentialsSecretArn?: string;
  webhookSecretsArn?: string;
}

export class GovernanceSecrets extends Construct {
  readonly credentials: ISecret;
  readonly webhookSecrets: ISecret;
  /** The secrets this stack created (imported ones are someone else's to manage). */
  readonly created: Secret[] = [];

  constructor(scope: Construct, id: string, props: GovernanceSecretsProps) {
    super(scope, id);
    this.credentials = this.secret('Credentials', props.credentialsSecretArn, {
      description:
        'Bitbucket Cloud credential of bitbucket-governance: JSON with "auth" = api-token, oauth-client-credentials or access-token',
      noRotationReason:
        'The credential is issued by Atlassian (API token, OAuth consumer or access token); no Secrets Manager rotation function can create one. It is rotated in Bitbucket and put here, and the functions re-read it on a 401.',
    });
    this.webhookSecrets = this.secret('WebhookSecrets', props.webhookSecretsArn, {
      description:
        'Bitbucket webhook signing secrets of bitbucket-governance: JSON object mapping workspace slug to secret',
      noRotationReason:
        'Each secret is shared with a webhook registered in Bitbucket; rotating it here alone would reject every delivery. It is rotated together with the hook by `bbgov webhooks install`.',
    });
  }

  private secret(
    id: string,
    importArn: string | undefined,
    text: { description: string; noRotationReason: string },
  ): ISecret {
    if (importArn) return Secret.fromSecretCompleteArn(this, id, importArn);
    const secret = new Secret(this, id, {
      description: text.description,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: text.noRotationReason });
    // Without a value or a generator CloudFormation creates the secret with no version at all; CDK would
    // otherwise fill it with a random password that is neither valid JSON nor a real credential.
    (secret.node.defaultChild as CfnResource).addPropertyDeletionOverride('GenerateSecretString');
    this.created.push(secret);
    return secret;
  }
}
