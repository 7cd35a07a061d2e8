// The rows of an access-review export: one per user × project or repository the user can reach, with
// the effective permission, every path, the user's own explicit grant there, last activity and when
// that access was first seen (see firstSeenOf). In a workspace administered in admin.atlassian.com a row
// also says why the user holds their role: JSON rows carry `rolePaths` (the organization groups with a
// role on the workspace the user is in) and owner paths name their `admin` group; the CSV writes them in
// a column, `rolePaths` (`org-group:bb-admins=admin; org-group:developers=member`, empty where no
// organization group explains the role), and in `paths` (`workspace-owner(org-group:bb-admins)=admin`).
// `role` stays the plain role, so filters on it keep working. A row whose path was granted by an active
// access request names it (`accessRequests`; in CSV the last column: `ar-…: write approved by bob until …`).
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { effectiveUserAccess, type AccessPath, type RolePath } from '../access/index.js';
import type { Grant, UserResource } from '../model/index.js';
import { describeRequestEvidence, type RequestedPaths } from '../requests/request-provenance.js';
import type { GovernanceStore, GroupGrantsMemo, Observed } from '../store/index.js';
import { mapInOrder } from './export-stream.js';
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

type UserEntry = Observed<UserResource>;

/** One user's rows, sorted by resource type, name and id (their order in the export). */
async function rowsOfUser(
  store: GovernanceStore,
  workspaceId: string,
  user: UserEntry,
  groupGrants: GroupGrantsMemo,
  requested: RequestedPaths | undefined,
): Promise<ExportRowValue[]> {
  const accountId = user.item.id;
  const rows: ExportRowValue[] = [];
  const { facts, ownGrants } = await store.loadUserReviewFacts(workspaceId, accountId, { groupGrants });
  const access = effectiveUserAccess(facts, accountId);
  if (!access) return rows;
  const explicit = new Map<string, Observed<Grant>>(
    ownGrants.map((entry) => [`${entry.item.resource.type}/${entry.item.resource.id}`, entry]),
  );
  const common = {
    accountId,
    displayName: access.user.displayName,
    role: access.user.role,
    lastActivity: null as string | null,
  };
  // Last, and only when there are any: rows of Bitbucket-administered workspaces keep their bytes.
  const provenance = access.user.rolePaths ? { rolePaths: access.user.rolePaths } : {};
  const requests = (
    type: 'project' | 'repository',
    id: string,
    name: string,
    paths: readonly AccessPath<string>[],
  ) => {
    const behind = requested?.behind(accountId, { type, id, name }, paths) ?? [];
    return behind.length > 0 ? { accessRequests: behind } : {};
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
      ...provenance,
      ...requests('project', project.uuid, project.key, project.paths as AccessPath<string>[]),
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
      ...provenance,
      ...requests('repository', repository.uuid, repository.slug, repository.paths as AccessPath<string>[]),
    });
  }
  return rows.sort(
    (a, b) =>
      compare(a.resourceType, b.resourceType) ||
      compare(a.resourceName, b.resourceName) ||
      compare(a.resourceId, b.resourceId),
  );
}

/**
 * The workspace's export rows as a stream of batches, one per user with any access, in the order of
 * buildExportRows (account id, resource type, name, id). Holds the user list and the rows of at most
 * `parallelism` users at a time (each user's rows are read and sorted whole, users go out in account-id
 * order): memory does not grow with the number of rows. Batches rather than rows keep the per-row cost
 * to the row itself (a promise per row through each stage was a third of an export's CPU).
 * `users` is how many users the workspace has. Store errors reject the iteration.
 */
export async function exportRowBatches(
  store: GovernanceStore,
  workspaceId: string,
  options: { parallelism?: number; requested?: RequestedPaths } = {},
): Promise<{ batches: AsyncIterable<ExportRowValue[]>; users: number }> {
  const { parallelism = 8, requested } = options;
  const users = (await store.listResources(workspaceId, 'user')).sort((a, b) =>
    compare(a.item.id, b.item.id),
  );
  // Grants of each group read once for the whole export (a group granted on every repository is shared
  // by thousands of users).
  const groupGrants: GroupGrantsMemo = new Map();
  // At most `parallelism` users' reads in flight: enough to keep DynamoDB busy without thousands of sockets.
  const batches = mapInOrder(users, parallelism, (user) =>
    rowsOfUser(store, workspaceId, user, groupGrants, requested),
  );
  return { batches, users: users.length };
}

/**
 * Every row of the workspace's export in memory, sorted by account id, resource type, name and id.
 * `requested` names the active access requests behind a row's paths (its `accessRequests`, left out when
 * none). For small workspaces and tests; the API streams (exportRowBatches).
 */
