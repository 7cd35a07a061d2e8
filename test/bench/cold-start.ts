// Figure 6: each tracked function bundled exactly as the CDK stack bundles it (the options of
// infra/constructs/function-bundling.ts: local esbuild, ESM, minified, node24, source map beside it), its
// size, and the time a fresh Node process takes to import it with the function's NODE_OPTIONS. Each is also
// built with the AWS SDK taken from the other source (bundled or left to the Lambda runtime), the choice
// function-bundling.ts makes. Bundles are written under node_modules/.cache, so `@aws-sdk/*` imports left to
// the runtime resolve from the project's node_modules, standing in for the runtime's copy: their loading is
// in the import time, not in the size.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  DEPLOYED_AWS_SDK_SOURCE,
  esbuildOptionsOf,
  FUNCTION_NODE_OPTIONS,
  functionBundling,
  type AwsSdkSource,
} from '../../infra/constructs/function-bundling.js';
import { median, round, type Figure } from './figures.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT_RUNS = 7;
const SDK_LABELS: Record<AwsSdkSource, string> = {
  bundled: 'AWS SDK bundled',
  runtime: 'AWS SDK left to the runtime',
};
/**
 * Measures only the import, inside the fresh process, so Node's own start-up is reported apart; prints
 * the wall time and the process's CPU time spent in it (ms), the latter less sensitive to a busy machine.
 */
const IMPORT_SCRIPT =
  'const cpu = process.cpuUsage(); const started = performance.now(); await import(process.argv[1]); ' +
  'const used = process.cpuUsage(cpu); ' +
  'process.stdout.write(`${performance.now() - started} ${(used.user + used.system) / 1000}`); process.exit(0);';

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

interface ImportRun {
  importMs: number;
  cpuMs: number;
  processMs: number;
}

function importRun(bundle: string, env: NodeJS.ProcessEnv): ImportRun {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [FUNCTION_NODE_OPTIONS, '--input-type=module', '-e', IMPORT_SCRIPT, pathToFileURL(bundle).href],
    { env, encoding: 'utf8' },
  );
  const processMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`importing ${bundle} failed: ${result.stderr.slice(0, 500)}`);
  const [importMs, cpuMs] = result.stdout.split(' ').map(Number);
  return { importMs: importMs ?? Number.NaN, cpuMs: cpuMs ?? Number.NaN, processMs };
}

export async function measureColdStart(): Promise<Figure[]> {
  const tracked = trackedEntries();
  const missing = (await declaredEntries()).filter((entry) => !tracked.includes(entry));
  // Inside the project, so the bundles' `@aws-sdk/*` imports find node_modules (as they find the runtime's).
  const cacheDir = join(PROJECT_ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const outDir = mkdtempSync(join(cacheDir, 'bbgov-bench-bundles-'));
  // What the functions read at import time; nothing here is a credential and nothing is called.
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'bench-table',
    POWERTOOLS_SERVICE_NAME: 'bitbucket-governance',
    POWERTOOLS_METRICS_NAMESPACE: 'BitbucketGovernance',
    POWERTOOLS_DEV: 'false',
    // As in Lambda: Powertools Tracer then patches http and https at import, as it does there.
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  };
  const figures: Figure[] = [];
  const other: AwsSdkSource = DEPLOYED_AWS_SDK_SOURCE === 'bundled' ? 'runtime' : 'bundled';
  try {
    for (const entry of tracked) {
      const bundles = Object.fromEntries(
        await Promise.all(
          [DEPLOYED_AWS_SDK_SOURCE, other].map(async (sdk) => {
            const outfile = join(outDir, `${entry.replace(/\.ts$/, '')}-sdk-${sdk}.mjs`);
            const entryPath = join(PROJECT_ROOT, 'functions', entry);
            await build(esbuildOptionsOf(functionBundling(sdk), entryPath, outfile));
            return [sdk, outfile] as const;
          }),
        ),
      ) as Record<AwsSdkSource, string>;
      // Alternated, so a busy machine weighs on both alike.
      const runs: Record<AwsSdkSource, ImportRun[]> = { bundled: [], runtime: [] };
      for (let run = 0; run < IMPORT_RUNS; run++)
        for (const sdk of [DEPLOYED_AWS_SDK_SOURCE, other]) runs[sdk].push(importRun(bundles[sdk], env));
      for (const sdk of [DEPLOYED_AWS_SDK_SOURCE, other]) {
        const outfile = bundles[sdk];
        const suffix = sdk === DEPLOYED_AWS_SDK_SOURCE ? '' : `, ${SDK_LABELS[sdk]}`;
        const deployed = sdk === DEPLOYED_AWS_SDK_SOURCE ? 'as deployed' : 'not deployed';
        const mapKiB = round(statSync(`${outfile}.map`).size / 1024, 0);
        figures.push(
          {
            figure: 6,
            name: `${entry} bundle size${suffix}`,
            value: round(statSync(outfile).size / 1024, 1),
            unit: 'KiB',
            note: `minified ESM ${deployed}, ${SDK_LABELS[sdk]}${sdk === 'runtime' ? ' (not counted)' : ''}; source map ${mapKiB} KiB beside it`,
          },
          {
            figure: 6,
            name: `${entry} import in a fresh process (median)${suffix}`,
            value: round(median(runs[sdk].map((run) => run.importMs)), 1),
            unit: 'ms',
            note:
              `${IMPORT_RUNS} runs, ${FUNCTION_NODE_OPTIONS}, Tracer on as in Lambda` +
              (sdk === 'runtime'
                ? "; counts loading the runtime's SDK (node_modules standing in for it)"
                : '') +
              `; CPU ${round(median(runs[sdk].map((run) => run.cpuMs)), 0)} ms; whole process ` +
              `${round(median(runs[sdk].map((run) => run.processMs)), 0)} ms`,
          },
        );
      }
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
