// Bitbucket Cloud as a GovernanceSource: one row per scope kind naming the listing calls (endpoints.ts)
// and the translation (observations.ts) that make its items, the direct reads that confirm an item a
// listing walk missed (confirmations.ts), and the grant channels of provisioning.
import type { GovernanceItem, ScopeKind } from '../model/index.js';
import type {
  AbsenceCheck,
  GovernanceSource,
  GrantChannel,
  ProvisioningTarget,
  ScopeTarget,
  SourceCall,
  SourceWorkspace,
} from '../source/index.js';
import type { BitbucketClient } from './client.js';
import { confirmAbsentInBitbucket } from './confirmations.js';
import { bitbucketGrantChannel } from './grant-channels.js';
import {
  observeGroups,
  observeMembers,
  observeProjectGrants,
  observeProjects,
  observeRepositories,
  observeRepositoryGrants,
} from './observations.js';

/** The scope kinds Bitbucket Cloud lists (`org-groups` come from the Atlassian Admin API). */
export type BitbucketScopeKind = Exclude<ScopeKind, 'org-groups'>;

type Lister<K extends BitbucketScopeKind> = (
  client: BitbucketClient,
  workspace: SourceWorkspace,
  target: Extract<ScopeTarget, { kind: K }>,
  call: SourceCall,
) => Promise<GovernanceItem[]>;

/** How Bitbucket Cloud lists each scope kind. */
const LISTINGS: { [K in BitbucketScopeKind]: Lister<K> } = {
  members: async (client, workspace, _target, call) =>
    observeMembers(workspace.id, await client.listWorkspaceMembers(workspace.slug, call)),
  groups: async (client, workspace, _target, call) =>
    observeGroups(await client.listGroups(workspace.slug, call)),
  projects: async (client, workspace, _target, call) =>
    observeProjects(await client.listProjects(workspace.slug, call)),
  repositories: async (client, workspace, _target, call) =>
    observeRepositories(await client.listRepositories(workspace.slug, {}, call)),
  'project-grants': async (client, workspace, target, call) =>
    observeProjectGrants(
      target.projectId,
      ...(await Promise.all([
        client.listProjectUserGrants(workspace.slug, target.key, call),
        client.listProjectGroupGrants(workspace.slug, target.key, call),
      ])),
    ),
  'repository-grants': async (client, workspace, target, call) =>
    observeRepositoryGrants(
      target.repositoryId,
      ...(await Promise.all([
        client.listRepositoryUserGrants(workspace.slug, target.slug, call),
        client.listRepositoryGroupGrants(workspace.slug, target.slug, call),
      ])),
    ),
};

/** Bitbucket Cloud behind the GovernanceSource seam, through `client` (its budget and retries apply). */
export class BitbucketCloudSource implements GovernanceSource {
  readonly kinds = Object.keys(LISTINGS) as BitbucketScopeKind[];

  constructor(private readonly client: BitbucketClient) {}

  /** Throws for a kind Bitbucket does not list (`org-groups`: a programming error, route it elsewhere). */
  listScope(workspace: SourceWorkspace, target: ScopeTarget, call: SourceCall): Promise<GovernanceItem[]> {
    if (target.kind === 'org-groups') throw new Error('org-groups are listed by the Atlassian Admin API');
    const list = LISTINGS[target.kind] as Lister<typeof target.kind>;
    return list(this.client, workspace, target as never, call);
  }

  /**
   * Only `groups` (`GET /1.0/groups/{ws}`: one unpaged array, read in one request) is a snapshot; every
   * 2.0 listing is paged by page number over a list that can move between page reads (API-NOTES).
   */
  isSnapshot(kind: ScopeKind): boolean {
    return kind === 'groups';
  }

  confirmAbsent(
    workspace: SourceWorkspace,
    target: ScopeTarget,
    missing: readonly GovernanceItem[],
    call: SourceCall,
  ): Promise<AbsenceCheck> {
    return confirmAbsentInBitbucket(this.client, workspace, target, missing, call);
  }

  grantChannel(workspaceSlug: string, target: ProvisioningTarget): GrantChannel {
    return bitbucketGrantChannel(this.client, workspaceSlug, target);
  }
}

/** The source `dependencies` name, or Bitbucket Cloud through their client when they name none. */
export function sourceOf(dependencies: {
  client: BitbucketClient;
  source?: GovernanceSource;
}): GovernanceSource {
  return dependencies.source ?? new BitbucketCloudSource(dependencies.client);
}
