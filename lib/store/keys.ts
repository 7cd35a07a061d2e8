// Every key of the governance table (DESIGN §3), built in one place. Later modules import these
// builders; nobody writes a key string by hand.
import {
  InvalidIdentifierError,
  scopeSelectors,
  type PrincipalType,
  type ResourceType,
  type ScopeRef,
} from '../model/index.js';
import type { GovernanceItem } from '../model/index.js';

export interface TableKey {
  PK: string;
  SK: string;
}

export interface IndexedKey extends TableKey {
  GSI1PK: string;
  GSI1SK: string;
}

/**
 * Parts joined by '#' must not contain it, or prefixes would match the wrong items; nor U+FFFF or
 * characters beyond it (surrogates), so that `prefix + PREFIX_END` bounds every key under a prefix.
 */
function part(value: string, what: string): string {
  if (value === '' || value.includes('#') || /[\uD800-\uDFFF\uFFFF]/.test(value))
    throw new InvalidIdentifierError(what, value);
  return value;
}

/**
 * Upper end of the keys under a prefix: "sort key BETWEEN prefix AND prefix + PREFIX_END" selects the
 * same items as begins_with. DynamoDB answers both from the key range; DynamoDB Local (the engine of
 * `npm start` and the tests) answers begins_with by walking the whole partition, 60 ms at 100,000 items
 * against 5 ms for the range.
 */
export const PREFIX_END = '\uffff';

export const workspacePartition = (ws: string) => `WS#${part(ws, 'workspace id')}`;

// Resources and grants ---------------------------------------------------------------------------

export const RESOURCE_PREFIX = 'RES#';
export const GRANT_PREFIX = 'GRANT#';

export function resourceKey(ws: string, type: ResourceType, id: string): TableKey {
  return { PK: workspacePartition(ws), SK: `${RESOURCE_PREFIX}${type}#${part(id, `${type} id`)}` };
}

/** Sort-key prefix of every resource of one type. */
export function resourceTypePrefix(type: ResourceType): string {
  return `${RESOURCE_PREFIX}${type}#`;
}

export function principalPartition(ws: string, principalType: PrincipalType, principalId: string): string {
  return `PRINCIPAL#${part(ws, 'workspace id')}#${principalType}#${part(principalId, `${principalType} id`)}`;
}

export function grantKey(
  ws: string,
  resource: { type: ResourceType; id: string },
  principal: { type: PrincipalType; id: string },
): IndexedKey {
  const onResource = `${GRANT_PREFIX}${resource.type}#${part(resource.id, `${resource.type} id`)}`;
  return {
    PK: workspacePartition(ws),
    SK: `${onResource}#${principal.type}#${part(principal.id, `${principal.type} id`)}`,
    GSI1PK: principalPartition(ws, principal.type, principal.id),
    GSI1SK: onResource,
  };
}

/** Sort-key prefix of the grants on one resource, or on every resource of a type. */
export function grantsOnPrefix(type: ResourceType, id?: string): string {
  return id === undefined ? `${GRANT_PREFIX}${type}#` : `${GRANT_PREFIX}${type}#${part(id, `${type} id`)}#`;
}

/** Table key (and GSI key for grants) of a model item. */
export function itemKey(ws: string, item: GovernanceItem): TableKey & Partial<IndexedKey> {
  return item.kind === 'resource'
    ? resourceKey(ws, item.type, item.id)
    : grantKey(ws, item.resource, item.principal);
}

/** The sort-key prefixes (all under `WS#{ws}`) that hold exactly what a scope owns. */
export function scopeKeyPrefixes(scope: ScopeRef): string[] {
  return scopeSelectors(scope).map((selector) =>
    selector.item === 'resource'
      ? resourceTypePrefix(selector.resourceType)
      : grantsOnPrefix(selector.resourceType, selector.resourceId),
  );
}

/**
 * One item per workspace holding a counter per group (attribute `g:{slug}`), moved after every write of
 * a grant held by that group: a cached group expansion is still exact while its counter has not moved.
 * Its own partition, so no query of `WS#{ws}` meets it.
 */
export function groupGrantsVersionKey(ws: string): TableKey {
  return { PK: `WS#${part(ws, 'workspace id')}#GROUPGRANTS`, SK: 'VERSION' };
}

/** The attribute of `groupGrantsVersionKey` holding one group's counter. */
export const groupGrantsVersionAttribute = (group: string) => `g:${part(group, 'group slug')}`;

// Sync bookkeeping --------------------------------------------------------------------------------

/** `kindAndId` is the scope id, e.g. `members` or `project-grants/{uuid}`. */
export function scopeStateKey(ws: string, scopeIdValue: string): TableKey {
  return { PK: workspacePartition(ws), SK: `SCOPE#${part(scopeIdValue, 'scope id')}` };
}

export const SCOPE_STATE_PREFIX = 'SCOPE#';

export function syncPassKey(ws: string, startedAt: string): TableKey {
  return { PK: workspacePartition(ws), SK: `PASS#${part(startedAt, 'pass start')}` };
}

export const SYNC_PASS_PREFIX = 'PASS#';

export function leaseKey(name: string): TableKey {
  return { PK: `LEASE#${part(name, 'lease name')}`, SK: 'LEASE' };
}

/**
 * One clock hour of an identity's request ledger (the rolling hour's minute counters): `identity` is
 * `bitbucket` (the primary credential), `bitbucket:{fingerprint}` (a further sync identity) or
 * `atlassian-admin`; `hour` counts hours since the epoch.
 */
