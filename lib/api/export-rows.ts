// The rows of an access-review export: one per user × project or repository the user can reach, with
// the effective permission, every path, the user's own explicit grant there, last activity and when
// that access was first seen (see firstSeenOf).
import pLimit from 'p-limit';
import type { z } from 'zod';
import { effectiveUserAccess, type AccessPath } from '../access/index.js';
import type { Grant } from '../model/index.js';
import type { GovernanceStore, GroupGrantsMemo, Observed } from '../store/index.js';
import type { ExportRow } from './read-schemas.js';

export type ExportRowValue = z.infer<typeof ExportRow>;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Items are written only when they change (DESIGN §3), so an item's observedAt is when its current
 * value was first seen. A row backed by an explicit grant uses the grant's; otherwise the user record's.
 */
function firstSeenOf(explicit: { observedAt: string } | undefined, userObservedAt: string): string | null {
  return explicit?.observedAt ?? (userObservedAt || null);
}

export async function buildExportRows(
  store: GovernanceStore,
  workspaceId: string,
  parallelism = 8,
): Promise<{ rows: ExportRowValue[]; users: number }> {
  const users = await store.listResources(workspaceId, 'user');
  const rows: ExportRowValue[] = [];
  const groupGrants: GroupGrantsMemo = new Map();
  // At most `parallelism` users' reads in flight: enough to keep DynamoDB busy without thousands of sockets.
  await pLimit(parallelism).map(users, async (user) => {
    const accountId = user.item.id;
    const { facts, ownGrants } = await store.loadUserReviewFacts(workspaceId, accountId, { groupGrants });
    const access = effectiveUserAccess(facts, accountId);
    if (!access) return;
    const explicit = new Map<string, Observed<Grant>>(
      ownGrants.map((entry) => [`${entry.item.resource.type}/${entry.item.resource.id}`, entry]),
    );
    const common = {
      accountId,
      displayName: access.user.displayName,
      role: access.user.role,
      lastActivity: null as string | null,
    };
    for (const project of access.projects) {
      const own = explicit.get(`project/${project.uuid}`);
      rows.push({
        ...common,
        resourceType: 'project',
        resourceId: project.uuid,
        resourceName: project.key,
        permission: project.permission,
        paths: project.paths as AccessPath<string>[],
        explicitGrant: own ? String(own.item.entitlement) : null,
        firstSeen: firstSeenOf(own, user.observedAt),
      });
    }
    for (const repository of access.repositories) {
      const own = explicit.get(`repository/${repository.uuid}`);
      rows.push({
        ...common,
        resourceType: 'repository',
        resourceId: repository.uuid,
        resourceName: repository.slug,
        permission: repository.permission,
        paths: repository.paths as AccessPath<string>[],
        explicitGrant: own ? String(own.item.entitlement) : null,
        lastActivity: repository.lastActivity,
        firstSeen: firstSeenOf(own, user.observedAt),
      });
    }
  });
  rows.sort(
    (a, b) =>
      compare(a.accountId, b.accountId) ||
      compare(a.resourceType, b.resourceType) ||
      compare(a.resourceName, b.resourceName) ||
      compare(a.resourceId, b.resourceId),
  );
  return { rows, users: users.length };
}

const CSV_COLUMNS = [
  'accountId',
  'displayName',
  'role',
  'resourceType',
  'resourceId',
  'resourceName',
  'permission',
  'paths',
  'explicitGrant',
  'lastActivity',
  'firstSeen',
] as const;

/** `group:devs=write; project:CORE=admin; workspace-owner=admin`. */
export function describePaths(
  paths: readonly { via: string; permission: string; group?: string; project?: string }[],
): string {
  return paths
    .map((path) => {
      const via =
        path.via === 'group'
          ? `group:${path.group}`
          : path.via === 'project'
            ? `project:${path.project}`
            : path.via === 'project-group'
              ? `project-group:${path.project}/${path.group}`
              : path.via;
      return `${via}=${path.permission}`;
    })
    .join('; ');
}

function csvCell(value: string | null): string {
  if (value === null) return '';
  // A leading =, +, - or @ would make a spreadsheet evaluate the cell.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: readonly ExportRowValue[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      CSV_COLUMNS.map((column) => csvCell(column === 'paths' ? describePaths(row.paths) : row[column])).join(
        ',',
      ),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
