// Loads the AccessFacts for one user or one resource with bounded reads on top of the cached
// workspace-wide facts (roles, users, groups and members, projects, repositories): the user's own
// grants and activity (one GSI1 query) and the grants of each of the user's groups (GSI1 per group, or
// the group's expansion cached in this process while its grants counter has not moved, one GetItem: see
// group-grants-cache.ts); or
// a resource's grant listings and the repository's activity (one query each, together). Never a scan.
// Organization groups (workspaces administered in admin.atlassian.com) explain roles: a user's own
// memberships arrive with their grants; a resource answer takes its users' from the cached facts.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessFacts, ActivityFact } from '../access/index.js';
import type { Grant, Resource } from '../model/index.js';
import { fromActivityRecord } from './activity-records.js';
import { queryIndexPrefix, queryPrefix, type ReadTally } from './dynamodb-reads.js';
import { GSI1 } from './table-definition.js';
import {
  ACTIVITY_PREFIX,
  activityOnRepositoryPrefix,
  GRANT_PREFIX,
  grantsOnPrefix,
  principalPartition,
  workspacePartition,
} from './keys.js';
import { fromStoredRecord, type Observed } from './stored-items.js';
import type { GroupGrantsCache } from './group-grants-cache.js';
import type { WorkspaceFacts, WorkspaceFactsCache } from './workspace-facts-cache.js';

export type AccessTarget = { type: 'project' | 'repository' | 'group'; id: string };

/**
 * Grants of groups already read, by group slug, shared by the users of one export: the members of a
 * group granted on every repository read its grants once, not once each.
 */
export type GroupGrantsMemo = Map<string, Promise<Grant[]>>;

