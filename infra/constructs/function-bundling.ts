// How every function is bundled, in one place: the stack (governance-function.ts) hands these options to
// NodejsFunction, and the cold-start bench and the bundle test build with the same options through esbuild's
// API (esbuildOptionsOf mirrors the arguments NodejsFunction gives esbuild), so the sizes and import times
// they report are those of the deployed bundles.
import type { BuildOptions } from 'esbuild';

/** ESM bundles still meet CommonJS dependencies that call require(); give them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Every function's NODE_OPTIONS: stack traces through the source map beside the bundle. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/**
 * Where the AWS SDK for JavaScript v3 comes from. `bundled` (deployed): tree-shaken into each bundle, at
 * the version the tests ran against. `runtime`: left to the Lambda Node.js 24 runtime, which ships every
 * `@aws-sdk/*` package of the SDK's repository (the clients we call and lib-dynamodb and
 * s3-request-presigner alike) and resolves them for ES module handlers; NodejsFunction's default for
 * Node.js 18 and later. The runtime's copy makes bundles about 40% smaller but is loaded whole from
 * CommonJS files, so importing a function takes 1.4 to 1.9 times the CPU (the cold-start bench measures
 * both): the cold start, which callers wait for, is worth more than the bytes.
 */
export type AwsSdkSource = 'bundled' | 'runtime';
export const DEPLOYED_AWS_SDK_SOURCE: AwsSdkSource = 'bundled';

/**
 * Left out of the bundles: the reviewer page's builder (lib/ui/ui-build.ts, imported on first use by
 * lib/ui/ui-assets.ts, and importing esbuild). The API function reads the page built at synth
 * (UI_ASSETS_FILE) and never takes that path. Leaving out esbuild alone is not enough: in an ES module
 * bundle esbuild's import is hoisted to the top and would fail at cold start (esbuild is no runtime package).
 */
export const UI_BUILDER_IMPORT = './ui-build.js';

/** The parts of NodejsFunction's `bundling` that shape the bundle. */
export interface FunctionBundling {
  target: string;
  mainFields: string[];
  banner: string;
  minify: boolean;
  sourceMap: boolean;
  sourcesContent: boolean;
  bundleAwsSDK: boolean;
  externalModules: string[];
}

/** The bundling of every function (the deployed SDK source unless another is asked for, e.g. by the bench). */
export function functionBundling(sdk: AwsSdkSource = DEPLOYED_AWS_SDK_SOURCE): FunctionBundling {
  return {
    target: 'node24',
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    // Stack traces map to file and line without shipping the sources a second time.
    sourceMap: true,
    sourcesContent: false,
    bundleAwsSDK: sdk === 'bundled',
    // Given in full, so NodejsFunction adds no default of its own. `@smithy/*` is never left out:
    // aws-xray-sdk-core (Powertools Tracer) imports one of those packages itself.
    externalModules: [...(sdk === 'runtime' ? ['@aws-sdk/*'] : []), UI_BUILDER_IMPORT],
  };
}

/**
 * The esbuild options NodejsFunction derives from `bundling` (an ES module, platform node, written to
 * `outfile` with its source map beside it), for building a function outside a synth.
 */
export function esbuildOptionsOf(bundling: FunctionBundling, entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundling.target,
    mainFields: bundling.mainFields,
    banner: { js: bundling.banner },
    minify: bundling.minify,
    sourcemap: bundling.sourceMap,
    sourcesContent: bundling.sourcesContent,
    external: bundling.externalModules,
    logLevel: 'error',
  };
}
