// The figures `npm start` and `bbgov sync` print once a pass is done: what the picture holds.
import { queryPrefix } from '../store/dynamodb-reads.js';
import { grantsOnPrefix, workspacePartition } from '../store/keys.js';
import type { GovernanceStore } from '../store/index.js';
import type { CapabilityGapSummary, WorkspaceAdministration } from '../store/sync-state.js';
import type { LocalStore } from './local-store.js';

export interface WorkspaceSummary {
  users: number;
  owners: number;
  groups: number;
  groupsWithDefaultWriteOrAdmin: string[];
  projects: number;
  repositories: number;
  publicRepositories: number;
  grants: number;
}

export async function summarizeWorkspace(
  store: GovernanceStore,
  localStore: LocalStore,
  workspaceId: string,
): Promise<WorkspaceSummary> {
  const [users, groups, projects, repositories, roles, projectGrants, repositoryGrants] = await Promise.all([
    store.listResources(workspaceId, 'user'),
    store.listResources(workspaceId, 'group'),
    store.listResources(workspaceId, 'project'),
    store.listResources(workspaceId, 'repository'),
    store.listGrantsOnResource(workspaceId, 'workspace', workspaceId),
    queryPrefix(
      localStore.documentClient,
      localStore.tableName,
      workspacePartition(workspaceId),
      grantsOnPrefix('project'),
    ),
    queryPrefix(
      localStore.documentClient,
      localStore.tableName,
      workspacePartition(workspaceId),
      grantsOnPrefix('repository'),
    ),
  ]);
  return {
    users: users.length,
    owners: roles.filter((entry) => entry.item.entitlement === 'owner').length,
    groups: groups.length,
    groupsWithDefaultWriteOrAdmin: groups
      .filter((entry) => ['write', 'admin'].includes(entry.item.attributes.defaultPermission ?? ''))
      .map((entry) => `${entry.item.id} (${entry.item.attributes.defaultPermission})`),
    projects: projects.length,
    repositories: repositories.length,
    publicRepositories: repositories.filter((entry) => !entry.item.attributes.isPrivate).length,
    grants: projectGrants.length + repositoryGrants.length,
  };
}

export function formatSummary(slug: string, summary: WorkspaceSummary): string {
  return [
    `workspace ${slug}:`,
    `  ${summary.users} users (${summary.owners} owners), ${summary.groups} groups, ${summary.projects} projects, ` +
      `${summary.repositories} repositories (${summary.publicRepositories} public), ${summary.grants} explicit project/repository grants`,
    summary.groupsWithDefaultWriteOrAdmin.length > 0
      ? `  groups that give every new repository write or admin: ${summary.groupsWithDefaultWriteOrAdmin.join(', ')}`
      : '  no group gives new repositories write or admin by default',
  ].join('\n');
}

/** One warning line per kind the credential may not read (the pass went on without it). */
export function gapLines(workspace: string, gaps: readonly CapabilityGapSummary[]): string[] {
  return gaps.map(
    (gap) =>
      `${workspace}: capability gap: ${gap.message} (${gap.scopes} scope${gap.scopes === 1 ? '' : 's'} not read; Bitbucket said: ${gap.bitbucketSaid}). It is tried again at once when the credential changes, else after SYNC_CAPABILITY_GAP_RETRY_MINUTES (default 6 hours)`,
  );
}

const EVIDENCE: Record<WorkspaceAdministration['evidence'], string> = {
  configured: 'set by BITBUCKET_ADMINISTRATION',
  'organization-lists-it': 'the organization lists it',
  'organization-does-not-list-it': 'the organization does not list it',
  'group-write-refused': 'Bitbucket refused a 1.0 group write',
  'no-last-accessed': 'likely: Bitbucket reports no last access for any member',
  'no-evidence': 'assumed: nothing says otherwise yet',
};

/**
 * One line on a workspace's administration for people: `acme: administered in admin.atlassian.com (the
 * organization lists it); organization groups synced`. `orgGroupsRefreshed`: the `org-groups` scope has
 * been read at least once.
 */
export function administrationLine(
  slug: string,
  administration: WorkspaceAdministration | undefined,
  orgGroupsRefreshed: boolean,
): string {
  if (!administration) return `${slug}: administration unknown until its first sync step`;
  const where =
    administration.mode === 'organization'
      ? 'administered in admin.atlassian.com'
      : 'administered in Bitbucket';
  const groups =
    administration.mode !== 'organization'
      ? ''
      : administration.orgGroupsRead
        ? orgGroupsRefreshed
          ? '; organization groups synced through the Atlassian Admin API'
          : '; organization groups not read yet (see the sync status)'
        : '; set ATLASSIAN_ORG_ID and ATLASSIAN_ADMIN_API_KEY to read its organization groups and change memberships';
  return `${slug}: ${where} (${EVIDENCE[administration.evidence]})${groups}`;
}
