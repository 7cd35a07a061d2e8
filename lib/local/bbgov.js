#!/usr/bin/env node
// `npx bbgov …`: runs the TypeScript CLI through tsx's loader, so nothing needs building after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('./local-process-defaults.ts');
const { runCli } = await import('./cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