export async function buildExportRows(
  store: GovernanceStore,
  workspaceId: string,
  options: { parallelism?: number; requested?: RequestedPaths } = {},
): Promise<{ rows: ExportRowValue[]; users: number }> {
  const { batches, users } = await exportRowBatches(store, workspaceId, options);
  const rows: ExportRowValue[] = [];
  for await (const batch of batches) rows.push(...batch);
  return { rows, users };
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
  'rolePaths',
  'accessRequests',
] as const;

/**
 * `group:devs=write; project:CORE=admin; workspace-owner=admin`; an owner path naming the organization
 * group that made the user owner reads `workspace-owner(org-group:bb-admins)=admin`.
 */
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
              : path.via === 'workspace-owner' && path.group !== undefined
                ? `workspace-owner(org-group:${path.group})`
                : path.via;
      return `${via}=${path.permission}`;
    })
    .join('; ');
}

/**
 * A leading =, +, -, @, tab or carriage return would let a spreadsheet evaluate the cell (a tab or CR
 * before a formula is skipped by some of them); an apostrophe before it does not.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The CSV `rolePaths` cell: the organization groups whose product access gives the user their workspace
 * role, `org-group:bb-admins=admin; org-group:developers=member`; null (empty) when none does.
 */
export function describeRolePaths(rolePaths: readonly RolePath[] | undefined): string | null {
  if (!rolePaths || rolePaths.length === 0) return null;
  return rolePaths.map((path) => `org-group:${path.group}=${path.permission}`).join('; ');
}

function csvRecord(row: ExportRowValue): (string | null)[] {
  return CSV_COLUMNS.map((column) =>
    column === 'paths'
      ? describePaths(row.paths)
      : column === 'rolePaths'
        ? describeRolePaths(row.rolePaths)
        : column === 'accessRequests'
          ? describeRequestEvidence(row.accessRequests)
          : row[column],
  );
}

/**
 * csv-stringify options for RFC 4180 as every CSV of the project writes it: a header line, CRLF after
 * every line, a cell quoted only when it holds a comma, a quote, CR or LF, quotes inside doubled, null as
 * an empty cell, formulas neutralised. A new object each call (csv-stringify mutates its options).
 */
export function csvOptions(columns: readonly string[]) {
  return {
    header: true,
    columns: [...columns],
    record_delimiter: '\r\n',
    // With an explicit record_delimiter, csv-stringify would otherwise quote only cells holding CRLF.
    quote_record_delimiter: true,
    cast: { string: neutraliseFormula },
  };
}

const QUOTE_NEEDED = /[,"\r\n]/;

/**
 * One cell as csv-stringify writes it with csvOptions, without its per-record overhead (the export
 * writes tens of millions of cells; the tests compare the two on random text): null or undefined empty,
 * a string formula-neutralised, then quoted when it holds a comma, a quote, CR or LF (quotes doubled).
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? neutraliseFormula(value) : String(value);
  return QUOTE_NEEDED.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line of `cells`, CRLF-terminated (the header line is `csvLine(columns)`). */
export function csvLine(cells: readonly (string | number | null | undefined)[]): string {
  let line = '';
  for (let index = 0; index < cells.length; index++) line += (index === 0 ? '' : ',') + csvCell(cells[index]);
  return `${line}\r\n`;
}

/** The header line of the export's CSV. */
export const EXPORT_CSV_HEADER = csvLine(CSV_COLUMNS);

/** One row's line of the export's CSV. */
export function exportCsvLine(row: ExportRowValue): string {
  return csvLine(csvRecord(row));
}

/** The export's CSV text line by line: the header, then one line per row. */
export async function* csvLines(
  rows: Iterable<ExportRowValue> | AsyncIterable<ExportRowValue>,
): AsyncGenerator<string> {
  yield EXPORT_CSV_HEADER;
  for await (const row of rows) yield exportCsvLine(row);
}

/** The export as CSV text, streamed row by row (UTF-8 chunks); a failing source fails the stream. */
export function csvStream(rows: Iterable<ExportRowValue> | AsyncIterable<ExportRowValue>): Readable {
  return Readable.from(
    (async function* () {
      for await (const line of csvLines(rows)) yield Buffer.from(line, 'utf8');
    })(),
    { objectMode: false },
  );
}

/** The whole CSV as one string (the inline answer; its SHA-256 is the manifest's). */
export async function toCsv(rows: readonly ExportRowValue[]): Promise<string> {
  return EXPORT_CSV_HEADER + rows.map(exportCsvLine).join('');
}
