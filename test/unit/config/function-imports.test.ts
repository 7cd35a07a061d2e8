// Importing a Lambda entry module builds nothing: configuration is read on the first invocation, so a bad
// setting is reported there (as a ConfigError naming the variable), never as an import that throws.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfigError } from '../../../lib/config/index.js';

const ENTRIES = ['api', 'sync', 'webhook', 'apply-events', 'expire-grants'] as const;

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

// Importing a function's module graph fresh takes seconds on a loaded 2-core machine.
describe('functions/* entry modules', { timeout: 60_000 }, () => {
  it.each(ENTRIES)(
    '%s imports without reading the configuration, and reports it on first invocation',
    async (entry) => {
      vi.stubEnv('SYNC_HOURLY_REQUEST_BUDGET', 'lots');
      const module = (await import(`../../../functions/${entry}.ts`)) as {
        handler: (event: unknown, context: unknown) => Promise<unknown>;
      };
      expect(typeof module.handler).toBe('function');
      const context = { getRemainingTimeInMillis: () => 30_000, functionName: entry, awsRequestId: 'r-1' };
      const failure = await module.handler({}, context).then(
        () => undefined,
        (error: unknown) => error,
      );
      // Each test imports a fresh module graph, so the class is matched by name.
      expect(failure).toMatchObject({ name: 'ConfigError' });
      expect((failure as ConfigError).message).toContain('SYNC_HOURLY_REQUEST_BUDGET');
    },
  );
});
