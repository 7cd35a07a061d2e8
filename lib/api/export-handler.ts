// GET …/export?format=csv|json: the access-review evidence with its manifest (snapshot time, counts,
// freshness per scope kind, SHA-256 of the content). Small exports answer inline; large ones are
// written by the ExportFileWriter (S3 with a pre-signed link in AWS, DATA_DIR/exports locally).
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { jsonAnswer, type HttpAnswer } from '../errors/index.js';
import { requestedPathsOf } from '../requests/request-provenance.js';
import { coverageOf, freshnessByKind, scopeApisOf, storedScopes } from '../sync/index.js';
import {
  clockOf,
  DEFAULT_EXPORT_INLINE_LIMIT_BYTES,
  requireWorkspace,
  type ApiDependencies,
} from './api-dependencies.js';
import { parseQuery, type ApiRequest } from './api-request.js';
import { buildExportRows, toCsv } from './export-rows.js';
import { ExportQuery, type ExportAnswer, type ExportManifest } from './read-schemas.js';

export async function handleExport(request: ApiRequest, dependencies: ApiDependencies): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const format = parseQuery(request, ExportQuery).format ?? 'json';
  const snapshotAt = clockOf(dependencies)();
  const requested = await requestedPathsOf(dependencies.store, dependencies.accessRequests, workspace);
  const [{ rows, users }, states, status] = await Promise.all([
    buildExportRows(dependencies.store, workspace.uuid, { requested }),
    dependencies.syncState.listScopeStates(workspace.uuid),
    dependencies.syncState.getStatus(workspace.uuid),
  ]);
  const scopes = await storedScopes(dependencies.store, workspace.uuid, scopeApisOf(status?.administration));
  const content = format === 'csv' ? await toCsv(rows) : JSON.stringify(rows);
  const bytes = Buffer.byteLength(content, 'utf8');
  const manifest: z.infer<typeof ExportManifest> = {
    workspace: workspace.slug,
    format,
    snapshotAt: snapshotAt.toISOString(),
    rows: rows.length,
    rowsByResourceType: {
      project: rows.filter((row) => row.resourceType === 'project').length,
      repository: rows.filter((row) => row.resourceType === 'repository').length,
    },
    users,
    freshnessSeconds: freshnessByKind(
      scopes,
      new Map(states.map((state) => [state.scope, state])),
      snapshotAt.getTime(),
    ),
    lastCompletedPass: status?.lastCompletedPass?.completedAt ?? null,
    coverage: coverageOf(states, status?.administration),
    sha256: createHash('sha256').update(content, 'utf8').digest('hex'),
    bytes,
  };
  let answer: z.infer<typeof ExportAnswer>;
  if (bytes <= (dependencies.exportInlineLimitBytes ?? DEFAULT_EXPORT_INLINE_LIMIT_BYTES)) {
    answer = format === 'csv' ? { manifest, csv: content } : { manifest, rows };
  } else {
    const stamp = manifest.snapshotAt.replace(/[:.]/g, '-');
    const name = `${workspace.slug}-${stamp}-${randomBytes(4).toString('hex')}.${format}`;
    const file = await dependencies.exportWriter.write(
      name,
      content,
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    );
    answer = { manifest, file };
  }
  return jsonAnswer(200, answer);
}
