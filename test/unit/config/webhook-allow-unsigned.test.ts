// WEBHOOK_ALLOW_UNSIGNED names workspaces; it is no longer a switch that turns verification off for all.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../support/thrown.js';
import { ConfigError, loadConfig } from '../../../lib/config/index.js';

const problemsOf = (environment: Record<string, string>): string[] =>
  thrownBy(ConfigError, () => loadConfig(environment)).problems;

describe('WEBHOOK_ALLOW_UNSIGNED', () => {
  it('is a list of workspace slugs, empty by default', () => {
    expect(loadConfig({}).webhooks.allowUnsigned).toEqual([]);
    expect(loadConfig({ WEBHOOK_ALLOW_UNSIGNED: 'legacy, old-hooks' }).webhooks.allowUnsigned).toEqual([
      'legacy',
      'old-hooks',
    ]);
  });

  it('refuses the old switch values and anything that is not a slug, naming the variable', () => {
    for (const value of ['true', 'TRUE', '1', 'yes', 'false']) {
      expect(problemsOf({ WEBHOOK_ALLOW_UNSIGNED: value })).toEqual([
        `WEBHOOK_ALLOW_UNSIGNED: expected a comma-separated list of workspace slugs (it is no longer a true/false switch), got "${value}"`,
      ]);
    }
    expect(problemsOf({ WEBHOOK_ALLOW_UNSIGNED: 'acme,../x' })[0]).toMatch(/^WEBHOOK_ALLOW_UNSIGNED/);
  });
});