export function ledgerHourKey(identity: string, hour: number): TableKey {
  return { PK: `LEDGER#${part(identity, 'ledger identity')}`, SK: `HOUR#${hour}` };
}

// Change log --------------------------------------------------------------------------------------

export const changesPartition = (ws: string) => `WS#${part(ws, 'workspace id')}#CHANGES`;

export function changeRecordKey(ws: string, isoTime: string, ulid: string): TableKey {
  return { PK: changesPartition(ws), SK: `${isoTime}#${part(ulid, 'ulid')}` };
}

// Activity ----------------------------------------------------------------------------------------

export const ACTIVITY_PREFIX = 'ACT#';

/**
 * Repository first in the sort key, so "who was active on this repository" is one Query; the GSI gives
 * one account's activity next to its grants.
 */
export function activityKey(ws: string, accountId: string, repositoryId: string): IndexedKey {
  const onRepository = `${ACTIVITY_PREFIX}${part(repositoryId, 'repository id')}`;
  return {
    PK: workspacePartition(ws),
    SK: `${onRepository}#${part(accountId, 'account id')}`,
    GSI1PK: principalPartition(ws, 'user', accountId),
    GSI1SK: onRepository,
  };
}

/** Sort-key prefix of the activity records of one repository. */
export function activityOnRepositoryPrefix(repositoryId: string): string {
  return `${ACTIVITY_PREFIX}${part(repositoryId, 'repository id')}#`;
}

// Access requests ---------------------------------------------------------------------------------

/** The table key of one access request: all a read or update by id needs. */
export function accessRequestItemKey(requestId: string): TableKey {
  return { PK: `ACCESSREQ#${part(requestId, 'access request id')}`, SK: 'ACCESSREQ' };
}

/**
 * One access request, readable by id; listed per workspace through GSI1 by status, then creation time, so
 * the jobs that look for `active` or `approved` requests every minute read only those.
 */
export function accessRequestKey(
  ws: string,
  requestId: string,
  status: string,
  createdAt: string,
): IndexedKey {
  return {
    ...accessRequestItemKey(requestId),
    GSI1PK: accessRequestsPartition(ws),
    GSI1SK: accessRequestSortKey(requestId, status, createdAt),
  };
}

/** The GSI1 sort key of an access request: `{status}#{createdAt}#{id}`; it moves with the status. */
export function accessRequestSortKey(requestId: string, status: string, createdAt: string): string {
  return `${part(status, 'access request status')}#${createdAt}#${part(requestId, 'access request id')}`;
}

/** The GSI1 sort-key prefix of a workspace's access requests in one status. */
export const accessRequestStatusPrefix = (status: string) => `${part(status, 'access request status')}#`;

export const accessRequestsPartition = (ws: string) => `WS#${part(ws, 'workspace id')}#ACCESSREQS`;

// Provisioning requests ---------------------------------------------------------------------------

/** The table key of one provisioning request: all a read or update by id needs. */
export function provisioningRequestItemKey(requestId: string): TableKey {
  return { PK: `REQ#${part(requestId, 'request id')}`, SK: 'REQ' };
}

/** One provisioning request, readable by id; listed per workspace by receive time through GSI1. */
export function provisioningRequestKey(ws: string, requestId: string, isoTime: string): IndexedKey {
  return {
    ...provisioningRequestItemKey(requestId),
    GSI1PK: provisioningRequestsPartition(ws),
    GSI1SK: isoTime,
  };
}

export const provisioningRequestsPartition = (ws: string) => `WS#${part(ws, 'workspace id')}#REQS`;

// Access reviews ----------------------------------------------------------------------------------

/** Sort key of a campaign's own record under its partition `REVIEW#{id}`. */
export const REVIEW_CAMPAIGN_SORT_KEY = 'REVIEW';
/** Sort-key prefix of a campaign's frozen items (`ITEM#{itemId}`), all under `REVIEW#{id}`. */
export const REVIEW_ITEM_PREFIX = 'ITEM#';

/** The partition of one campaign: its record and every one of its items. */
export const reviewCampaignPartition = (campaignId: string) =>
  `REVIEW#${part(campaignId, 'review campaign id')}`;

/** The table key of one campaign record: all a read or update by id needs. */
export function reviewCampaignItemKey(campaignId: string): TableKey {
  return { PK: reviewCampaignPartition(campaignId), SK: REVIEW_CAMPAIGN_SORT_KEY };
}

/** One campaign record, readable by id; listed per workspace by creation time through GSI1. */
export function reviewCampaignKey(ws: string, campaignId: string, createdAt: string): IndexedKey {
  return {
    ...reviewCampaignItemKey(campaignId),
    GSI1PK: reviewCampaignsPartition(ws),
    GSI1SK: createdAt,
  };
}

/** GSI1 partition of a workspace's campaigns. */
export const reviewCampaignsPartition = (ws: string) => `WS#${part(ws, 'workspace id')}#REVIEWS`;

/** One frozen item of a campaign (`itemId` is `{resourceType}:{resourceId}:{accountId}`). */
export function reviewItemKey(campaignId: string, itemId: string): TableKey {
  return {
    PK: reviewCampaignPartition(campaignId),
    SK: `${REVIEW_ITEM_PREFIX}${part(itemId, 'review item id')}`,
  };
}

// Workspace directory -----------------------------------------------------------------------------

export const WORKSPACES_PARTITION = 'WORKSPACES';

export function workspaceDirectoryKey(slug: string): TableKey {
  return { PK: WORKSPACES_PARTITION, SK: `WS#${part(slug, 'workspace slug')}` };
}
