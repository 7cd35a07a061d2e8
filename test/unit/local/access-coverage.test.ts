// `bbgov access` says what the stored picture could not see: the JSON answer carries the API's
// `coverage`, and the table ends with one warning line per capability gap.
import { describe, expect, it } from 'vitest';
import { formatUserAccess, loadUserAccessAnswer } from '../../../lib/local/cli.js';
import type { ScopeState, WorkspaceSyncStatus } from '../../../lib/store/sync-state.js';
import { AccessWorld } from '../access/access-world.js';

const P = 'p0000000-0000-4000-8000-000000000001';
const R = 'r0000000-0000-4000-8000-000000000001';

const refusedProjectGrants: ScopeState = {
  scope: `project-grants/${P}`,
  capabilityGap: {
    since: '2026-06-01T00:00:00.000Z',
    checkedAt: '2026-06-01T01:00:00.000Z',
    status: 401,
    endpoint: 'GET /2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/users',
    likelyMissing: ['read:project:bitbucket', 'admin:project:bitbucket'],
    namedByBitbucket: false,
    message: 'Unauthorized',
  },
};

function stores(states: ScopeState[], status?: WorkspaceSyncStatus) {
  // ada reaches `api` through group `devs` (write); her project grant is what could not be read.
  const world = new AccessWorld()
    .user('ada')
    .project(P, 'CORE')
    .repository(R, 'api', P)
    .group('devs', ['ada'])
    .onRepository(R, 'group:devs', 'write');
  return {
    store: { loadUserAccessFacts: async () => world.facts() },
    syncState: { listScopeStates: async () => states, getStatus: async () => status },
  };
}

describe('bbgov access coverage', () => {
  it('a complete picture: coverage complete, no warning line', async () => {
    const answer = await loadUserAccessAnswer(stores([{ scope: 'members', refreshedAt: 'x' }]), 'ws', 'ada');
    expect(answer?.coverage).toEqual({ complete: true, capabilityGaps: [] });
    expect(formatUserAccess(answer!)).not.toMatch(/capability gap/);
  });

  it('a refused scope: coverage incomplete with the gap, and one warning line per gap kind', async () => {
    const answer = await loadUserAccessAnswer(stores([refusedProjectGrants]), 'ws', 'ada');
    expect(answer?.coverage).toEqual({
      complete: false,
      capabilityGaps: [
        expect.objectContaining({
          kind: 'project-grants',
          scopes: 1,
          status: 401,
          likelyMissing: ['read:project:bitbucket', 'admin:project:bitbucket'],
        }),
      ],
    });
    // The JSON answer (`--json`) is this object as is.
    expect(JSON.parse(JSON.stringify(answer))).toMatchObject({ coverage: { complete: false } });
    const warnings = formatUserAccess(answer!)
      .split('\n')
      .filter((line) => line.includes('capability gap'));
    expect(warnings).toEqual([
      expect.stringMatching(/^acme: capability gap: project-grants: .*read:project:bitbucket/),
    ]);
  });

  it('an organization-administered workspace whose organization groups were never read: incomplete, said in a line', async () => {
    const administration = {
      mode: 'organization' as const,
      evidence: 'no-last-accessed' as const,
      checkedAt: 'x',
      orgGroupsRead: false,
    };
    const answer = await loadUserAccessAnswer(
      stores([{ scope: 'members', refreshedAt: 'x' }], {
        workspaceId: 'ws',
        workspaceSlug: 'acme',
        passRequests: 0,
        administration,
      }),
      'ws',
      'ada',
    );
    expect(answer?.coverage).toMatchObject({
      complete: false,
      unreadScopes: [{ scope: 'org-groups', reason: expect.stringMatching(/ATLASSIAN_ORG_ID/) }],
    });
    expect(formatUserAccess(answer!)).toMatch(/^acme: not read: org-groups: .*ATLASSIAN_ORG_ID/m);
  });

  it('an unknown user is null', async () => {
    expect(await loadUserAccessAnswer(stores([]), 'ws', 'nobody')).toBeNull();
  });
});
