// The Bitbucket credential and the per-workspace webhook secrets. Created empty (the operator puts the
// value with `aws secretsmanager put-secret-value`, so no secret ever passes through CloudFormation), or
// imported by complete ARN from context when they already exist.
//
// Each created secret is encrypted with a customer-managed KMS key of its own, so reading it takes a
// decrypt grant on that key as well as `secretsmanager:GetSecretValue`: with the AWS-managed
// `aws/secretsmanager` key, any principal allowed GetSecretValue on `*` could read the credential. One key
// per secret lets the key policy name exactly the functions that read that secret.
//
// The key policy is written out in full instead of CDK's default, whose statement gives the account root
// `kms:*`: that lets any IAM policy grant decrypt, so a principal allowed `kms:Decrypt` and GetSecretValue
// on `*` could still read the credential. Here the account may only administer the key; using it takes a
// statement of the key policy itself that names the principal.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  ArnPrincipal,
  PolicyDocument,
  PolicyStatement,
  type IRole,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret, type CfnSecret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The two secrets of the stack, by the name the constructs and grants use. */
export type SecretName = 'credentials' | 'webhookSecrets';

/**
 * What the account, and through it any IAM policy, may do with a created key: administer it (so the key
 * can never be orphaned), never use it. This is AWS's key-administrator list with `kms:Create*` narrowed to
 * `kms:CreateAlias`: the wildcard also matches `kms:CreateGrant`, and a grant lets its holder decrypt
 * without the key policy naming it. `kms:Put*` (PutKeyPolicy) stays: an administrator can rewrite the
 * policy, which CloudTrail records.
 */
const KEY_ADMINISTRATION_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** What a secret operator may do with each created key: write a value (GenerateDataKey) and read it. */
const SECRET_OPERATOR_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

export interface GovernanceSecretsProps {
  credentialsSecretArn?: string;
  webhookSecretsArn?: string;
  /** The KMS key ARN that encrypts the imported credentials secret; unset: its AWS-managed key. */
  credentialsKeyArn?: string;
  /** The KMS key ARN that encrypts the imported webhook-secrets secret; unset: its AWS-managed key. */
  webhookSecretsKeyArn?: string;
  /**
   * ARNs of the IAM roles or users who put the secret values (an operator, `bbgov webhooks install`): each
   * created key lets them generate data keys and decrypt, through Secrets Manager only.
   */
  secretOperators?: readonly string[];
}

/** Where a secret's key comes from, which decides where a decrypt grant can be written. */
type SecretKey =
  { kind: 'created'; key: Key } | { kind: 'imported'; keyArn: string } | { kind: 'aws-managed' };

export class GovernanceSecrets extends Construct {
  readonly credentials: ISecret;
  readonly webhookSecrets: ISecret;
  /** The secrets this stack created (imported ones are someone else's to manage). */
  readonly created: Secret[] = [];
  /** The customer-managed key of each secret this stack created. */
  readonly keys: Partial<Record<SecretName, Key>> = {};
  private readonly secretKeys: Record<SecretName, SecretKey>;
  /** The statement of each created key that names its reading functions, made on the first grantRead(). */
  private readonly readerStatements: Partial<Record<SecretName, PolicyStatement>> = {};

  constructor(scope: Construct, id: string, props: GovernanceSecretsProps) {
    super(scope, id);
    const operators = [...new Set(props.secretOperators ?? [])];
    const credentials = this.secret('Credentials', 'credentials', props.credentialsSecretArn, {
      importedKeyArn: props.credentialsKeyArn,
      description:
        'Bitbucket Cloud credential of bitbucket-governance: JSON with "auth" = api-token, oauth-client-credentials or access-token',
      keyDescription: 'Encrypts the Bitbucket credential secret of bitbucket-governance',
      noRotationReason:
        'The credential is issued by Atlassian (API token, OAuth consumer or access token); no Secrets Manager rotation function can create one. It is rotated in Bitbucket and put here, and the functions re-read it on a 401.',
    });
    const webhookSecrets = this.secret('WebhookSecrets', 'webhook-secrets', props.webhookSecretsArn, {
      importedKeyArn: props.webhookSecretsKeyArn,
      description:
        'Bitbucket webhook signing secrets of bitbucket-governance: JSON object mapping workspace slug to secret',
      keyDescription: 'Encrypts the webhook signing secrets of bitbucket-governance',
      noRotationReason:
        'Each secret is shared with a webhook registered in Bitbucket; rotating it here alone would reject every delivery. It is rotated together with the hook by `bbgov webhooks install`.',
    });
    this.credentials = credentials.secret;
    this.webhookSecrets = webhookSecrets.secret;
    this.secretKeys = { credentials: credentials.key, webhookSecrets: webhookSecrets.key };
    for (const name of ['credentials', 'webhookSecrets'] as const) {
      const secretKey = this.secretKeys[name];
      if (secretKey.kind !== 'created') continue;
      this.keys[name] = secretKey.key;
      if (operators.length > 0)
        secretKey.key.addToResourcePolicy(
          new PolicyStatement({
            sid: 'SecretOperatorsPutAndReadThroughSecretsManager',
            principals: operators.map((arn) => new ArnPrincipal(arn)),
            actions: SECRET_OPERATOR_ACTIONS,
            // In a key policy `*` means this key.
            resources: ['*'],
            conditions: this.viaSecretsManager(),
          }),
        );
    }
  }

