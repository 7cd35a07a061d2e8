// Every store of the one governance table, built together from one document client: what a composition
// root (functions/commons for AWS, lib/local for one machine) hands to the use cases.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AccessRequestStore } from './access-requests.js';
import { ActivityLog } from './activity-log.js';
import { DeliveryLog } from './delivery-log.js';
import { GovernanceStore } from './governance-store.js';
import { ProvisioningRequestStore } from './provisioning-requests.js';
import { ReviewCampaignStore } from './review-campaigns.js';
import { RequestLedger, SyncStateStore } from './sync-state.js';

/** The table every store reads and writes: a document client and the table's name. */
export interface GovernanceTable {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
}

export interface GovernanceStores {
  /** Resources, grants, change records, exports' reads. */
  store: GovernanceStore;
  /** Scope states, pass status, leases. */
  syncState: SyncStateStore;
  /** Requests spent on Bitbucket per rolling hour, by purpose. */
  ledger: RequestLedger;
  /** Requests spent on the Atlassian Admin API per rolling hour (its own limit), by purpose. */
  adminLedger: RequestLedger;
  /** The ledger of another Bitbucket identity (the sync's further identities): its own rolling hour. */
  ledgerOf(identity: string): RequestLedger;
  /** Provisioning requests (idempotency and audit). */
  requests: ProvisioningRequestStore;
  /** Access requests and their decisions. */
  accessRequests: AccessRequestStore;
  /** Access-review campaigns and their frozen items. */
  reviews: ReviewCampaignStore;
  /** Who was last active where (webhook activity). */
  activity: ActivityLog;
  /** Webhook delivery ids already received. */
  deliveryLog: DeliveryLog;
}

/** Builds every store over `table`. Builds clients only; sends nothing. */
export function governanceStores(table: GovernanceTable): GovernanceStores {
  return {
    store: new GovernanceStore(table),
    syncState: new SyncStateStore(table),
    ledger: new RequestLedger(table),
    adminLedger: new RequestLedger({ ...table, identity: 'atlassian-admin' }),
    ledgerOf: (identity) => new RequestLedger({ ...table, identity }),
    requests: new ProvisioningRequestStore(table),
    accessRequests: new AccessRequestStore(table),
    reviews: new ReviewCampaignStore(table),
    activity: new ActivityLog(table),
    deliveryLog: new DeliveryLog(table),
  };
}
