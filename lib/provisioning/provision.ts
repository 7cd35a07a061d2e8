// One grant or revocation: read the explicit state from Bitbucket (the store may be stale), decide, write
// only when needed, then put what Bitbucket now states into the store at once with a change record
// naming the caller. A dry run decides from the stored picture and sends nothing.
import { sourceOf, type BitbucketClient, type CallOptions } from '../bitbucket/index.js';
import { Conflict, NotGrantable, UpstreamRateLimited } from '../errors/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import { openHourlyBudget, type HourLedger } from '../budget/index.js';
import type { CapabilityNeed, GovernanceSource, GrantChannel } from '../source/index.js';
import { decide, type ProvisioningDecision } from './provisioning-decision.js';
import { send, type BitbucketCallRecord } from './call-record.js';

export type { BitbucketCallRecord } from './call-record.js';
import {
  administrationForProvisioning,
  restateWorkspaceRole,
  forcedBitbucketRefused,
  organizationMembershipChannelFor,
  refusedAsOrganizationAdministered,
  recordRefusedGroupWrite,
  type ProvisioningOrganization,
} from './membership-administration.js';
import { ProvisioningCallFailed } from './provisioning-errors.js';
import {
  describeTargetResource,
  type ProvisioningCommand,
  type ProvisioningTarget,
} from './provisioning-target.js';

export interface ProvisioningDependencies {
  client: BitbucketClient;
  /** Where grants are read and written; default Bitbucket Cloud through `client`. */
  source?: GovernanceSource;
  store: GovernanceStore;
  ledger: HourLedger;
  /** Bitbucket's rolling-hour limit for the credential (BITBUCKET_HOURLY_REQUEST_LIMIT). */
  hourlyRequestLimit: number;
  now: () => Date;
  /** Epoch ms after which no Bitbucket call starts. */
  deadlineAt?: number;
  /** The organization side: group membership in workspaces administered in admin.atlassian.com. */
  organization?: ProvisioningOrganization;
}

export interface ProvisioningResult {
  action: ProvisioningCommand['action'];
  dryRun: boolean;
  /** Where `previous` was read: Bitbucket, the Atlassian Admin API, or the stored picture for a dry run. */
  basis: 'bitbucket' | 'atlassian-admin' | 'store';
  changed: boolean;
  previous: string | null;
  current: string | null;
  permission: string;
  resource: ReturnType<typeof describeTargetResource>;
  principal: { type: 'user' | 'group'; id: string; name: string };
  calls: BitbucketCallRecord[];
}

/** Requests one provisioning call may cost, retries included (read + write, each retried up to 5 times). */
const MAX_REQUESTS_PER_CALL = 14;
/** Without a per-minute view of the ledger, a minute is the honest wait before the window moves. */
const LEDGER_RETRY_AFTER_SECONDS = 60;

async function storedPermission(
  store: GovernanceStore,
  workspace: WorkspaceEntry,
  channel: GrantChannel,
): Promise<string | null> {
  const probe = channel.grantItem(channel.ladder[0] ?? 'member');
  const grants = await store.listGrantsOnResource(workspace.uuid, probe.resource.type, probe.resource.id);
  const held = grants.find(
    (entry) =>
      entry.item.principal.type === probe.principal.type && entry.item.principal.id === probe.principal.id,
  );
  return held ? String(held.item.entitlement) : null;
}

function refusal(target: ProvisioningTarget, command: ProvisioningCommand, decision: ProvisioningDecision) {
  const resource = describeTargetResource(target);
  const who = `${target.principal.type} ${target.principal.id}`;
  const where = `${resource.type} ${resource.key ?? resource.slug ?? resource.id}`;
  if (decision.kind === 'would-downgrade') {
    return new Conflict(
      `${who} already holds ${decision.current} on ${where}; granting ${command.permission} would lower it. Send "replace": true to replace it.`,
      { reason: 'would-downgrade', current: decision.current, requested: command.permission },
    );
  }
  if (decision.kind === 'names-other-permission') {
    return new Conflict(
      `${who} holds ${decision.current} on ${where}, not ${command.permission}; a revocation removes only the permission it names.`,
      { reason: 'permission-differs', current: decision.current, requested: command.permission },
    );
  }
  return undefined;
}

