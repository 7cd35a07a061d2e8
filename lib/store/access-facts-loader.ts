// Loads the AccessFacts for one user or one resource with bounded reads: the user's own items and
// grants (GSI1), the grants of the user's groups (GSI1 per group), or a resource's grants and the
// memberships of the groups named there, plus the cached workspace-wide facts. Never a scan.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessFacts, ActivityFact } from '../access/index.js';
import type { Grant, GroupResource, Resource, UserResource } from '../model/index.js';
import { fromActivityRecord } from './activity-records.js';
import { batchGetAll, queryAll, queryPrefix, type ReadTally } from './dynamodb-reads.js';
import { GSI1 } from './table-definition.js';
import {
  activityKey,
  activityOfAccountPrefix,
  GRANT_PREFIX,
  grantsOnPrefix,
  principalPartition,
  resourceKey,
  resourceTypePrefix,
  workspacePartition,
} from './keys.js';
import { fromStoredRecord } from './stored-items.js';
import type { WorkspaceFacts, WorkspaceFactsCache } from './workspace-facts-cache.js';

export type AccessTarget = { type: 'project' | 'repository' | 'group'; id: string };

export class AccessFactsLoader {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cache: WorkspaceFactsCache,
  ) {}

  private grantsOfPrincipal(ws: string, type: 'user' | 'group', id: string, tally: ReadTally) {
    return queryAll(
      this.documentClient,
      {
        TableName: this.tableName,
        IndexName: GSI1.indexName,
        KeyConditionExpression: `${GSI1.partitionKey} = :pk AND begins_with(${GSI1.sortKey}, :prefix)`,
        ExpressionAttributeValues: { ':pk': principalPartition(ws, type, id), ':prefix': GRANT_PREFIX },
      },
      tally,
    ).then((records) => records.map((record) => fromStoredRecord(record).item as Grant));
  }

  private grantsOn(ws: string, type: 'project' | 'repository' | 'group', id: string, tally: ReadTally) {
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
      resources: [...resources, ...shared.projects, ...shared.repositories],
      grants,
      activity,
      itemsRead: tally.itemsRead,
    };
  }

  /** Facts for one user's answer. Without the user's record the facts hold no user (answer: unknown). */
  async forUser(ws: string, accountId: string): Promise<AccessFacts> {
    const tally: ReadTally = { itemsRead: 0 };
    const [shared, userRecords, ownGrants, activityRecords] = await Promise.all([
      this.cache.get(ws, tally),
      batchGetAll(this.documentClient, this.tableName, [resourceKey(ws, 'user', accountId)], tally),
      this.grantsOfPrincipal(ws, 'user', accountId, tally),
      queryPrefix(
        this.documentClient,
        this.tableName,
        workspacePartition(ws),
        activityOfAccountPrefix(accountId),
        tally,
      ),
    ]);
    const groups = ownGrants
      .filter((grant) => grant.resource.type === 'group')
      .map((grant) => grant.resource.id);
    const groupGrants = await Promise.all(
      groups.map((group) => this.grantsOfPrincipal(ws, 'group', group, tally)),
    );
    const users = userRecords.map((record) => fromStoredRecord(record).item as UserResource);
    const activity = activityRecords.map(fromActivityRecord).filter((fact) => fact !== null);
    return this.facts(shared, users, [...ownGrants, ...groupGrants.flat()], activity, tally);
  }

  /** Facts for who can reach a resource; null when the resource is not stored. */
  async forResource(ws: string, target: AccessTarget, includePublic = false): Promise<AccessFacts | null> {
    const tally: ReadTally = { itemsRead: 0 };
    const shared = await this.cache.get(ws, tally);
    const resources: Resource[] = [];
    const grants: Grant[] = [];
    let isPublicRepository = false;

    if (target.type === 'group') {
      const [record] = await batchGetAll(
        this.documentClient,
        this.tableName,
        [resourceKey(ws, 'group', target.id)],
        tally,
      );
      if (!record) return null;
      resources.push(fromStoredRecord(record).item as GroupResource);
      grants.push(...(await this.grantsOn(ws, 'group', target.id, tally)));
    } else {
      let projectId: string | null = target.id;
      if (target.type === 'repository') {
        const repository = shared.repositories.find((entry) => entry.id === target.id);
        if (!repository) return null;
        projectId = repository.attributes.projectUuid;
        isPublicRepository = !repository.attributes.isPrivate;
        grants.push(...(await this.grantsOn(ws, 'repository', target.id, tally)));
      } else if (!shared.projects.some((entry) => entry.id === target.id)) {
        return null;
      }
      if (projectId !== null) grants.push(...(await this.grantsOn(ws, 'project', projectId, tally)));
      const groups = [
        ...new Set(grants.filter((g) => g.principal.type === 'group').map((g) => g.principal.id)),
      ];
      const memberships = await Promise.all(groups.map((group) => this.grantsOn(ws, 'group', group, tally)));
      grants.push(...memberships.flat());
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
    const userRecords = everyone
      ? await queryPrefix(
          this.documentClient,
          this.tableName,
          workspacePartition(ws),
          resourceTypePrefix('user'),
          tally,
        )
      : await batchGetAll(
          this.documentClient,
          this.tableName,
          [...accounts].map((id) => resourceKey(ws, 'user', id)),
          tally,
        );
    resources.push(...userRecords.map((record) => fromStoredRecord(record).item as UserResource));
    for (const accountId of accounts) {
      const role = shared.roles.get(accountId);
      if (role) grants.push(role);
    }

    let activity: ActivityFact[] = [];
    if (target.type === 'repository') {
      const keys = [...accounts].map((accountId) => activityKey(ws, accountId, target.id));
      const records = await batchGetAll(
        this.documentClient,
        this.tableName,
        keys.map(({ PK, SK }) => ({ PK, SK })),
        tally,
      );
      activity = records.map(fromActivityRecord).filter((fact) => fact !== null);
    }
    return this.facts(shared, resources, grants, activity, tally);
  }
}
