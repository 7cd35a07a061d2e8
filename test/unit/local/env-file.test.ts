// `.env` lines that are not KEY=VALUE are a configuration problem (exit code 2 at every entry point).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config/index.js';
import { loadEnvFile } from '../../../lib/local/env-file.js';

describe('loadEnvFile', () => {
  it('sets what the shell did not, and names the line that is not KEY=VALUE as a ConfigError', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'env-file-')), '.env');
    writeFileSync(path, 'PORT=4000\n# comment\nexport DATA_DIR=".d"\nthis is not a setting\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000' };
    const failure = (() => {
      try {
        loadEnvFile(path, env);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([`${path}:4: expected KEY=VALUE`]);
    writeFileSync(path, 'PORT=4000\nexport DATA_DIR=".d"\n');
    expect(loadEnvFile(path, env)).toEqual(['DATA_DIR']);
    expect(env).toEqual({ PORT: '5000', DATA_DIR: '.d' });
  });
});
