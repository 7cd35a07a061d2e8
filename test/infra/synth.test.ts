// The real thing, once: `npx cdk synth --quiet` as a user runs it, with no AWS credentials in the
// environment and no Docker. It bundles every function with the local esbuild and runs cdk-nag.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/governance-function.js';
import { TEST_AUTHORIZATION_POLICY } from './governance-stack.js';

const outdir = mkdtempSync(join(tmpdir(), 'bbgov-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function environmentWithoutAws(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
}

interface TemplateJson {
  Resources: Record<
    string,
    {
      Type: string;
      Metadata?: Record<string, string>;
      Properties?: { Environment?: { Variables?: Record<string, unknown> } };
    }
  >;
}

it('synthesises without AWS credentials or Docker, bundling every function as minified ESM', () => {
  // The one required setting, as README's deploy command passes it: JSON text after -c, on one line (the
  // CLI cuts a -c value at its first line break), with spaces the stack leaves out.
  const policyText = JSON.stringify(TEST_AUTHORIZATION_POLICY, null, 1).replace(/\n/g, '');
  const policy = `authorizationPolicy=${policyText}`;
  const run = spawnSync(
    'npx',
    ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir, '-c', policy],
    {
      cwd: new URL('../../', import.meta.url),
      env: { ...environmentWithoutAws(), CI: 'true' },
      encoding: 'utf8',
    },
  );
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  // cdk-nag runs as a validation plugin: a finding would have failed the synth and been reported here.
  expect(run.stderr).not.toMatch(/AwsSolutions-/);

  const template = JSON.parse(
    readFileSync(join(outdir, 'BitbucketGovernance.template.json'), 'utf8'),
  ) as TemplateJson;
  const functions = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::Lambda::Function',
  );
  expect(functions).toHaveLength(5);
  // The policy reaches the API function alone (the one with EXPORT_BUCKET), as compact JSON.
  expect(
    functions
      .filter((fn) => fn.Properties?.Environment?.Variables?.AUTHORIZATION_POLICY !== undefined)
      .map((fn) => fn.Properties?.Environment?.Variables),
  ).toEqual([
    expect.objectContaining({
      EXPORT_BUCKET: expect.anything(),
      AUTHORIZATION_POLICY: JSON.stringify(TEST_AUTHORIZATION_POLICY),
    }),
  ]);
  const bundleSizes: number[] = [];
  for (const fn of functions) {
    const assetDir = join(outdir, fn.Metadata?.['aws:asset:path'] ?? 'missing-asset-path');
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    // Minified, with the source map linked for --enable-source-maps.
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    bundleSizes.push(bundle.length);
    // Minified: unformatted code runs to thousands of characters a line (formatted code: about 30).
    if (bundle.length > 10_000) expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
  }
  // At least the webhook receiver is real code with its dependencies (and the AWS SDK) inside.
  expect(Math.max(...bundleSizes)).toBeGreaterThan(100_000);
  expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
});
