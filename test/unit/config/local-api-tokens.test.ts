// LOCAL_API_TOKENS and AUTHORIZATION_POLICY as configuration: parsed into callers with roles, refused with
// messages that name the entry, never the token.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/config/index.js';
import { thrownBy } from '../../support/thrown.js';

const problemsOf = (environment: Record<string, string>): string[] =>
  thrownBy(ConfigError, () => loadConfig(environment)).problems;

const STRONG = 'Zq8XvR2mT5kLw9Yp3Hn7Bc4Jd6Fg1Ks-requester';

describe('LOCAL_API_TOKENS', () => {
  it('reads callers with their principal, account, roles and workspaces', () => {
    const config = loadConfig({
      LOCAL_API_TOKENS: JSON.stringify({
        [STRONG]: { principal: 'reza', accountId: '557058:reza', roles: ['requester'], workspaces: ['*'] },
      }),
    });
    expect(config.local.apiTokens).toEqual([
      { token: STRONG, principal: 'reza', accountId: '557058:reza', roles: ['requester'], workspaces: ['*'] },
    ]);
    expect(loadConfig({}).local.apiTokens).toEqual([]);
  });

  it('refuses weak tokens, unknown roles and the reserved principal without ever naming a token', () => {
    const weak = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const problems = problemsOf({
      LOCAL_API_TOKENS: JSON.stringify({
        [weak]: { principal: 'rita', roles: ['reader'], workspaces: ['*'] },
        [STRONG]: { principal: 'local', roles: ['owner'], workspaces: ['*'] },
      }),
    });
    expect(problems.join('\n')).not.toContain(weak);
    expect(problems.join('\n')).not.toContain(STRONG);
    expect(problems).toEqual([
      expect.stringMatching(/^LOCAL_API_TOKENS\.0\.token: expected a token of at least 128 bits/),
      'LOCAL_API_TOKENS.1.principal: expected a principal name other than "local", "sync", "webhook", "grant-expiry", without "*"',
      expect.stringMatching(
        /^LOCAL_API_TOKENS\.1\.roles\.0: expected one of reader, requester, approver, administrator/,
      ),
    ]);
    // The connector's own names: an action under one would read as the expiry job's or the sync's.
    for (const reserved of ['grant-expiry', 'sync', 'webhook']) {
      expect(
        problemsOf({
          LOCAL_API_TOKENS: JSON.stringify({
            [STRONG]: { principal: reserved, roles: ['reader'], workspaces: ['*'] },
          }),
        }),
      ).toEqual([
        expect.stringMatching(/^LOCAL_API_TOKENS\.0\.principal: expected a principal name other than/),
      ]);
    }
    expect(problemsOf({ LOCAL_API_TOKENS: '{not json' })).toEqual([
      'LOCAL_API_TOKENS: expected a JSON object {"<token>": {"principal", "roles", "workspaces"}}',
    ]);
  });
});

describe('LOCAL_API_TOKEN beside LOCAL_API_TOKENS', () => {
  it('refuses the same token in both, naming the entry and never the token', () => {
    const problems = problemsOf({
      LOCAL_API_TOKEN: STRONG,
      LOCAL_API_TOKENS: JSON.stringify({
        [STRONG]: { principal: 'rita', roles: ['reader'], workspaces: ['*'] },
      }),
    });
    expect(problems).toEqual([
      'LOCAL_API_TOKEN: the same token as LOCAL_API_TOKENS entry 1 (rita); give each caller its own',
    ]);
    expect(problems.join('\n')).not.toContain(STRONG);
  });
});

describe('AUTHORIZATION_POLICY', () => {
  it('reads the policy document, or leaves it unset (nobody holds a role)', () => {
    const document = {
      statements: [{ principal: 'arn:aws:iam::1:role/A', roles: ['administrator'], workspaces: ['*'] }],
    };
    expect(loadConfig({ AUTHORIZATION_POLICY: JSON.stringify(document) }).authorization).toEqual({
      policy: document,
    });
    expect(loadConfig({}).authorization).toEqual({});
    expect(problemsOf({ AUTHORIZATION_POLICY: '{"statements": [{"principal": "p"}]}' })[0]).toMatch(
      /^AUTHORIZATION_POLICY\.statements\.0\.roles: /,
    );
  });
});
