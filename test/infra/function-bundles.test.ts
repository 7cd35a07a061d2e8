// Each function bundled with the stack's own options (infra/constructs/function-bundling.ts), checked for
// what would break or bloat a cold start: an import the Lambda runtime cannot resolve, a bundle past its
// size, zod's locales or a client the function never calls. Sizes only: import time is a bench figure.
import { builtinModules } from 'node:module';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  DEPLOYED_AWS_SDK_SOURCE,
  esbuildOptionsOf,
  functionBundling,
  UI_BUILDER_IMPORT,
} from '../../infra/constructs/function-bundling.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MiB = 1024 * 1024;
/** Every function stays under this (issue 22 found 1.47 MiB before trimming; now at most 1.25 MiB). */
const BUNDLE_CEILING_BYTES = 1.4 * MiB;

const entries = readdirSync(join(PROJECT_ROOT, 'functions')).filter((name) => name.endsWith('.ts'));

interface Bundle {
  bytes: number;
  inputs: string[];
  imports: Metafile['outputs'][string]['imports'];
}

async function bundleOf(entry: string, sdk = DEPLOYED_AWS_SDK_SOURCE): Promise<Bundle> {
  const result = await build({
    ...esbuildOptionsOf(functionBundling(sdk), join(PROJECT_ROOT, 'functions', entry), 'index.mjs'),
    absWorkingDir: PROJECT_ROOT,
    write: false,
    metafile: true,
  });
  const [, output] = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs')) ?? [];
  if (!output) throw new Error(`no bundle for ${entry}`);
  return { bytes: output.bytes, inputs: Object.keys(output.inputs), imports: output.imports };
}

/** What the Lambda Node.js 24 runtime resolves for a bundle in /var/task: Node's own modules, and the SDK when left to it. */
function resolvedByRuntime(path: string, sdk = DEPLOYED_AWS_SDK_SOURCE): boolean {
  if (path.startsWith('node:') || builtinModules.includes(path)) return true;
  return sdk === 'runtime' && path.startsWith('@aws-sdk/');
}

it('finds the five functions the stack deploys', () => {
  expect(entries.sort()).toEqual(['api.ts', 'apply-events.ts', 'expire-grants.ts', 'sync.ts', 'webhook.ts']);
});

describe.each(entries)('%s', (entry) => {
  it('imports at load only what the Lambda runtime resolves, stays under the ceiling and carries no zod locale', async () => {
    const bundle = await bundleOf(entry);
    // An ES module's static imports all load before the handler exists: one the runtime cannot resolve
    // (esbuild, say) fails every cold start.
    const unresolved = bundle.imports
      .filter((item) => item.external && item.kind === 'import-statement')
      .map((item) => item.path)
      .filter((path) => !resolvedByRuntime(path));
    expect(unresolved).toEqual([]);
    // Left out on purpose, and only ever imported on first use: the reviewer page's builder.
    const lazyExternals = bundle.imports
      .filter((item) => item.external && item.kind === 'dynamic-import')
      .map((item) => item.path)
      .filter((path) => !resolvedByRuntime(path));
    expect(lazyExternals).toEqual(entry === 'api.ts' ? [UI_BUILDER_IMPORT] : []);
    expect(bundle.inputs.some((input) => input.includes('node_modules/esbuild/'))).toBe(false);
    expect(bundle.bytes).toBeLessThan(BUNDLE_CEILING_BYTES);
    // `import { z } from 'zod'` keeps the whole namespace, its 40 locales (370 KiB) with it.
    expect(bundle.inputs.filter((input) => /node_modules\/zod\/v4\/locales\/(?!en\.js)/.test(input))).toEqual(
      [],
    );
  });
});

describe('the webhook receiver', () => {
  it('is under 1 MiB and carries neither the Bitbucket client nor the API', async () => {
    const bundle = await bundleOf('webhook.ts');
    expect(bundle.bytes).toBeLessThan(MiB);
    expect(
      bundle.inputs.filter((input) => /node_modules\/axios\/|^lib\/(api|bitbucket)\//.test(input)),
    ).toEqual([]);
    expect(bundle.inputs.filter((input) => /@aws-sdk\/client-(s3|eventbridge)\//.test(input))).toEqual([]);
  });
});

describe('with the AWS SDK left to the runtime (the alternative function-bundling.ts weighs)', () => {
  it.each(entries)('%s is under 1 MiB and imports at load only Node modules and the SDK', async (entry) => {
    const bundle = await bundleOf(entry, 'runtime');
    expect(bundle.bytes).toBeLessThan(MiB);
    const unresolved = bundle.imports
      .filter((item) => item.external && item.kind === 'import-statement')
      .map((item) => item.path)
      .filter((path) => !resolvedByRuntime(path, 'runtime'));
    expect(unresolved).toEqual([]);
  });
});
