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
import { groupCsvStream, groupExportRowStream } from './export-groups.js';
import { csvStream, exportRowStream } from './export-rows.js';
import { ExportOutput, jsonArrayChunks, type ExportOutputResult } from './export-stream.js';
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

/** The export's text, produced row by row, and its counts once the text has been read through. */
async function exportContent(
  dependencies: ApiDependencies,
  workspaceId: string,
  format: ExportFormat,
  requested: RequestedPaths,
): Promise<{
  chunks: AsyncIterable<string | Buffer>;
  users: number;
  counted: { rows: number; project: number; repository: number };
}> {
  const counted = { rows: 0, project: 0, repository: 0 };
  async function* counting<T extends { resourceType: 'project' | 'repository' }>(rows: AsyncIterable<T>) {
    for await (const row of rows) {
      counted.rows++;
      counted[row.resourceType]++;
      yield row;
    }
  }
  if (format === 'group-csv' || format === 'group-json') {
    const { rows, users } = await groupExportRowStream(dependencies.store, workspaceId);
    const chunks = format === 'group-csv' ? groupCsvStream(counting(rows)) : jsonArrayChunks(counting(rows));
    return { chunks, users, counted };
  }
  const { rows, users } = await exportRowStream(dependencies.store, workspaceId, { requested });
  const chunks = format === 'csv' ? csvStream(counting(rows)) : jsonArrayChunks(counting(rows));
  return { chunks, users, counted };
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
