// The governance table. It also holds the provisioning request records that make grants idempotent
// (conditional puts on `REQ#…` items), so no separate idempotency table exists. Keys, index and TTL come from the one table definition
// the store and DynamoDB Local also use, so the deployed table cannot drift from the code.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { GSI1, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lib/store/table-definition.js';

export class GovernanceData extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new TableV2(this, 'GovernanceTable', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: GSI1.indexName,
          partitionKey: { name: GSI1.partitionKey, type: AttributeType.STRING },
          sortKey: { name: GSI1.sortKey, type: AttributeType.STRING },
        },
      ],
      timeToLiveAttribute: TTL_ATTRIBUTE,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The table is the access picture and the audit trail of every grant: never lost to a stack delete.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: TableEncryptionV2.awsManagedKey(),
    });
  }
}
