// The table of scope kinds is whole and consistent: every kind the model defines has one row, every
// per-resource kind names a listing kind as its parent and round-trips its scope, and the Bitbucket
// Cloud source lists every kind of the table.
import { describe, expect, it } from 'vitest';
import { BitbucketCloudSource, createBitbucketClient } from '../../../lib/bitbucket/index.js';
import { parseScopeId, scopeId } from '../../../lib/model/index.js';
import { scopesOf, dueScopes, LISTING_SCOPES, SCOPE_KINDS, scopeKind } from '../../../lib/sync/index.js';

const MODEL_KINDS = [
  'members',
  'groups',
  'org-groups',
  'projects',
  'repositories',
  'project-grants',
  'repository-grants',
];

describe('SCOPE_KINDS', () => {
  it('has exactly one row per scope kind of the model', () => {
    expect(SCOPE_KINDS.map((row) => row.kind).sort()).toEqual([...MODEL_KINDS].sort());
  });

  it('gives each per-resource kind a listing parent and a scope that round-trips through its id', () => {
    for (const row of SCOPE_KINDS.filter((entry) => entry.perResource)) {
      const perResource = row.perResource!;
      expect(scopeKind(perResource.parentListing as never).perResource).toBeUndefined();
      const scope = perResource.scopeOf('abc');
      expect(parseScopeId(scopeId(scope))).toEqual(scope);
      expect(perResource.resourceIdOf(scope)).toBe('abc');
      expect(perResource.targetOf('abc', { key: 'K', slug: 's' })).toMatchObject({ kind: row.kind });
    }
  });

  it('drives the plan: listings first by rank, then per-resource scopes of equal rank by age alone', () => {
    const states = new Map([
      ['repository-grants/r1', { scope: 'repository-grants/r1', refreshedAt: '2026-01-01T00:00:00Z' }],
      ['project-grants/p1', { scope: 'project-grants/p1', refreshedAt: '2026-01-02T00:00:00Z' }],
    ]);
    const due = dueScopes(
      scopesOf({ project: ['p1'], repository: ['r1'] }),
      states,
      Date.parse('2026-02-01T00:00:00Z'),
      {
        membershipIntervalMs: 1,
        listingIntervalMs: 1,
        grantIntervalMs: 1,
      },
    );
    expect(due.map((entry) => entry.id)).toEqual([
      ...LISTING_SCOPES.map((scope) => scopeId(scope)),
      'repository-grants/r1',
      'project-grants/p1',
    ]);
  });

  it('is listed whole by the Bitbucket Cloud source, apart from the Admin API kinds', () => {
    const client = createBitbucketClient({
      apiUrl: 'http://127.0.0.1:9',
      oauthUrl: 'http://127.0.0.1:9',
      credentials: {
        current: async () => ({ auth: 'access-token', token: 't' }),
        reload: async () => ({ auth: 'access-token', token: 't' }),
      },
    });
    expect([...new BitbucketCloudSource(client).kinds].sort()).toEqual(
      SCOPE_KINDS.filter((row) => row.api === 'bitbucket')
        .map((row) => row.kind)
        .sort(),
    );
    expect(SCOPE_KINDS.filter((row) => row.api !== 'bitbucket').map((row) => row.kind)).toEqual([
      'org-groups',
    ]);
  });
});
