// One access-review export through the real handler (GET …/export), run in its own process so its peak
// RSS is the export's alone (the simulator and DynamoDB Local live elsewhere). The file goes to a
// temporary DATA_DIR the parent removes. Input: one JSON argument; output: one JSON line.
import type { ApiDependencies } from '../../lib/api/index.js';
import { handleExport } from '../../lib/api/export-handler.js';
import { AccessRequestStore } from '../../lib/store/access-requests.js';
import { LocalExportWriter, type ExportFileWriter } from '../../lib/store/export-files.js';
import { createDynamoDbClients, GovernanceStore } from '../../lib/store/index.js';
import { SyncStateStore } from '../../lib/store/sync-state.js';

export interface ExportScaleInput {
  dynamoDbEndpoint: string;
  tableName: string;
  workspace: { id: string; slug: string };
  format: 'csv' | 'json' | 'group-csv' | 'group-json';
  dataDir: string;
}

export interface ExportScaleOutput {
  statusCode: number;
  rows: number;
  bytes: number;
  /** Users the manifest counts. */
  users: number;
  inline: boolean;
  elapsedMs: number;
  /** Peak resident set of this process, in kilobytes. */
  maxRssKb: number;
  /** Resident set once everything is imported, before the export. */
  rssBeforeKb: number;
}

const PROGRESS_BYTES = 512 * 1024 * 1024;

/** The local writer, saying on stderr how far a long export got every 512 MiB. */
function reportingWriter(dataDir: string, started: number): ExportFileWriter {
  const writer = new LocalExportWriter(dataDir);
  return {
    write: (name, content) => writer.write(name, content),
    open: async (name, type) => {
      const sink = await writer.open(name);
      let written = 0;
      return {
        write: async (chunk) => {
          const before = Math.floor(written / PROGRESS_BYTES);
          written += chunk.length;
          if (Math.floor(written / PROGRESS_BYTES) > before)
            process.stderr.write(
              `bench: export ${type}: ${Math.round(written / 1024 / 1024)} MiB, ${Math.round((performance.now() - started) / 1000)} s, RSS ${Math.round(process.memoryUsage().rss / 1024 / 1024)} MiB\n`,
            );
          await sink.write(chunk);
        },
        close: () => sink.close(),
        abort: () => sink.abort(),
      };
    },
  };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as ExportScaleInput;
  const { client, documentClient } = createDynamoDbClients({ endpoint: input.dynamoDbEndpoint });
  const tables = { documentClient, tableName: input.tableName };
  const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);
  const started = performance.now();
  // Only what the export handler reads; the router is left out (it would add authorization alone).
  const dependencies = {
    store: new GovernanceStore(tables),
    syncState: new SyncStateStore(tables),
    accessRequests: new AccessRequestStore(tables),
    exportWriter: reportingWriter(input.dataDir, started),
  } as unknown as ApiDependencies;
  const answer = await handleExport(
    {
      routeKey: 'GET /v1/workspaces/{workspace}/export',
      pathParameters: { workspace: input.workspace.slug },
      query: { format: input.format },
      headers: {},
      body: undefined,
      actor: 'bench',
      workspace: { uuid: input.workspace.id, slug: input.workspace.slug, name: input.workspace.slug },
    },
    dependencies,
  );
  const elapsedMs = Math.round(performance.now() - started);
  const body = JSON.parse(answer.body) as {
    manifest?: { rows: number; bytes: number; users: number };
    file?: unknown;
    error?: unknown;
  };
  if (!body.manifest) throw new Error(`export answered ${answer.statusCode}: ${answer.body.slice(0, 500)}`);
  const output: ExportScaleOutput = {
    statusCode: answer.statusCode,
    rows: body.manifest.rows,
    bytes: body.manifest.bytes,
    users: body.manifest.users,
    inline: body.file === undefined,
    elapsedMs,
    maxRssKb: process.resourceUsage().maxRSS,
    rssBeforeKb,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
  client.destroy();
}

await main();