export class AccessFactsLoader {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cache: WorkspaceFactsCache,
    private readonly groupGrantsCache: GroupGrantsCache,
  ) {}

  /** The organization groups (resources) behind `memberships`, those the cached facts hold. */
  private orgGroupsOf(shared: WorkspaceFacts, memberships: readonly Grant[]): Resource[] {
    const found: Resource[] = [];
    for (const membership of memberships) {
      const orgGroup = shared.orgGroups.get(membership.resource.id);
      if (orgGroup) found.push(orgGroup);
    }
    return found;
  }

  /** A principal's items on GSI1, all of them or those whose index sort key starts with `prefix`. */
  private itemsOfPrincipal(
    ws: string,
    type: 'user' | 'group',
    id: string,
    prefix: string | undefined,
    tally: ReadTally,
  ) {
    return queryIndexPrefix(
      this.documentClient,
      this.tableName,
      principalPartition(ws, type, id),
      prefix,
      tally,
    );
  }

  private grantsOfGroup(ws: string, group: string, tally: ReadTally) {
    return this.itemsOfPrincipal(ws, 'group', group, GRANT_PREFIX, tally).then((records) =>
      records.map((record) => fromStoredRecord(record).item as Grant),
    );
  }

  private grantsOn(ws: string, type: 'project' | 'repository', id: string, tally: ReadTally) {
    return queryPrefix(
      this.documentClient,
      this.tableName,
      workspacePartition(ws),
      grantsOnPrefix(type, id),
      tally,
    ).then((records) => records.map((record) => fromStoredRecord(record).item as Grant));
  }

  private facts(
    shared: WorkspaceFacts,
    resources: Resource[],
    grants: Grant[],
    activity: ActivityFact[],
    tally: ReadTally,
  ): AccessFacts {
    return {
      workspace: shared.workspace,
      resources: [...resources, ...shared.projects, ...shared.repositories.values()],
      grants,
      activity,
      itemsRead: tally.itemsRead,
    };
  }

  /**
   * Facts for one user's answer. Without the user's record the facts hold no user (answer: unknown).
   * Also the user's own grants as stored (with `observedAt`), which an export reports, from the same read.
   */
  async forUser(
    ws: string,
    accountId: string,
    groupGrants?: GroupGrantsMemo,
  ): Promise<{ facts: AccessFacts; ownGrants: Observed<Grant>[] }> {
    const tally: ReadTally = { itemsRead: 0 };
    // One GSI1 query returns the user's grants (GSI1SK `GRANT#…`) and activity (`ACT#…`) together. The
    // group counters are read before any group's grants, so a cached expansion is used only if no write
    // of that group's grants completed since it was loaded.
    const [shared, ownRecords, versions] = await Promise.all([
      this.cache.get(ws, tally),
      this.itemsOfPrincipal(ws, 'user', accountId, undefined, tally),
      groupGrants ? undefined : this.groupGrantsCache.versions(ws, tally),
    ]);
    const indexSortKey = (record: Record<string, unknown>) => String(record[GSI1.sortKey]);
    const ownObserved = ownRecords
      .filter((record) => indexSortKey(record).startsWith(GRANT_PREFIX))
      .map((record) => fromStoredRecord(record) as Observed<Grant>);
    const ownGrants = ownObserved.map((entry) => entry.item);
    const activity = ownRecords
      .filter((record) => indexSortKey(record).startsWith(ACTIVITY_PREFIX))
      .map(fromActivityRecord)
      .filter((fact) => fact !== null);
    const groups = ownGrants
      .filter((grant) => grant.resource.type === 'group')
      .map((grant) => grant.resource.id);
    const grantsOf = (group: string) => {
      if (!groupGrants) {
        const version = versions?.(group) ?? 0;
        return this.groupGrantsCache.grantsOf(ws, group, version, tally, (readTally) =>
          this.grantsOfGroup(ws, group, readTally),
        );
      }
      let grants = groupGrants.get(group);
      if (!grants) groupGrants.set(group, (grants = this.grantsOfGroup(ws, group, tally)));
      return grants;
    };
    const viaGroups = await Promise.all(groups.map(grantsOf));
    const user = shared.users.get(accountId);
    const orgMemberships = ownGrants.filter((grant) => grant.resource.type === 'org-group');
    const facts = this.facts(
      shared,
      [...(user ? [user] : []), ...this.orgGroupsOf(shared, orgMemberships)],
      [...ownGrants, ...viaGroups.flat()],
      activity,
      tally,
    );
    return { facts, ownGrants: ownObserved };
  }

  /** Facts for who can reach a resource; null when the resource is not stored. */
  async forResource(ws: string, target: AccessTarget, includePublic = false): Promise<AccessFacts | null> {
    const tally: ReadTally = { itemsRead: 0 };
    const shared = await this.cache.get(ws, tally);
    const resources: Resource[] = [];
    const grants: Grant[] = [];
    let isPublicRepository = false;
    let activityRecords: Record<string, unknown>[] = [];

    if (target.type === 'group') {
      const group = shared.groups.get(target.id);
      if (!group) return null;
      resources.push(group);
      grants.push(...(shared.membersOfGroup.get(target.id) ?? []));
    } else {
      let projectId: string | null = target.id;
      if (target.type === 'repository') {
        const repository = shared.repositories.get(target.id);
        if (!repository) return null;
        projectId = repository.attributes.projectUuid;
        isPublicRepository = !repository.attributes.isPrivate;
      } else if (!shared.projects.some((entry) => entry.id === target.id)) {
        return null;
      }
      const [repositoryGrants, projectGrants, repositoryActivity] = await Promise.all([
        target.type === 'repository' ? this.grantsOn(ws, 'repository', target.id, tally) : [],
        projectId !== null ? this.grantsOn(ws, 'project', projectId, tally) : [],
        target.type === 'repository'
          ? queryPrefix(
              this.documentClient,
              this.tableName,
              workspacePartition(ws),
              activityOnRepositoryPrefix(target.id),
              tally,
            )
          : [],
      ]);
      grants.push(...repositoryGrants, ...projectGrants);
      activityRecords = repositoryActivity;
      const groups = new Set(grants.filter((g) => g.principal.type === 'group').map((g) => g.principal.id));
      for (const group of groups) grants.push(...(shared.membersOfGroup.get(group) ?? []));
    }

    // Accounts the answer can name: grantees, group members, owners (and everyone, for a public repository).
    const everyone = includePublic && isPublicRepository;
    const accounts = new Set<string>();
    for (const grant of grants) {
      const accountId = grant.principal.type === 'user' ? grant.principal.id : null;
      if (accountId !== null) accounts.add(accountId);
    }
    for (const [accountId, role] of shared.roles) {
      if (everyone || (role.entitlement === 'owner' && target.type !== 'group')) accounts.add(accountId);
    }
    if (everyone) for (const accountId of shared.users.keys()) accounts.add(accountId);
    const orgGroupsNamed: Resource[] = [];
    for (const accountId of accounts) {
      const user = shared.users.get(accountId);
      if (user) resources.push(user);
      const role = shared.roles.get(accountId);
      if (role) grants.push(role);
      const orgMemberships = shared.orgGroupsOfUser.get(accountId) ?? [];
      grants.push(...orgMemberships);
      orgGroupsNamed.push(...this.orgGroupsOf(shared, orgMemberships));
    }
    resources.push(...new Set(orgGroupsNamed));
    // Only the activity of accounts the answer names (a former member's record stays out).
    const activity = activityRecords
      .map(fromActivityRecord)
      .filter((fact): fact is ActivityFact => fact !== null && accounts.has(fact.accountId));
    return this.facts(shared, resources, grants, activity, tally);
  }
}
