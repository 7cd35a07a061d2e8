// Group membership in a workspace administered in admin.atlassian.com (API-NOTES: the 1.0 group API is
// read-only there): read, add and remove a member of the organization group behind a Bitbucket group
// through the Admin API (ADMIN-API.md "add a member", "remove a member", "search users").
import { groupMembershipGrant, orgGroupMembershipGrant } from '../model/index.js';
import type { GrantChannel, TargetPrincipal } from '../source/index.js';
import type { AdminApiClient } from './client.js';
import { describeAdminCall } from './endpoints.js';

/** The organization group a Bitbucket group stands for, as the `org-groups` scope stored it. */
export interface OrganizationGroupRef {
  /** The Admin API's group id. */
  id: string;
  directoryId: string;
  name: string;
  /** Synced from an identity provider: its members are changed there, never through the Admin API. */
  idpManaged: boolean;
}

/**
 * The channel of one user's membership of `orgGroup`, standing for the Bitbucket group `bitbucketGroupSlug`.
 * Reads are `POST …/users/search` filtered on the group and the account; writes `POST …/memberships` and
 * `DELETE …/memberships/{accountId}`. The stored items are the Bitbucket group's membership (what access
 * answers expand) and, as its companion, the org group's. Its calls are paid from the Admin API's hour
 * (`api: 'atlassian-admin'`). `orgId` only names the calls in descriptions; the client sends its own.
 */
export function organizationMembershipChannel(
  client: AdminApiClient,
  orgId: string,
  orgGroup: OrganizationGroupRef,
  bitbucketGroupSlug: string,
  principal: TargetPrincipal,
): GrantChannel {
  const accountId = principal.id;
  const params = { orgId, directoryId: orgGroup.directoryId, groupId: orgGroup.id, accountId };
  const need = { capability: 'writeGroupMembership' as const, scopes: ['write:groups:admin'] };
  return {
    api: 'atlassian-admin',
    ladder: ['member'],
    readCall: describeAdminCall('searchUsers', params),
    writeCall: describeAdminCall('addGroupMember', params),
    deleteCall: describeAdminCall('removeGroupMember', params),
    writeNeed: need,
    deleteNeed: need,
    async readCurrent(call) {
      const found = await client.searchUsers(
        { directoryId: orgGroup.directoryId, groupIds: [orgGroup.id], accountIds: [accountId] },
        call,
      );
      return found.some((user) => user.accountId === accountId) ? 'member' : null;
    },
    async write(_permission, call) {
      await client.addGroupMember(orgGroup.directoryId, orgGroup.id, accountId, call);
    },
    async remove(call) {
      await client.removeGroupMember(orgGroup.directoryId, orgGroup.id, accountId, call);
    },
    grantItem: () => groupMembershipGrant(bitbucketGroupSlug, accountId),
    companionItem: () => orgGroupMembershipGrant(orgGroup.id, accountId),
  };
}
