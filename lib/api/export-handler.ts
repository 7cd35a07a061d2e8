// GET …/export?format=csv|json|group-csv|group-json: the access-review evidence with its manifest
// (snapshot time, counts, freshness per scope kind, SHA-256 of the content). Rows are produced, written
// and hashed as a stream (memory constant in rows): small exports answer inline; once past the inline
// limit the text goes on to the ExportFileWriter (an S3 multipart upload with a pre-signed link in AWS,
// a file under DATA_DIR/exports locally), and a failed export leaves no file behind.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { jsonAnswer, type HttpAnswer } from '../errors/index.js';
import { requestedPathsOf, type RequestedPaths } from '../requests/request-provenance.js';
import { coverageOf, freshnessByKind, scopeApisOf, storedScopes } from '../sync/index.js';
import {
  clockOf,
  DEFAULT_EXPORT_INLINE_LIMIT_BYTES,
  requireWorkspace,
  type ApiDependencies,
} from './api-dependencies.js';
import { parseQuery, type ApiRequest } from './api-request.js';
import { GROUP_CSV_HEADER, groupCsvLine, groupExportRowBatches } from './export-groups.js';
import { EXPORT_CSV_HEADER, exportCsvLine, exportRowBatches } from './export-rows.js';
import { ExportOutput, type ExportOutputResult } from './export-stream.js';
import { ExportQuery, type ExportAnswer, type ExportManifest } from './read-schemas.js';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  'group-csv': 'text/csv; charset=utf-8',
  'group-json': 'application/json',
} as const;
const EXTENSIONS = {
  csv: 'csv',
  json: 'json',
  'group-csv': 'groups.csv',
  'group-json': 'groups.json',
} as const;

type ExportFormat = keyof typeof CONTENT_TYPES;

interface Counted {
  rows: number;
  project: number;
  repository: number;
}

/**
 * The text of batches of rows: CSV (the header, then a line per row) or a JSON array (the bytes of
 * `JSON.stringify` of all the rows), counting the rows by resource type as they pass.
 */
async function* textOf<T extends { resourceType: 'project' | 'repository' }>(
  batches: AsyncIterable<T[]>,
  csv: { header: string; line: (row: T) => string } | null,
  counted: Counted,
): AsyncGenerator<string> {
  let first = true;
  yield csv ? csv.header : '[';
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    for (const row of batch) {
      counted.rows++;
      counted[row.resourceType]++;
    }
    if (csv) yield batch.map(csv.line).join('');
    else yield (first ? '' : ',') + batch.map((row) => JSON.stringify(row)).join(',');
    first = false;
  }
  if (!csv) yield ']';
}

/** The export's text, produced batch by batch, and its counts once the text has been read through. */
async function exportContent(
  dependencies: ApiDependencies,
  workspaceId: string,
  format: ExportFormat,
  requested: RequestedPaths,
): Promise<{ chunks: AsyncIterable<string>; users: number; counted: Counted }> {
  const counted: Counted = { rows: 0, project: 0, repository: 0 };
  if (format === 'group-csv' || format === 'group-json') {
    const { batches, users } = await groupExportRowBatches(dependencies.store, workspaceId);
    const csv = format === 'group-csv' ? { header: GROUP_CSV_HEADER, line: groupCsvLine } : null;
    return { chunks: textOf(batches, csv, counted), users, counted };
  }
  const { batches, users } = await exportRowBatches(dependencies.store, workspaceId, { requested });
  const csv = format === 'csv' ? { header: EXPORT_CSV_HEADER, line: exportCsvLine } : null;
  return { chunks: textOf(batches, csv, counted), users, counted };
}

export async function handleExport(request: ApiRequest, dependencies: ApiDependencies): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const format = parseQuery(request, ExportQuery).format ?? 'json';
  const snapshotAt = clockOf(dependencies)();
  const stamp = snapshotAt.toISOString().replace(/[:.]/g, '-');
  const name = `${workspace.slug}-${stamp}-${randomBytes(4).toString('hex')}.${EXTENSIONS[format]}`;
  const requested = await requestedPathsOf(dependencies.store, dependencies.accessRequests, workspace);
  const [{ chunks, users, counted }, states, status] = await Promise.all([
    exportContent(dependencies, workspace.uuid, format, requested),
    dependencies.syncState.listScopeStates(workspace.uuid),
    dependencies.syncState.getStatus(workspace.uuid),
  ]);
  const scopes = await storedScopes(dependencies.store, workspace.uuid, scopeApisOf(status?.administration));
  // Streamed: hashed and counted as written, answered inline while within the limit, else a file.
  const output = new ExportOutput(
    dependencies.exportInlineLimitBytes ?? DEFAULT_EXPORT_INLINE_LIMIT_BYTES,
    () => dependencies.exportWriter.open(name, CONTENT_TYPES[format]),
  );
  let written: ExportOutputResult;
  try {
    await output.writeAll(chunks);
    written = await output.finish();
  } catch (error) {
    await output.abort();
    throw error;
  }
  const manifest: z.infer<typeof ExportManifest> = {
    workspace: workspace.slug,
    format,
    snapshotAt: snapshotAt.toISOString(),
    rows: counted.rows,
    rowsByResourceType: { project: counted.project, repository: counted.repository },
    users,
    freshnessSeconds: freshnessByKind(
      scopes,
      new Map(states.map((state) => [state.scope, state])),
      snapshotAt.getTime(),
    ),
    lastCompletedPass: status?.lastCompletedPass?.completedAt ?? null,
    coverage: coverageOf(states, status?.administration),
    sha256: written.sha256,
    bytes: written.bytes,
  };
  let answer: z.infer<typeof ExportAnswer>;
  if (written.inline) {
    const content = written.inline.toString('utf8');
    answer =
      format === 'csv' || format === 'group-csv'
        ? { manifest, csv: content }
        : format === 'json'
          ? { manifest, rows: JSON.parse(content) as z.infer<typeof ExportAnswer>['rows'] }
          : { manifest, groupRows: JSON.parse(content) as z.infer<typeof ExportAnswer>['groupRows'] };
  } else {
    answer = { manifest, file: written.file };
  }
  return jsonAnswer(200, answer);
}