function checkCredentialCanWrite(kind: string, need: CapabilityNeed): void {
  const refused = need.capability === 'writePermissions' ? kind !== 'api-token' : kind === 'access-token';
  if (refused) {
    throw new NotGrantable(
      need.capability === 'writePermissions'
        ? `Bitbucket accepts permission changes only from an API token; the configured credential is ${kind}`
        : `access tokens cannot change group membership; the configured credential is ${kind}`,
      { capability: need.capability, credentialKind: kind, requiredScopes: need.scopes },
    );
  }
}

/**
 * Runs one command against a resolved target. `calls` is filled as calls are made, so the request
 * record (runProvisioningRequest, its one caller) lists them even when this throws.
 *
 * A group membership in a workspace administered in admin.atlassian.com goes through the Atlassian Admin
 * API on the organization group behind the Bitbucket group (membership-administration.ts), paid from the
 * Admin API's own hour; a 1.0 write Bitbucket refuses as organization-administered is recorded and the
 * change sent there instead.
 *
 * Throws Conflict (409: would downgrade, or names another permission, the observed state stored first; or
 * the group is managed by an identity provider, nothing called), NotGrantable (422: the credential cannot
 * write, or no organization credential is configured), UpstreamRateLimited (429: the hourly limit is
 * spent) and ProvisioningCallFailed (a Bitbucket or Admin API call failed; lib/api maps it to an answer).
 */
export async function provision(
  dependencies: ProvisioningDependencies,
  workspace: WorkspaceEntry,
  target: ProvisioningTarget,
  command: ProvisioningCommand,
  actor: string,
  calls: BitbucketCallRecord[],
): Promise<ProvisioningResult> {
  const { store } = dependencies;
  const channel = await channelFor(dependencies, workspace, target);
  const base = {
    action: command.action,
    dryRun: command.dryRun,
    permission: command.permission,
    resource: describeTargetResource(target),
    principal: target.principal,
  };

  if (command.dryRun) {
    const previous = await storedPermission(store, workspace, channel);
    const decision = decide(command.action, previous, command.permission, command.replace, channel.ladder);
    const conflict = refusal(target, command, decision);
    if (conflict) throw conflict;
    calls.push({ ...channel.readCall, sent: false });
    if (decision.kind === 'write') calls.push({ ...channel.writeCall, sent: false });
    if (decision.kind === 'delete') calls.push({ ...channel.deleteCall, sent: false });
    const changed = decision.kind === 'write' || decision.kind === 'delete';
    const current =
      decision.kind === 'write' ? command.permission : decision.kind === 'delete' ? null : previous;
    return { ...base, basis: 'store', changed, previous, current, calls };
  }

  try {
    return {
      ...base,
      ...(await provisionThrough(channel, dependencies, workspace, target, command, actor, calls)),
    };
  } catch (error) {
    if (
      !(error instanceof ProvisioningCallFailed) ||
      target.kind !== 'group-membership' ||
      !(await refusedAsOrganizationAdministered(
        dependencies.organization,
        workspace,
        error.upstream,
        dependencies.now(),
      ))
    )
      throw error;
    // Bitbucket refused the 1.0 group write: an organization administers the workspace now. Remember it,
    // and change the membership where it lives, through the Admin API (or say which setting is missing),
    // unless BITBUCKET_ADMINISTRATION forces Bitbucket's API.
    if (dependencies.organization?.access.administration === 'bitbucket')
      throw forcedBitbucketRefused(workspace);
    await recordRefusedGroupWrite(dependencies.organization, workspace, dependencies.now());
    const organizational = await organizationMembershipChannelFor(
      dependencies.organization,
      store,
      workspace,
      target,
      dependencies.now(),
      dependencies.deadlineAt,
      true,
    );
    return {
      ...base,
      ...(await provisionThrough(organizational, dependencies, workspace, target, command, actor, calls)),
    };
  }
}

/**
 * The channel of `target`: a group membership in a workspace administered in admin.atlassian.com goes
 * through the Admin API; everything else through the source (Bitbucket Cloud).
 */
async function channelFor(
  dependencies: ProvisioningDependencies,
  workspace: WorkspaceEntry,
  target: ProvisioningTarget,
): Promise<GrantChannel> {
  if (
    target.kind === 'group-membership' &&
    (await administrationForProvisioning(dependencies.organization, workspace)) === 'organization'
  ) {
    return organizationMembershipChannelFor(
      dependencies.organization,
      dependencies.store,
      workspace,
      target,
      dependencies.now(),
      dependencies.deadlineAt,
    );
  }
  return sourceOf(dependencies).grantChannel(workspace.slug, target);
}

