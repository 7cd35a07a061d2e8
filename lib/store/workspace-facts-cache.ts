// Workspace-wide facts every access query needs: the workspace slug, every workspace role (owners
// reach everything), projects (keys) and repositories (project map, visibility). Read once and kept
// for a short time per process, so per-query reads stay bounded by what the user or resource touches.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  ProjectResource,
  RepositoryResource,
  WorkspaceResource,
  WorkspaceRoleGrant,
} from '../model/index.js';
import { batchGetAll, queryPrefix, type ReadTally } from './dynamodb-reads.js';
import { grantsOnPrefix, resourceKey, resourceTypePrefix, workspacePartition } from './keys.js';
import { fromStoredRecord } from './stored-items.js';

export interface WorkspaceFacts {
  workspace: { id: string; slug: string };
  roles: Map<string, WorkspaceRoleGrant>;
  projects: ProjectResource[];
  repositories: RepositoryResource[];
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
    const [workspaceItems, roleItems, projectItems, repositoryItems] = await Promise.all([
      batchGetAll(this.documentClient, this.tableName, [resourceKey(ws, 'workspace', ws)], tally),
      queryPrefix(this.documentClient, this.tableName, pk, grantsOnPrefix('workspace'), tally),
      queryPrefix(this.documentClient, this.tableName, pk, resourceTypePrefix('project'), tally),
      queryPrefix(this.documentClient, this.tableName, pk, resourceTypePrefix('repository'), tally),
    ]);
    const workspace = workspaceItems[0]
      ? (fromStoredRecord(workspaceItems[0]).item as WorkspaceResource)
      : null;
    const roles = roleItems.map((record) => fromStoredRecord(record).item as WorkspaceRoleGrant);
    return {
      workspace: { id: ws, slug: workspace?.attributes.slug ?? ws },
      roles: new Map(roles.map((grant) => [grant.principal.id, grant])),
      projects: projectItems.map((record) => fromStoredRecord(record).item as ProjectResource),
      repositories: repositoryItems.map((record) => fromStoredRecord(record).item as RepositoryResource),
    };
  }
}
