// Where a group membership is changed (issue 18): through Bitbucket's 1.0 group API in a workspace
// Bitbucket administers, through the Atlassian Admin API on the organization group behind the Bitbucket
// group in one administered in admin.atlassian.com (API-NOTES: the 1.0 group API is read-only there).
// Project and repository permissions are Bitbucket's in both.
import {
  AdminApiError,
  organizationMembershipChannel,
  saysAdministeredByOrganization,
  type OrganizationAccess,
  type OrganizationGroupRef,
  type WorkspaceAdministration,
} from '../atlassian-admin/index.js';
import { BitbucketError, endpoints, sourceOf, type CallOptions } from '../bitbucket/index.js';
import { openHourlyBudget } from '../budget/index.js';
import { Conflict, NotGrantable } from '../errors/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import type { SyncStateStore } from '../store/sync-state.js';
import { itemIdentity, resource, workspaceRoleGrant, type GovernanceItem } from '../model/index.js';
import { logger } from '../observability/index.js';
import type { CallDescription, GrantChannel, ProvisioningTarget } from '../source/index.js';
import { send, type BitbucketCallRecord } from './call-record.js';
import type { ProvisioningDependencies } from './provision.js';
import { ProvisioningCallFailed } from './provisioning-errors.js';

/** What provisioning needs of the organization side. */
export interface ProvisioningOrganization {
  access: OrganizationAccess;
  /** The sync's record of each workspace's administration; provisioning adds what a refusal taught it. */
  statuses: Pick<SyncStateStore, 'getStatus' | 'recordAdministration'>;
}

type MembershipTarget = Extract<ProvisioningTarget, { kind: 'group-membership' }>;

const MISSING_SETTINGS = ['ATLASSIAN_ORG_ID', 'ATLASSIAN_ADMIN_API_KEY'];

/**
 * The workspace's administration for provisioning: BITBUCKET_ADMINISTRATION when it forces one, else what
 * the organization's workspace list or an earlier refused 1.0 write established. A guess from a missing
 * `last_accessed` is not enough to refuse a 1.0 write: that write is sent, and its refusal teaches.
 */
export async function administrationForProvisioning(
  organization: ProvisioningOrganization | undefined,
  workspace: WorkspaceEntry,
): Promise<WorkspaceAdministration['mode']> {
  if (!organization) return 'bitbucket';
  const { administration } = organization.access;
  if (administration !== 'auto') return administration;
  const known = (await organization.statuses.getStatus(workspace.uuid))?.administration;
  const established =
    known?.evidence === 'organization-lists-it' || known?.evidence === 'group-write-refused';
  return established && known?.mode === 'organization' ? 'organization' : 'bitbucket';
}

/** True when `error` is Bitbucket refusing a 1.0 group write because an organization administers the workspace. */
function isRefusedAsOrganizationAdministered(error: unknown): boolean {
  return error instanceof BitbucketError && saysAdministeredByOrganization(error.status, error.message);
}

/**
 * Whether a 403 on a 1.0 group write means the workspace is administered in admin.atlassian.com. Bitbucket's
 * words for that refusal are not documented (API-NOTES says only that writes are disabled), and a 403 may
 * also be a credential lacking `account:write`: so a refusal naming admin.atlassian.com settles it, and
 * otherwise the organization is asked whether it lists the workspace (one Admin API listing, from its hour)
 * when a key is configured.
 */
export async function refusedAsOrganizationAdministered(
  organization: ProvisioningOrganization | undefined,
  workspace: WorkspaceEntry,
  error: unknown,
  now: Date,
): Promise<boolean> {
  if (isRefusedAsOrganizationAdministered(error)) return true;
  if (!(error instanceof BitbucketError) || error.status !== 403 || !organization) return false;
  const credential = await organization.access.credential().catch(() => null);
  if (!credential) return false;
  const hour = await openHourlyBudget(organization.access.ledger, 'provisioning', {
    hourlyLimit: organization.access.hourlyRequestLimit,
    cap: 3,
    now,
  });
  try {
    const listed = await organization.access.client.listWorkspaces({ budget: hour.budget });
    return listed.some(
      (entry) => entry.slug === workspace.slug || entry.workspaceUuid === `{${workspace.uuid}}`,
    );
  } catch (failure) {
    if (failure instanceof AdminApiError) return false;
    throw failure;
  } finally {
    await hour.close(now);
  }
}