/** Opens the hour that pays for `channel`'s calls: Bitbucket's, or the Admin API's own. */
async function openChannelHour(dependencies: ProvisioningDependencies, channel: GrantChannel) {
  const organization = channel.api === 'atlassian-admin' ? dependencies.organization?.access : undefined;
  const hourlyLimit = organization?.hourlyRequestLimit ?? dependencies.hourlyRequestLimit;
  const hour = await openHourlyBudget(organization?.ledger ?? dependencies.ledger, 'provisioning', {
    hourlyLimit,
    cap: MAX_REQUESTS_PER_CALL,
    now: dependencies.now(),
  });
  if (hour.hourLeft < 2) {
    const which = organization ? 'Atlassian Admin API' : 'Bitbucket';
    throw new UpstreamRateLimited(
      `the hourly ${which} request limit (${hourlyLimit}) is spent`,
      LEDGER_RETRY_AFTER_SECONDS,
      { limit: hourlyLimit, spent: hour.spentBefore.total },
    );
  }
  return hour;
}

/** Reads, decides, writes only when needed, and stores what the source states now. */
async function provisionThrough(
  channel: GrantChannel,
  dependencies: ProvisioningDependencies,
  workspace: WorkspaceEntry,
  target: ProvisioningTarget,
  command: ProvisioningCommand,
  actor: string,
  calls: BitbucketCallRecord[],
): Promise<Pick<ProvisioningResult, 'basis' | 'changed' | 'previous' | 'current' | 'calls'>> {
  const { client, store, now } = dependencies;
  const hour = await openChannelHour(dependencies, channel);
  const call: CallOptions = {
    budget: hour.budget,
    ...(dependencies.deadlineAt === undefined ? {} : { deadlineAt: dependencies.deadlineAt }),
  };
  try {
    const previous = await send(
      calls,
      channel.readCall,
      (onSend) => channel.readCurrent({ ...call, onSend }),
      undefined,
      channel.readAbsentStatus,
    );
    const decision = decide(command.action, previous, command.permission, command.replace, channel.ladder);
    const conflict = refusal(target, command, decision);
    // The Bitbucket credential's kind says nothing of what the organization key may do.
    if ((decision.kind === 'write' || decision.kind === 'delete') && channel.api !== 'atlassian-admin') {
      checkCredentialCanWrite(
        await client.credentialKind(),
        decision.kind === 'write' ? channel.writeNeed : channel.deleteNeed,
      );
    }
    if (decision.kind === 'write') {
      await send(
        calls,
        channel.writeCall,
        (onSend) => channel.write(command.permission, { ...call, onSend }),
        channel.writeNeed,
      );
    } else if (decision.kind === 'delete') {
      await send(
        calls,
        channel.deleteCall,
        (onSend) => channel.remove({ ...call, onSend }),
        channel.deleteNeed,
      );
    }
    const current =
      decision.kind === 'write' ? command.permission : decision.kind === 'delete' ? null : previous;
    // What the source states now is an observation: store it at once (it also heals a stale store). A
    // request that changed nothing the store did not already hold writes nothing: rewriting the items would
    // record a change nobody made and move the grant's first-seen time (the export's `firstSeen`).
    const changedNothing =
      decision.kind !== 'write' &&
      decision.kind !== 'delete' &&
      (await storedPermission(store, workspace, channel)) === current;
    if (!changedNothing) {
      const stated = current ?? command.permission;
      const items = [
        channel.grantItem(stated),
        ...(channel.companionItem ? [channel.companionItem(stated)] : []),
      ];
      await store.applyItemChanges(
        workspace.uuid,
        current === null ? { remove: items } : { upsert: items },
        now().toISOString(),
        { cause: 'provisioning', actor },
      );
    }
    if (conflict) throw conflict;
    const changed = decision.kind === 'write' || decision.kind === 'delete';
    if (changed && channel.api === 'atlassian-admin' && target.principal.type === 'user') {
      await restateWorkspaceRole(dependencies, workspace, target.principal.id, actor, calls);
    }
    return { basis: channel.api ?? 'bitbucket', changed, previous, current, calls };
  } finally {
    await hour.close(now());
  }
}