  /**
   * Lets `role` read one secret: `secretsmanager:GetSecretValue` on it, and `kms:Decrypt` on its key only
   * when Secrets Manager asks on the role's behalf. A created key's policy names the role (its account may
   * not grant use through IAM, so `key.grantDecrypt()` would write a statement that never applies); an
   * imported key's policy is not ours, so the grant goes on the role and that key's policy must allow IAM
   * grants.
   */
  grantRead(name: SecretName, role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this[name].secretArn] }),
    );
    const secretKey = this.secretKeys[name];
    switch (secretKey.kind) {
      case 'created': {
        const readers = this.readerStatements[name];
        if (readers) {
          readers.addPrincipals(role);
          return;
        }
        const statement = new PolicyStatement({
          sid: 'ReadingFunctionsDecryptThroughSecretsManager',
          principals: [role],
          actions: ['kms:Decrypt'],
          // In a key policy `*` means this key.
          resources: ['*'],
          conditions: this.viaSecretsManager(),
        });
        this.readerStatements[name] = statement;
        secretKey.key.addToResourcePolicy(statement);
        return;
      }
      case 'imported':
        role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [secretKey.keyArn],
            conditions: this.viaSecretsManager(),
          }),
        );
        return;
      case 'aws-managed':
        // The aws/secretsmanager key lets every principal of the account decrypt through Secrets Manager.
        return;
    }
  }

  private viaSecretsManager() {
    return { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } };
  }

  private secret(
    id: string,
    aliasName: string,
    importArn: string | undefined,
    text: { importedKeyArn?: string; description: string; keyDescription: string; noRotationReason: string },
  ): { secret: ISecret; key: SecretKey } {
    if (importArn) {
      const secret = Secret.fromSecretCompleteArn(this, id, importArn);
      const key: SecretKey = text.importedKeyArn
        ? { kind: 'imported', keyArn: text.importedKeyArn }
        : { kind: 'aws-managed' };
      return { secret, key };
    }
    // With @aws-cdk/aws-kms:defaultKeyPolicies (always on in CDK v2) a `policy` given here replaces CDK's
    // default (`kms:*` for the account root) instead of being added to it. The account administers the key,
    // which also lets CloudFormation's execution role manage, update and delete it; no one may use it but
    // the principals a statement names: the reading functions (grantRead()) and the secret operators.
    // The secret is created empty, so creating it calls no KMS operation and CloudFormation's role needs
    // no use of the key.
    const key = new Key(this, `${id}Key`, {
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'AccountAdministersTheKeyButCannotUseIt',
            principals: [new AccountRootPrincipal()],
            actions: KEY_ADMINISTRATION_ACTIONS,
            resources: ['*'],
          }),
        ],
      }),
      description: text.keyDescription,
      alias: `alias/bitbucket-governance/${Stack.of(this).stackName}/${aliasName}`,
      enableKeyRotation: true,
      // Goes with its secret; the 30-day waiting period outlasts the secret's own recovery window.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    const secret = new Secret(this, id, {
      description: text.description,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Set on the L1 resource instead of `encryptionKey`: that prop also adds a key-policy statement letting
    // every principal of the account encrypt and decrypt through Secrets Manager, which is the very
    // exposure this key removes.
    const resource = secret.node.defaultChild as CfnSecret;
    resource.kmsKeyId = key.keyArn;
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: text.noRotationReason });
    // Without a value or a generator CloudFormation creates the secret with no version at all; CDK would
    // otherwise fill it with a random password that is neither valid JSON nor a real credential.
    resource.addPropertyDeletionOverride('GenerateSecretString');
    this.created.push(secret);
    return { secret, key: { kind: 'created', key } };
  }
}
