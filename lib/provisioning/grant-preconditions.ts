// Bitbucket's preconditions for a user grant, checked from the stored picture before anything is sent.
// A permissions-config user PUT (project or repository) answers 400 unless the user is already a
// workspace member, and is pointless for a workspace owner, who is admin on every project and repository
// (API-NOTES "Endpoints" and "How access adds up"). Asking Bitbucket would spend a read and a write to
// learn what the store already says, so such a grant is answered 422 with what to do instead. When the
// picture cannot say (the members listing is refused or was never read), the check steps aside and
// Bitbucket answers: its 400 becomes a 422 `refused-by-bitbucket` (upstream-errors.ts).
import { NotGrantable } from '../errors/index.js';
import type { WorkspaceRole } from '../model/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import type { ScopeState } from '../store/sync-state.js';
import type { PrincipalSelector, ProvisioningAction, ResourceSelector } from './provisioning-target.js';

/** Where the freshness of the stored membership picture is read: the sync's scope states. */
export interface MembershipFreshness {
  /** The sync's state of every scope of a workspace (by workspace uuid); `members` is the one read here. */
  listScopeStates(workspaceId: string): Promise<ScopeState[]>;
}

/** What the stored picture says of one user's place in a workspace. */
export interface StoredMembership {
  /** The stored workspace role, or null when the user is not known as a member. */
  role: WorkspaceRole | null;
  /** When the members listing was last applied to the store (ISO 8601), when the sync recorded it. */
  membersRefreshedAt: string | null;
  /**
   * Why the stored members cannot be trusted to say who is not a member, when they cannot:
   * `capability-gap` (the credential is refused the members listing) or `never-read` (the sync's state
   * has no refresh of it). Absent when the listing was read, or when no scope states were given.
   */
  membersUnreadable?: 'capability-gap' | 'never-read';
}

/** True for what Bitbucket checks: a grant (not a revocation) to a user on a project or a repository. */
export function isUserPermissionGrant(
  action: ProvisioningAction,
  resource: ResourceSelector,
  principal: PrincipalSelector,
): boolean {
  return action === 'grant' && principal.type === 'user' && resource.type !== 'group';
}

/** The user's stored workspace role and the freshness of the members listing it came from. */
export async function storedMembership(
  store: Pick<GovernanceStore, 'listGrantsOfPrincipal'>,
  workspace: WorkspaceEntry,
  accountId: string,
  freshness?: MembershipFreshness,
): Promise<StoredMembership> {
  // A `#` would reach past this user's keys; no Bitbucket account id has one.
  const grants =
    accountId === '' || accountId.includes('#')
      ? []
      : await store.listGrantsOfPrincipal(workspace.uuid, 'user', accountId);
  const role = grants.find((entry) => entry.item.resource.type === 'workspace')?.item.entitlement;
  const states = freshness ? await freshness.listScopeStates(workspace.uuid) : [];
  const members = states.find((state) => state.scope === 'members');
  const membersUnreadable = !freshness
    ? undefined
    : members?.capabilityGap
      ? 'capability-gap'
      : members?.refreshedAt === undefined
        ? 'never-read'
        : undefined;
  return {
    role: (role as WorkspaceRole | undefined) ?? null,
    membersRefreshedAt: members?.refreshedAt ?? null,
    ...(membersUnreadable ? { membersUnreadable } : {}),
  };
}

/**
 * Refuses a user grant on a project or repository that Bitbucket would refuse or that would change
 * nothing, before any Bitbucket call. Does nothing for revocations, group principals and group
 * memberships (adding a user to a group also makes them a workspace member), nor when `freshness` shows
 * the members listing refused (capability gap) or never read: the stored roles say nothing then, and
 * Bitbucket answers instead.
 *
 * Throws NotGrantable (422) with `details.reason`:
 * - `not-workspace-member`: the store knows no member role for the user (never a member, removed, or a
 *   `collaborator`, a role Bitbucket dropped in 2022); the message says to invite them to the workspace or
 *   add them to a group in Bitbucket (admin.atlassian.com for an organization-administered workspace),
 *   then let the sync read them, and how fresh the stored members listing is (`details.membersRefreshedAt`);
 * - `workspace-owner`: owners are admin on every project and repository already and need nothing.
 */
export async function checkUserGrantPreconditions(
  store: Pick<GovernanceStore, 'listGrantsOfPrincipal'>,
  workspace: WorkspaceEntry,
  action: ProvisioningAction,
  resource: ResourceSelector,
  principal: PrincipalSelector,
  freshness?: MembershipFreshness,
): Promise<void> {
  if (!isUserPermissionGrant(action, resource, principal)) return;
  const accountId = principal.accountId ?? '';
  const membership = await storedMembership(store, workspace, accountId, freshness);
  // No 422 from a picture that never saw the members: a missing role there proves nothing.
  if (membership.membersUnreadable) return;
  const where = resource.type === 'project' ? 'a project' : 'a repository';
  const details = {
    reason: '',
    accountId,
    storedRole: membership.role,
    membersRefreshedAt: membership.membersRefreshedAt,
  };
  if (membership.role === 'owner') {
    throw new NotGrantable(
      `${accountId} is an owner of workspace ${workspace.slug}: owners are admin on every project and repository already and need no grant. Nothing was sent to Bitbucket.`,
      { ...details, reason: 'workspace-owner' },
    );
  }
  if (membership.role !== 'member') {
    const asOf =
      membership.membersRefreshedAt === null
        ? 'the stored members listing has no recorded refresh time'
        : `as of the members listing read at ${membership.membersRefreshedAt}`;
    throw new NotGrantable(
      `${accountId} is not a member of workspace ${workspace.slug} (${asOf}), and Bitbucket grants ${where} permission only to workspace members. Invite them to the workspace, or add them to a group in Bitbucket (in admin.atlassian.com when the workspace is administered by an Atlassian organization); either makes them a member. Then let the sync read them (or run it now) and grant again: this API cannot add a user it has not seen. Nothing was sent to Bitbucket.`,
      { ...details, reason: 'not-workspace-member' },
    );
  }
}
