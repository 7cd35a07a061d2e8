// Figure 6: each tracked function bundled the way the CDK stack bundles it (local esbuild, ESM, minified,
// node24, SDK included), its size, and the time a fresh Node process takes to import it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median, round, type Figure } from './figures.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT_RUNS = 7;
/** Measures only the import, inside the fresh process, so Node's own start-up is reported apart. */
const IMPORT_SCRIPT =
  'const started = performance.now(); await import(process.argv[1]); ' +
  'process.stdout.write(String(performance.now() - started)); process.exit(0);';

/** The function entries the stack declares (infra/constructs/functions.ts). */
async function declaredEntries(): Promise<string[]> {
  const { readFileSync } = await import('node:fs');
  const source = readFileSync(join(PROJECT_ROOT, 'infra/constructs/functions.ts'), 'utf8');
  return [...source.matchAll(/entryFile:\s*'([^']+)'/g)].map((match) => match[1] as string).sort();
}

function trackedEntries(): string[] {
  return (
    execFileSync('git', ['ls-files', 'functions/*.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
      .split('\n')
      // functions/commons/ is the composition root the entries share, not an entry of its own.
      .filter((path) => path !== '' && !path.startsWith('functions/commons/'))
      .map((path) => basename(path))
      .sort()
  );
}

function importMs(bundle: string, env: NodeJS.ProcessEnv): { importMs: number; processMs: number } {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', IMPORT_SCRIPT, pathToFileURL(bundle).href],
    { env, encoding: 'utf8' },
  );
  const processMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`importing ${bundle} failed: ${result.stderr.slice(0, 500)}`);
  return { importMs: Number(result.stdout), processMs };
}

export async function measureColdStart(): Promise<Figure[]> {
  // The banner comes from the construct itself so the bundle matches what is deployed.
  const { ESM_REQUIRE_BANNER } = await import('../../infra/constructs/governance-function.js');
  const tracked = trackedEntries();
  const missing = (await declaredEntries()).filter((entry) => !tracked.includes(entry));
  const outDir = mkdtempSync(join(tmpdir(), 'bbgov-bench-bundles-'));
  // What the functions read at import time; nothing here is a credential and nothing is called.
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'bench-table',
    POWERTOOLS_SERVICE_NAME: 'bitbucket-governance',
    POWERTOOLS_METRICS_NAMESPACE: 'BitbucketGovernance',
    POWERTOOLS_DEV: 'false',
  };
  const figures: Figure[] = [];
  try {
    for (const entry of tracked) {
      const outfile = join(outDir, `${entry.replace(/\.ts$/, '')}.mjs`);
      await build({
        entryPoints: [join(PROJECT_ROOT, 'functions', entry)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: { js: ESM_REQUIRE_BANNER },
        minify: true,
        logLevel: 'error',
      });
      const runs = Array.from({ length: IMPORT_RUNS }, () => importMs(outfile, env));
      figures.push(
        {
          figure: 6,
          name: `${entry} bundle size`,
          value: round(statSync(outfile).size / 1024, 1),
          unit: 'KiB',
          note: 'minified ESM, AWS SDK bundled, no source map',
        },
        {
          figure: 6,
          name: `${entry} import in a fresh process (median)`,
          value: round(median(runs.map((run) => run.importMs)), 1),
          unit: 'ms',
          note: `${IMPORT_RUNS} runs; whole process ${round(median(runs.map((run) => run.processMs)), 0)} ms`,
        },
      );
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  if (missing.length > 0)
    figures.push({
      figure: 6,
      name: 'functions not yet tracked (not bundled)',
      value: missing.join(', '),
      unit: '',
    });
  return figures;
}
