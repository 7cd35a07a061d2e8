import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../support/thrown.js';
import { COMMANDS, parseCommandLine, portFlag, UsageError } from '../../../lib/local/cli-commands.js';
import { loadEnvFile } from '../../../lib/local/env-file.js';
import { describeProgress } from '../../../lib/local/progress.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const usageErrorOf = (run: () => unknown): UsageError => thrownBy(UsageError, run);

describe('bbgov command line', () => {
  it('offers exactly the commands of CONTRACTS.md, `requests` (issue 20) and `review` (issue 21)', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual([
      'access',
      'doctor',
      'export',
      'requests',
      'review',
      'serve',
      'simulator',
      'sync',
      'webhooks',
    ]);
    expect(COMMANDS.requests.usage.split('\n').map((line) => line.trim().split(' ')[2])).toEqual([
      'create',
      'list',
      'show',
      'approve',
      'deny',
      'withdraw',
    ]);
    expect(COMMANDS.review.usage.split('\n').map((line) => line.trim().split(' ')[2])).toEqual([
      'list',
      'create',
      'show',
      'items',
      'decide',
      'close',
      'report',
    ]);
  });

  it('parses flags and positionals', () => {
    expect(parseCommandLine(['access', '557058:ada', '--workspace', 'acme', '--json'])).toEqual({
      name: 'access',
      values: { workspace: 'acme', json: true },
      positionals: ['557058:ada'],
      help: false,
    });
    expect(parseCommandLine(['sync', '--until-complete'])).toMatchObject({
      values: { 'until-complete': true },
    });
  });

  it('rejects unknown commands, unknown flags and missing arguments with the usage line', () => {
    expect(usageErrorOf(() => parseCommandLine(['synk'])).message).toBe('unknown command "synk"');
    const flag = usageErrorOf(() => parseCommandLine(['sync', '--until-done']));
    expect(flag.message).toMatch(/--until-done/);
    expect(flag.usage).toBe(`usage: ${COMMANDS.sync.usage}`);
    expect(usageErrorOf(() => parseCommandLine(['access'])).message).toBe('missing argument');
    expect(usageErrorOf(() => parseCommandLine(['doctor', 'extra'])).message).toBe(
      'unexpected argument "extra"',
    );
  });

  it('accepts --help on every command without its required arguments', () => {
    expect(parseCommandLine(['access', '--help'])).toMatchObject({ name: 'access', help: true });
    expect(parseCommandLine(['requests', '--help'])).toMatchObject({ name: 'requests', help: true });
    expect(parseCommandLine([])).toEqual({ name: 'help' });
  });

  it('validates port numbers', () => {
    expect(portFlag('4010', 'serve', 3000)).toBe(4010);
    expect(portFlag(undefined, 'serve', 3000)).toBe(3000);
    expect(usageErrorOf(() => portFlag('http', 'serve', 3000)).message).toBe(
      '--port: expected a port number 0..65535, got "http"',
    );
  });
});

describe('.env loading', () => {
  it('sets unset variables only, strips quotes and comments, and names a bad line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbgov-env-'));
    const file = join(dir, '.env');
    writeFileSync(
      file,
      '# comment\nBITBUCKET_EMAIL="ada@example.com"\nPORT=3001 # local\nexport DATA_DIR=.x\nTABLE_NAME=t\n',
    );
    const env: NodeJS.ProcessEnv = { TABLE_NAME: 'from-shell' };
    expect(loadEnvFile(file, env)).toEqual(['BITBUCKET_EMAIL', 'PORT', 'DATA_DIR']);
    expect(env).toMatchObject({
      BITBUCKET_EMAIL: 'ada@example.com',
      PORT: '3001',
      DATA_DIR: '.x',
      TABLE_NAME: 'from-shell',
    });
    writeFileSync(file, 'GOOD=1\nthis is not a pair\n');
    expect(() => loadEnvFile(file, {})).toThrow(`${file}:2: expected KEY=VALUE`);
  });
});

describe('progress line', () => {
  it('shows scopes, requests, budget and an ETA', () => {
    expect(
      describeProgress(
        {
          workspace: 'acme',
          step: 1,
          refreshed: 5,
          total: 20,
          requests: 40,
          budgetLeft: 760,
          elapsedMs: 10_000,
        },
        8,
      ),
    ).toBe('acme [##......] 5/20 scopes · 40 requests · 760 left this hour · ETA 30s');
  });
});