/** Records that a 1.0 group write was refused as organization-administered (evidence for later requests). */
export async function recordRefusedGroupWrite(
  organization: ProvisioningOrganization | undefined,
  workspace: WorkspaceEntry,
  at: Date,
): Promise<void> {
  if (!organization) return;
  const credential = await organization.access.credential().catch(() => null);
  await organization.statuses.recordAdministration(workspace.uuid, workspace.slug, {
    mode: 'organization',
    evidence: 'group-write-refused',
    checkedAt: at.toISOString(),
    orgGroupsRead: credential !== null,
  });
}

/**
 * The 422 for a membership change in an organization-administered workspace without an organization key.
 * `refusedByBitbucket`: Bitbucket itself refused the 1.0 write, so forcing Bitbucket mode cannot help.
 */
export function organizationCredentialMissing(
  workspace: WorkspaceEntry,
  refusedByBitbucket = false,
): NotGrantable {
  return new NotGrantable(
    `workspace ${workspace.slug} is administered in admin.atlassian.com, where group membership is changed ` +
      'through the Atlassian Admin API: set ATLASSIAN_ORG_ID and ATLASSIAN_ADMIN_API_KEY (in AWS: "admin": ' +
      `{"orgId", "apiKey"} in the credentials secret)${
        refusedByBitbucket ? '' : ', or BITBUCKET_ADMINISTRATION=bitbucket if Bitbucket still administers it'
      }`,
    {
      reason: 'organization-credential-missing',
      capability: 'writeGroupMembership',
      missingSettings: MISSING_SETTINGS,
    },
  );
}

/** The 422 when BITBUCKET_ADMINISTRATION=bitbucket forces the 1.0 group API a workspace refuses. */
export function forcedBitbucketRefused(workspace: WorkspaceEntry): NotGrantable {
  return new NotGrantable(
    `Bitbucket refused the 1.0 group write: workspace ${workspace.slug} is administered in admin.atlassian.com, ` +
      'but BITBUCKET_ADMINISTRATION=bitbucket forces the 1.0 group API; set it to auto (or organization) with ' +
      'ATLASSIAN_ORG_ID and ATLASSIAN_ADMIN_API_KEY to change memberships through the Atlassian Admin API',
    { reason: 'administration-forced-to-bitbucket', capability: 'writeGroupMembership' },
  );
}

/**
 * The organization group behind a Bitbucket group: the stored one (the `org-groups` scope) matched to
 * its slug, else the Admin API's group of the same name (one groups search, paid from `call.budget`).
 */
async function organizationGroupOf(
  access: OrganizationAccess,
  store: GovernanceStore,
  workspace: WorkspaceEntry,
  group: MembershipTarget['group'],
  call: CallOptions,
): Promise<OrganizationGroupRef | null> {
  const stored = await store.listResources(workspace.uuid, 'org-group');
  const match =
    stored.find((entry) => entry.item.attributes.slug === group.slug) ??
    stored.find((entry) => entry.item.attributes.name.toLowerCase() === group.name.toLowerCase());
  if (match) {
    const { name, directoryId, idpManaged } = match.item.attributes;
    return { id: match.item.id, name, directoryId, idpManaged };
  }
  const found = await access.client.searchGroups({ groupNames: [group.name] }, call);
  const named = found.find((candidate) => candidate.name.toLowerCase() === group.name.toLowerCase());
  return named
    ? {
        id: named.id,
        name: named.name,
        directoryId: named.directoryId,
        idpManaged: named.managedByIdentityProvider,
      }
    : null;
}

/**
 * The Admin API channel of a membership in an organization-administered workspace. Sends nothing when
 * the organization group is stored (one groups search otherwise, from the Admin API's hour). Throws
 * NotGrantable (422: no organization credential, or no organization group behind the Bitbucket group),
 * Conflict (409: the group is managed by an identity provider; nothing is called to change it), and
 * UpstreamFailure-mappable Admin API errors of the search.
 */
