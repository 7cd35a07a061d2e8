// Workspace-wide facts every access query needs: the workspace slug, every workspace role (owners
// reach everything), users (names), groups and their members, projects (keys) and repositories
// (project map, visibility), and in a workspace administered in admin.atlassian.com the organization
// groups with a role on it and their members (why a member is a member or owner). Read once and kept for a short time per process, so a query reads only
// the grants of what it asks about: "who can reach" a repository granted to a group of 3,600 members
// reads its two grant listings, not 3,600 memberships and 3,600 user records.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  Grant,
  GroupResource,
  OrgGroupResource,
  ProjectResource,
  RepositoryResource,
  UserResource,
  WorkspaceResource,
  WorkspaceRoleGrant,
} from '../model/index.js';
import { batchGetAll, queryPrefix, type ReadTally } from './dynamodb-reads.js';
import { grantsOnPrefix, resourceKey, resourceTypePrefix, workspacePartition } from './keys.js';
import { fromStoredRecord } from './stored-items.js';

export interface WorkspaceFacts {
  workspace: { id: string; slug: string };
  roles: Map<string, WorkspaceRoleGrant>;
  users: Map<string, UserResource>;
  groups: Map<string, GroupResource>;
  /** Group memberships by group slug. */
  membersOfGroup: Map<string, Grant[]>;
  /** Organization groups with a role on the workspace, by Admin API id (none when Bitbucket-administered). */
  orgGroups: Map<string, OrgGroupResource>;
  /** Organization-group memberships by member account (the role provenance of each user). */
  orgGroupsOfUser: Map<string, Grant[]>;
  projects: ProjectResource[];
  repositories: Map<string, RepositoryResource>;
}

export const DEFAULT_WORKSPACE_FACTS_TTL_MS = 30_000;

export class WorkspaceFactsCache {
  private readonly entries = new Map<string, { expiresAt: number; facts: WorkspaceFacts }>();
  /**
   * Loads in flight, shared by every caller that finds the entry missing or expired meanwhile: an export
   * asks for the facts of several users at once, and each asking for its own copy at a TTL expiry held
   * that many copies of L's 60,000 items (peak RSS) and read them as many times.
   */
  private readonly loading = new Map<string, Promise<WorkspaceFacts>>();
  /** Moves on every invalidation, so a load that began before a change is not kept after it. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  /**
   * The workspace's facts: cached while younger than the TTL, else read once for every caller waiting
   * (only the caller that starts the read counts its items in `tally`). Errors of the read reach every
   * waiting caller and are not kept.
   */
  async get(ws: string, tally: ReadTally): Promise<WorkspaceFacts> {
    const cached = this.entries.get(ws);
    if (cached && cached.expiresAt > this.now().getTime()) return cached.facts;
    const inFlight = this.loading.get(ws);
    if (inFlight) return inFlight;
    const generation = this.generations.get(ws) ?? 0;
    const load = this.read(ws, tally)
      .then((facts) => {
        if ((this.generations.get(ws) ?? 0) === generation)
          this.entries.set(ws, { expiresAt: this.now().getTime() + this.ttlMs, facts });
        return facts;
      })
      .finally(() => {
        if (this.loading.get(ws) === load) this.loading.delete(ws);
      });
    this.loading.set(ws, load);
    return load;
  }

  /**
   * Drops a workspace's entry. The store calls it after changing any resource, workspace role or group
   * membership; organization-group memberships feed these facts too and need the same (until then a
   * who-can-reach answer may show an org-group membership change only after the TTL).
   */
  invalidate(ws: string): void {
    this.entries.delete(ws);
    this.loading.delete(ws);
    this.generations.set(ws, (this.generations.get(ws) ?? 0) + 1);
  }

  private async read(ws: string, tally: ReadTally): Promise<WorkspaceFacts> {
    const pk = workspacePartition(ws);
    const items = (prefix: string) =>
      queryPrefix(this.documentClient, this.tableName, pk, prefix, tally).then((records) =>
        records.map((record) => fromStoredRecord(record).item),
      );
    const [
      workspaceItems,
      roles,
      users,
      groups,
      memberships,
      orgGroups,
      orgMemberships,
      projects,
      repositories,
    ] = await Promise.all([
      batchGetAll(this.documentClient, this.tableName, [resourceKey(ws, 'workspace', ws)], tally),
      items(grantsOnPrefix('workspace')) as Promise<WorkspaceRoleGrant[]>,
      items(resourceTypePrefix('user')) as Promise<UserResource[]>,
      items(resourceTypePrefix('group')) as Promise<GroupResource[]>,
      items(grantsOnPrefix('group')) as Promise<Grant[]>,
      items(resourceTypePrefix('org-group')) as Promise<OrgGroupResource[]>,
      items(grantsOnPrefix('org-group')) as Promise<Grant[]>,
      items(resourceTypePrefix('project')) as Promise<ProjectResource[]>,
      items(resourceTypePrefix('repository')) as Promise<RepositoryResource[]>,
    ]);
    const workspace = workspaceItems[0]
      ? (fromStoredRecord(workspaceItems[0]).item as WorkspaceResource)
      : null;
    const membersOfGroup = groupBy(memberships, (membership) => membership.resource.id);
    const orgGroupsOfUser = groupBy(orgMemberships, (membership) => membership.principal.id);
    return {
      workspace: { id: ws, slug: workspace?.attributes.slug ?? ws },
      roles: new Map(roles.map((grant) => [grant.principal.id, grant])),
      users: new Map(users.map((user) => [user.id, user])),
      groups: new Map(groups.map((group) => [group.id, group])),
      membersOfGroup,
      orgGroups: new Map(orgGroups.map((orgGroup) => [orgGroup.id, orgGroup])),
      orgGroupsOfUser,
      projects,
      repositories: new Map(repositories.map((repository) => [repository.id, repository])),
    };
  }
}

function groupBy<T>(list: readonly T[], keyOf: (entry: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const entry of list) {
    const key = keyOf(entry);
    const entries = map.get(key);
    if (entries) entries.push(entry);
    else map.set(key, [entry]);
  }
  return map;
}
