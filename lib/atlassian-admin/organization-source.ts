// An Atlassian organization as a source (ScopeLister) for the one scope kind it lists, `org-groups`: the
// organization groups with a role on a workspace administered in admin.atlassian.com, each with its role
// and members (ADMIN-API.md "How this maps onto Bitbucket's picture"). Bitbucket still lists the groups
// project and repository grants name (GET /1.0/groups answers GET only there); each org group is matched
// to that Bitbucket group by name and keeps both ids.
import { orgGroupMembershipGrant, resource, type GovernanceItem, type ScopeKind } from '../model/index.js';
import type { AbsenceCheck, ScopeLister, ScopeTarget, SourceCall, SourceWorkspace } from '../source/index.js';
import {
  bitbucketRoleOf,
  bitbucketWorkspaceResourceId,
  type BitbucketWorkspaceRole,
} from './bitbucket-resources.js';
import type { AdminApiClient } from './client.js';

/** A Bitbucket group as stored: its slug (what grants name) and display name. */
export interface BitbucketGroupName {
  slug: string;
  name: string;
}

/**
 * The Bitbucket group an org group stands for: the one with the same name (case-insensitive), else the
 * one whose slug is the name in Bitbucket's slug form (lower case, runs of other characters as `-`), else
 * null. Source: ADMIN-API.md "Match an org group to its Bitbucket group by name (the slug is derived from
 * the name)".
 */
export function matchBitbucketGroup(
  orgGroupName: string,
  bitbucketGroups: readonly BitbucketGroupName[],
): string | null {
  const name = orgGroupName.trim().toLowerCase();
  const byName = bitbucketGroups.find((group) => group.name.trim().toLowerCase() === name);
  if (byName) return byName.slug;
  const slug = name.replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '');
  return bitbucketGroups.find((group) => group.slug === slug)?.slug ?? null;
}

const RANK: Record<BitbucketWorkspaceRole, number> = { member: 0, admin: 1 };

export class OrganizationSource implements Pick<
  ScopeLister,
  'kinds' | 'isSnapshot' | 'listScope' | 'confirmAbsent'
> {
  readonly kinds: readonly ScopeKind[] = ['org-groups'];

  /**
   * @param client the Admin API client (its budget and retries apply per call)
   * @param bitbucketGroups the Bitbucket groups stored for a workspace (by its store id), for matching
   */
  constructor(
    private readonly client: AdminApiClient,
    private readonly bitbucketGroups: (workspaceId: string) => Promise<readonly BitbucketGroupName[]>,
  ) {}

  /**
   * `org-groups`: groups search filtered on the workspace's resource id (cursor pages), then each group's
   * role assignments and members (users search by group id): 1 + 2 × groups requests at least, paid from
   * `call.budget`. Groups whose assignments hold no Bitbucket role on this workspace are left out. Throws
   * the Admin API's typed errors (lib/atlassian-admin/errors.ts) and BudgetExhausted; never a partial list.
   */
  async listScope(
    workspace: SourceWorkspace,
    target: ScopeTarget,
    call: SourceCall,
  ): Promise<GovernanceItem[]> {
    if (target.kind !== 'org-groups') throw new Error(`the Atlassian Admin API does not list ${target.kind}`);
    const resourceId = bitbucketWorkspaceResourceId(workspace.id);
    const groups = await this.client.searchGroups({ resourceIds: [resourceId] }, call);
    const bitbucketGroups = await this.bitbucketGroups(workspace.id);
    const items: GovernanceItem[] = [];
    for (const group of groups) {
      const assignments = await this.client.groupRoleAssignments(group.directoryId, group.id, call);
      let role: BitbucketWorkspaceRole | null = null;
      for (const assignment of assignments) {
        if (assignment.resourceId !== resourceId) continue;
        const given = bitbucketRoleOf(assignment.roleId);
        if (given && (role === null || RANK[given] > RANK[role])) role = given;
      }
      if (role === null) continue;
      const members = await this.client.searchUsers(
        { directoryId: group.directoryId, groupIds: [group.id] },
        call,
      );
      items.push(
        resource('org-group', group.id, {
          name: group.name,
          slug: matchBitbucketGroup(group.name, bitbucketGroups),
          directoryId: group.directoryId,
          idpManaged: group.managedByIdentityProvider,
          workspaceRole: role,
        }),
        ...members.map((member) => orgGroupMembershipGrant(group.id, member.accountId)),
      );
    }
    return items;
  }

  /**
   * True: cursor paging continues after the last item returned, so a list that moves between two page
   * reads cannot make the walk skip an item the way Bitbucket's page numbers can.
   */
  isSnapshot(): boolean {
    return true;
  }

  /** Nothing to confirm: the listing is a snapshot (see isSnapshot). */
  confirmAbsent(): Promise<AbsenceCheck> {
    return Promise.resolve({ gone: [], present: [] });
  }
}