export async function organizationMembershipChannelFor(
  organization: ProvisioningOrganization | undefined,
  store: GovernanceStore,
  workspace: WorkspaceEntry,
  target: MembershipTarget,
  now: Date,
  deadlineAt?: number,
  refusedByBitbucket = false,
): Promise<GrantChannel> {
  const credential = organization ? await organization.access.credential() : null;
  if (!organization || !credential) throw organizationCredentialMissing(workspace, refusedByBitbucket);
  const { access } = organization;
  const hour = await openHourlyBudget(access.ledger, 'provisioning', {
    hourlyLimit: access.hourlyRequestLimit,
    cap: 4,
    now,
  });
  let orgGroup: OrganizationGroupRef | null;
  try {
    orgGroup = await organizationGroupOf(access, store, workspace, target.group, {
      budget: hour.budget,
      ...(deadlineAt === undefined ? {} : { deadlineAt }),
    });
  } catch (error) {
    if (error instanceof AdminApiError) {
      throw new NotGrantable(
        `the organization group behind Bitbucket group ${target.group.slug} could not be found: ${error.message}`,
        { reason: 'organization-group-unknown', group: target.group.slug, upstreamStatus: error.status },
      );
    }
    throw error;
  } finally {
    await hour.close(now);
  }
  if (!orgGroup) {
    throw new NotGrantable(
      `no organization group named "${target.group.name}" stands behind Bitbucket group ${target.group.slug} in ${workspace.slug}`,
      { reason: 'organization-group-unknown', group: target.group.slug },
    );
  }
  if (orgGroup.idpManaged) {
    throw new Conflict(`group ${target.group.slug} is managed by your identity provider: change it there`, {
      reason: 'managed-by-identity-provider',
      group: target.group.slug,
      orgGroupId: orgGroup.id,
    });
  }
  return organizationMembershipChannel(
    access.client,
    credential.orgId,
    orgGroup,
    target.group.slug,
    target.principal,
  );
}

/** What re-reading a workspace role needs of provisioning's dependencies. */
type RestateDependencies = Pick<
  ProvisioningDependencies,
  'client' | 'source' | 'store' | 'ledger' | 'hourlyRequestLimit' | 'now' | 'deadlineAt'
>;

/**
 * In a workspace administered in admin.atlassian.com an organization group's membership is what makes its
 * members workspace members or owners: after one changes, the user's workspace role is read again from
 * Bitbucket (one `GET /2.0/workspaces/{ws}/permissions?q=…`, from Bitbucket's hour) and stored, so no answer
 * shows a role the change took away. Reads are best effort: on failure (or a read Bitbucket has not caught
 * up with yet) the `members` scope's next refresh settles it.
 */
export async function restateWorkspaceRole(
  dependencies: RestateDependencies,
  workspace: WorkspaceEntry,
  accountId: string,
  actor: string,
  calls: BitbucketCallRecord[],
): Promise<void> {
  const { store, now } = dependencies;
  const asked = [
    ...((await store.listGrantsOfPrincipal(workspace.uuid, 'user', accountId))
      .map((entry) => entry.item)
      .filter((item) => item.resource.type === 'workspace') as GovernanceItem[]),
  ];
  if (asked.length === 0) asked.push(workspaceRoleGrant(workspace.uuid, accountId, 'member'));
  // Asked by identity: an item not stored yet (a newcomer) comes back with what Bitbucket states of it.
  const user = await store.getResource(workspace.uuid, 'user', accountId);
  asked.push(
    user?.item ??
      resource('user', accountId, {
        uuid: '',
        displayName: accountId,
        nickname: null,
        accountStatus: 'unknown',
      }),
  );
  const hour = await openHourlyBudget(dependencies.ledger, 'provisioning', {
    hourlyLimit: dependencies.hourlyRequestLimit,
    cap: 3,
    now: now(),
  });
  const description: CallDescription = {
    method: 'GET',
    endpoint: `GET ${endpoints.workspaceMembers.route}`,
    path: endpoints.workspaceMembers.route.replace('{workspace}', encodeURIComponent(workspace.slug)),
  };
  try {
    const check = await send(calls, description, (onSend) =>
      sourceOf(dependencies).confirmAbsent(
        { id: workspace.uuid, slug: workspace.slug },
        { kind: 'members' },
        asked,
        {
          onSend,
          budget: hour.budget,
          ...(dependencies.deadlineAt === undefined ? {} : { deadlineAt: dependencies.deadlineAt }),
        },
      ),
    );
    const gone = new Set(check.gone);
    await store.applyItemChanges(
      workspace.uuid,
      {
        upsert: check.present,
        remove: asked.filter((item) => gone.has(itemIdentity(item))),
      },
      now().toISOString(),
      { cause: 'provisioning', actor },
    );
  } catch (error) {
    if (!(error instanceof ProvisioningCallFailed)) throw error;
    logger.warn('the workspace role could not be read again after an organization group change', {
      workspace: workspace.slug,
      error: error.message,
    });
  } finally {
    await hour.close(now());
  }
}
