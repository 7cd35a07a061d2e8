// Workspace-wide facts every access query needs: the workspace slug, every workspace role (owners
// reach everything), users (names), groups and their members, projects (keys) and repositories
// (project map, visibility). Read once and kept for a short time per process, so a query reads only
// the grants of what it asks about: "who can reach" a repository granted to a group of 3,600 members
// reads its two grant listings, not 3,600 memberships and 3,600 user records.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  Grant,
  GroupResource,
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
  projects: ProjectResource[];
  repositories: Map<string, RepositoryResource>;
}

export const DEFAULT_WORKSPACE_FACTS_TTL_MS = 30_000;

export class WorkspaceFactsCache {
  private readonly entries = new Map<string, { expiresAt: number; facts: WorkspaceFacts }>();

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  async get(ws: string, tally: ReadTally): Promise<WorkspaceFacts> {
    const cached = this.entries.get(ws);
    if (cached && cached.expiresAt > this.now().getTime()) return cached.facts;
    const facts = await this.read(ws, tally);
    this.entries.set(ws, { expiresAt: this.now().getTime() + this.ttlMs, facts });
    return facts;
  }

  /** Drops a workspace's entry (the store calls it after changing members, projects or repositories). */
  invalidate(ws: string): void {
    this.entries.delete(ws);
  }

  private async read(ws: string, tally: ReadTally): Promise<WorkspaceFacts> {
    const pk = workspacePartition(ws);
    const items = (prefix: string) =>
      queryPrefix(this.documentClient, this.tableName, pk, prefix, tally).then((records) =>
        records.map((record) => fromStoredRecord(record).item),
      );
    const [workspaceItems, roles, users, groups, memberships, projects, repositories] = await Promise.all([
      batchGetAll(this.documentClient, this.tableName, [resourceKey(ws, 'workspace', ws)], tally),
      items(grantsOnPrefix('workspace')) as Promise<WorkspaceRoleGrant[]>,
      items(resourceTypePrefix('user')) as Promise<UserResource[]>,
      items(resourceTypePrefix('group')) as Promise<GroupResource[]>,
      items(grantsOnPrefix('group')) as Promise<Grant[]>,
      items(resourceTypePrefix('project')) as Promise<ProjectResource[]>,
      items(resourceTypePrefix('repository')) as Promise<RepositoryResource[]>,
    ]);
    const workspace = workspaceItems[0]
      ? (fromStoredRecord(workspaceItems[0]).item as WorkspaceResource)
      : null;
    const membersOfGroup = new Map<string, Grant[]>();
    for (const membership of memberships) {
      const members = membersOfGroup.get(membership.resource.id);
      if (members) members.push(membership);
      else membersOfGroup.set(membership.resource.id, [membership]);
    }
    return {
      workspace: { id: ws, slug: workspace?.attributes.slug ?? ws },
      roles: new Map(roles.map((grant) => [grant.principal.id, grant])),
      users: new Map(users.map((user) => [user.id, user])),
      groups: new Map(groups.map((group) => [group.id, group])),
      membersOfGroup,
      projects,
      repositories: new Map(repositories.map((repository) => [repository.id, repository])),
    };
  }
}
