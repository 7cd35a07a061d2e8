// The group-level access-review export (format=group-csv|group-json): one row per group × resource type ×
// permission the group is explicitly granted, naming the resources and the group's members: "group
// developers has write on these 10,000 repositories; members: …". What a reviewer revokes is a group's
// grant or a membership; this shows each once instead of once per member and resource (the per-user
// export of a 3,590-member group granted on 10,000 repositories is 35.9 M rows; here it is one row).
// Direct grants only: a grant on a project reaches the project's repositories (the per-user export
// shows each), here it is the project row.
import type { z } from 'zod';
import type { Grant } from '../model/index.js';
import type { GovernanceStore } from '../store/index.js';
import { csvLine } from './export-rows.js';
import { mapInOrder } from './export-stream.js';
import type { GroupExportRow } from './read-schemas.js';

export type GroupExportRowValue = z.infer<typeof GroupExportRow>;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Strongest first: a reviewer reads admin grants before read grants. */
const PERMISSION_ORDER = ['admin', 'create-repo', 'write', 'read'];

function permissionOrder(permission: string): number {
  const index = PERMISSION_ORDER.indexOf(permission);
  return index === -1 ? PERMISSION_ORDER.length : index;
}

/**
 * The group rows as a stream of batches (one per group with a grant), sorted by group slug, resource type (project before repository), then
 * permission (admin, create-repo, write, read); inside a row resources by name then id, members by
 * display name then account id. Holds the names of users, projects and repositories and the rows of at
 * most `parallelism` groups at a time. Groups with no project or repository grant have no row. `users`
 * is how many users the workspace has (as the per-user manifest counts them).
 */
export async function groupExportRowBatches(
  store: GovernanceStore,
  workspaceId: string,
  options: { parallelism?: number } = {},
): Promise<{ batches: AsyncIterable<GroupExportRowValue[]>; users: number }> {
  const { parallelism = 4 } = options;
  const [users, groups, projects, repositories] = await Promise.all([
    store.listResources(workspaceId, 'user'),
    store.listResources(workspaceId, 'group'),
    store.listResources(workspaceId, 'project'),
    store.listResources(workspaceId, 'repository'),
  ]);
  const userNames = new Map(users.map((entry) => [entry.item.id, entry.item.attributes.displayName]));
  const resourceNames = new Map<string, string>([
    ...projects.map((entry) => [`project/${entry.item.id}`, entry.item.attributes.key] as const),
    ...repositories.map((entry) => [`repository/${entry.item.id}`, entry.item.attributes.slug] as const),
  ]);
  groups.sort((a, b) => compare(a.item.id, b.item.id));

  const rowsOfGroup = async (group: (typeof groups)[number]): Promise<GroupExportRowValue[]> => {
    const slug = group.item.id;
    const [grants, memberships] = await Promise.all([
      store.listGrantsOfPrincipal(workspaceId, 'group', slug),
      store.listGrantsOnResource(workspaceId, 'group', slug),
    ]);
    const members = memberships
      .map((entry) => ({
        accountId: entry.item.principal.id,
        displayName: userNames.get(entry.item.principal.id) ?? null,
      }))
      .sort((a, b) => compare(a.displayName ?? '', b.displayName ?? '') || compare(a.accountId, b.accountId));
    const byKey = new Map<string, { type: 'project' | 'repository'; permission: string; grants: Grant[] }>();
    for (const { item } of grants) {
      const type = item.resource.type;
      if (type !== 'project' && type !== 'repository') continue;
      const permission = String(item.entitlement);
      const key = `${type}/${permission}`;
      const entry = byKey.get(key) ?? { type, permission, grants: [] };
      entry.grants.push(item);
      byKey.set(key, entry);
    }
    return [...byKey.values()]
      .sort(
        (a, b) =>
          compare(a.type, b.type) ||
          permissionOrder(a.permission) - permissionOrder(b.permission) ||
          compare(a.permission, b.permission),
      )
      .map(({ type, permission, grants: granted }) => {
        const resources = granted
          .map((grant) => ({
            id: grant.resource.id,
            name: resourceNames.get(`${type}/${grant.resource.id}`) ?? grant.resource.id,
          }))
          .sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
        return {
          group: slug,
          groupName: group.item.attributes.name,
          resourceType: type,
          permission,
          resourceCount: resources.length,
          resources,
          memberCount: members.length,
          members,
        };
      });
  };

  return { batches: mapInOrder(groups, parallelism, rowsOfGroup), users: users.length };
}

const GROUP_CSV_COLUMNS = [
  'group',
  'groupName',
  'resourceType',
  'permission',
  'resourceCount',
  'resources',
  'memberCount',
  'members',
] as const;

/**
 * One CSV record: `resources` the names joined by `; ` (project keys or repository slugs), `members`
 * `Display Name (account-id)` joined by `; `.
 */
function groupCsvRecord(row: GroupExportRowValue): (string | number)[] {
  const cells = {
    ...row,
    resources: row.resources.map((resource) => resource.name).join('; '),
    members: row.members
      .map((member) =>
        member.displayName === null ? member.accountId : `${member.displayName} (${member.accountId})`,
      )
      .join('; '),
  };
  return GROUP_CSV_COLUMNS.map((column) => cells[column]);
}

/** The header line of the group export's CSV. */
export const GROUP_CSV_HEADER = csvLine(GROUP_CSV_COLUMNS);

/** One group row's line of the group export's CSV (RFC 4180 as the per-user export writes it). */
export function groupCsvLine(row: GroupExportRowValue): string {
  return csvLine(groupCsvRecord(row));
}
