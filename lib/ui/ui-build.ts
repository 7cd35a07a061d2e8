// Builds the reviewer page from its sources with esbuild's API, in memory: one ES module bundle for the
// browser, the stylesheet and the HTML as they are. Nothing built is committed, so nothing can go stale:
// the local server builds once on first request; a deploy builds at synth and ships the result beside the
// API function's bundle (infra/constructs/functions.ts).
import { readFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import type { UiAssets } from './ui-assets.js';

const PAGE_DIR = new URL('./page/', import.meta.url);

/** The page's three files, built now (about 50 ms). */
export function buildUiAssets(): UiAssets {
  const result = buildSync({
    entryPoints: [new URL('main.ts', PAGE_DIR).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles[0];
  if (!script) throw new Error('esbuild produced no bundle for the reviewer page');
  return {
    'index.html': readFileSync(new URL('index.html', PAGE_DIR), 'utf8'),
    'app.js': script.text,
    'app.css': readFileSync(new URL('app.css', PAGE_DIR), 'utf8'),
  };
}
