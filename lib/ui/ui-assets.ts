// The reviewer page as HTTP answers: public static content (no credentials needed to fetch it) under a
// strict Content-Security-Policy: only this origin, no inline script or style, no framing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NotFound, errorResponse, type HttpAnswer } from '../errors/index.js';

/** The page's files by name: what GET /ui/{file} serves (`GET /ui` and `/ui/` are index.html). */
export interface UiAssets {
  'index.html': string;
  'app.js': string;
  'app.css': string;
}

/**
 * The environment variable naming the built page (a UiAssets JSON file, relative to the function's task
 * root) that a deploy writes next to the API function's bundle, so the function never builds: esbuild is
 * not in its bundle.
 */
export const UI_ASSETS_FILE_VARIABLE = 'UI_ASSETS_FILE';
/** The file name a deploy gives the built page next to the API function's bundle. */
export const UI_ASSETS_FILE_NAME = 'ui-assets.json';

const CONTENT_TYPES: Record<keyof UiAssets, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Headers on every page answer: the CSP allows this origin only and forbids inline code and framing. */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

let assets: Promise<UiAssets> | undefined;

async function loadAssets(): Promise<UiAssets> {
  // In AWS: built at synth, shipped beside the bundle. Unset when running from the sources.
  const file = process.env[UI_ASSETS_FILE_VARIABLE];
  if (file)
    return JSON.parse(await readFile(resolve(process.env.LAMBDA_TASK_ROOT ?? '.', file), 'utf8')) as UiAssets;
  // From the sources (npm start, tests): build once, on first use, in memory.
  const { buildUiAssets } = await import('./ui-build.js');
  return buildUiAssets();
}

/** The page's files, built or read once per process. */
export function uiAssets(): Promise<UiAssets> {
  assets ??= loadAssets().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return assets;
}

/** The answer to `GET /ui`, `GET /ui/` or `GET /ui/{file}`: the file with its type and security headers. */
export async function serveUiFile(file: string | undefined): Promise<HttpAnswer> {
  const name = (file === undefined || file === '' ? 'index.html' : file) as keyof UiAssets;
  if (!Object.hasOwn(CONTENT_TYPES, name)) {
    return {
      ...errorResponse(new NotFound(`no page file ${file}`, { file })),
      headers: { ...UI_SECURITY_HEADERS, 'content-type': 'application/json' },
    };
  }
  const body = (await uiAssets())[name];
  return {
    statusCode: 200,
    headers: {
      ...UI_SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[name],
      // Not content-hashed names: revalidate every time, cheaply, by ETag.
      'cache-control': 'no-cache',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    },
    body,
  };
}
