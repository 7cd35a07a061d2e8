// Which access requests stand behind a user's access: the export names, on each row, the active requests
// whose grant is one of the row's paths, so a reviewer sees "write until 14:05, approved by bob" instead
// of an unexplained direct grant or group membership.
import type { AccessPath } from '../access/index.js';
import { resolveTarget, type PrincipalSelector, type ResourceSelector } from '../provisioning/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import type { AccessRequestRecord, AccessRequestStore } from '../store/access-requests.js';

/** One active request behind a row: what it granted, who asked and decided, and until when (null: no end). */
export interface RequestEvidence {
  id: string;
  permission: string;
  requestedBy: string;
  decidedBy: string | null;
  expiresAt: string | null;
}

/** The requests behind rows of one workspace, looked up by the row's user, resource and paths. */
export interface RequestedPaths {
  /**
   * The active requests whose grant is one of `paths` of `accountId` on the resource (`type` project or
   * repository, `id` its uuid, `name` its key or slug), in id order; empty when none.
   */
  behind(
    accountId: string,
    resource: { type: 'project' | 'repository'; id: string; name: string },
    paths: readonly AccessPath<string>[],
  ): RequestEvidence[];
}

const grantKey = (principal: string, resourceType: string, resource: string) =>
  `${principal}|${resourceType}|${resource}`;
const membershipKey = (accountId: string, group: string) => `member|${accountId}|${group}`;

/**
 * The active, actually granted (not `alreadyHeld`) requests of `workspace`, resolved against the stored
 * picture. Costs one listing of the workspace's requests plus two reads per active request; a request
 * whose resource or principal is gone from the picture explains nothing and is left out.
 */
export async function requestedPathsOf(
  store: GovernanceStore,
  accessRequests: Pick<AccessRequestStore, 'list'>,
  workspace: WorkspaceEntry,
): Promise<RequestedPaths> {
  const byGrant = new Map<string, RequestEvidence[]>();
  const add = (key: string, evidence: RequestEvidence) =>
    byGrant.set(key, [...(byGrant.get(key) ?? []), evidence]);
  for (const record of await accessRequests.list(workspace.uuid, 'active')) {
    if (record.alreadyHeld) continue;
    const key = await keyOf(store, workspace, record);
    if (key !== null) add(key, evidenceOf(record));
  }
  return {
    behind(accountId, resource, paths) {
      const keys = new Set<string>();
      // The project a repository path names is its key; grants on projects are kept under that key.
      const onRow = (principal: string) =>
        grantKey(principal, resource.type, resource.type === 'project' ? resource.name : resource.id);
      for (const path of paths) {
        if (path.via === 'direct') keys.add(onRow(`user:${accountId}`));
        if (path.via === 'group') keys.add(onRow(`group:${path.group}`));
        if (path.via === 'project') keys.add(grantKey(`user:${accountId}`, 'project', path.project));
        if (path.via === 'project-group') keys.add(grantKey(`group:${path.group}`, 'project', path.project));
        if (path.via === 'group' || path.via === 'project-group')
          keys.add(membershipKey(accountId, path.group));
      }
      const found = new Map<string, RequestEvidence>();
      for (const key of keys) for (const evidence of byGrant.get(key) ?? []) found.set(evidence.id, evidence);
      return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}

async function keyOf(
  store: GovernanceStore,
  workspace: WorkspaceEntry,
  record: AccessRequestRecord,
): Promise<string | null> {
  let target;
  try {
    target = await resolveTarget(
      store,
      workspace,
      record.resource as unknown as ResourceSelector,
      record.principal as unknown as PrincipalSelector,
    );
  } catch {
    return null;
  }
  const principal = `${target.principal.type}:${target.principal.id}`;
  switch (target.kind) {
    case 'group-membership':
      return membershipKey(target.principal.id, target.group.slug);
    case 'project-permission':
      return grantKey(principal, 'project', target.project.key);
    case 'repository-permission':
      return grantKey(principal, 'repository', target.repository.id);
  }
}

function evidenceOf(record: AccessRequestRecord): RequestEvidence {
  return {
    id: record.id,
    permission: record.permission,
    requestedBy: record.requestedBy,
    decidedBy: record.decidedBy ?? null,
    expiresAt: record.expiresAt ?? null,
  };
}

/** The CSV cell: `ar-…: write approved by bob until 2026-12-07T21:05:00.000Z; …`; null when none. */
export function describeRequestEvidence(evidence: readonly RequestEvidence[] | undefined): string | null {
  if (!evidence || evidence.length === 0) return null;
  return evidence
    .map(
      (entry) =>
        `${entry.id}: ${entry.permission} approved by ${entry.decidedBy ?? 'unknown'}` +
        (entry.expiresAt ? ` until ${entry.expiresAt}` : ''),
    )
    .join('; ');
}
