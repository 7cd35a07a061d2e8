// Figure 9: access-review exports of a workspace a full pass has filled, each through the real handler in
// its own process (test/bench/export-scale-child.ts): the streamed per-user export (CSV, and JSON below
// L) and the group-level export (group-csv, group-json). Rows, size, wall time and the process's peak RSS.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportScaleInput, ExportScaleOutput } from './export-scale-child.js';
import { round, type Figure } from './figures.js';
import type { FilledWorkspace } from './full-pass.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./export-scale-child.ts', import.meta.url));
const MIB = 1024 * 1024;

function runChild(input: ExportScaleInput): Promise<ExportScaleOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(input)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{'))
        return reject(new Error(`export child exited ${code}: ${stdout.slice(-500)}`));
      resolve(JSON.parse(line) as ExportScaleOutput);
    });
  });
}

const LABELS: Record<ExportScaleInput['format'], string> = {
  'group-csv': 'group export (group-csv)',
  'group-json': 'group export (group-json)',
  csv: 'per-user export (csv)',
  json: 'per-user export (json)',
};

/**
 * The exports measured at `size`: group formats first (they are quick), then the per-user CSV and, below
 * L, the per-user JSON (at L it would double a run of tens of minutes for the same rows).
 */
export function exportFormatsAt(size: string): ExportScaleInput['format'][] {
  return size === 'L' ? ['group-csv', 'group-json', 'csv'] : ['group-csv', 'group-json', 'csv', 'json'];
}

/** One export of `filled` in `format`: its wall time (with rows and size) and peak RSS. */
export async function measureExport(
  filled: FilledWorkspace,
  size: string,
  dynamoDbEndpoint: string,
  format: ExportScaleInput['format'],
): Promise<Figure[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-export-'));
  try {
    const output = await runChild({
      dynamoDbEndpoint,
      tableName: filled.harness.tableName,
      workspace: filled.workspace,
      format,
      dataDir,
    });
    return [
      {
        figure: 9,
        name: `${LABELS[format]}: wall time`,
        size,
        value: round(output.elapsedMs / 1000, 1),
        unit: 's',
        note: `${output.rows.toLocaleString('en-US')} rows, ${round(output.bytes / MIB, 1)} MiB${output.inline ? ' (inline)' : ' (streamed to a file)'}, ${round(output.rows / (output.elapsedMs / 1000), 0).toLocaleString('en-US')} rows/s`,
      },
      {
        figure: 9,
        name: `${LABELS[format]}: peak RSS`,
        size,
        value: round(output.maxRssKb / 1024, 1),
        unit: 'MiB',
        note: `export process; ${round(output.rssBeforeKb / 1024, 0)} MiB before the export (Node, tsx, modules)`,
      },
    ];
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
