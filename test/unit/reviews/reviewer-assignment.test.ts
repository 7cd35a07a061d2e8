// Reviewer assignment: named reviewers per repository, then per project; then the resource's admins; then
// the workspace owners; never the item's own user; none: unassigned.
import { describe, expect, it } from 'vitest';
import { AuthorizationPolicy } from '../../../lib/authz/index.js';
import { assignReviewer, type AssignmentContext } from '../../../lib/reviews/reviewer-assignment.js';

const policy = new AuthorizationPolicy({
  statements: [
    { principal: 'alice', accountId: 'acc-alice', roles: ['administrator'], workspaces: ['*'] },
    { principal: 'bob', accountId: 'acc-bob', roles: ['reader'], workspaces: ['acme'] },
    { principal: 'bob-laptop', accountId: 'acc-bob', roles: ['reader'], workspaces: ['acme'] },
    { principal: 'carol', accountId: 'acc-carol', roles: ['reader'], workspaces: ['other'] },
    { principal: 'olga', accountId: 'acc-olga', roles: ['reader'], workspaces: ['acme'] },
    {
      principal: 'arn:aws:sts::1:assumed-role/Rev/*',
      accountId: 'acc-pat',
      roles: ['reader'],
      workspaces: ['*'],
    },
  ],
});
const ACME = { uuid: 'ws-1', slug: 'acme' };

function context(overrides: Partial<AssignmentContext> = {}): AssignmentContext {
  return {
    rules: {},
    admins: new Map([['repository:r-api', ['acc-bob', 'acc-alice']]]),
    owners: ['acc-olga'],
    directory: policy,
    canReview: (principal) => policy.hasAnyRole(principal, ACME),
    ...overrides,
  };
}

const repoItem = (accountId: string) => ({
  accountId,
  resource: { type: 'repository' as const, id: 'r-api', name: 'api', projectKey: 'CORE' },
});

describe('assignReviewer', () => {
  it('takes named reviewers for the repository, else for its project', () => {
    const rules = { repositories: { api: ['bob'] }, projects: { CORE: ['olga'] } };
    expect(assignReviewer(repoItem('acc-x'), context({ rules }))).toEqual({
      reviewer: 'bob',
      reviewerRule: 'named',
    });
    expect(assignReviewer(repoItem('acc-x'), context({ rules: { projects: { CORE: ['olga'] } } }))).toEqual({
      reviewer: 'olga',
      reviewerRule: 'named',
    });
    // bob does not review his own access: the repository list empties, the project list answers.
    expect(assignReviewer(repoItem('acc-bob'), context({ rules }))).toEqual({
      reviewer: 'olga',
      reviewerRule: 'named',
    });
  });

  it("falls to the resource's admins, mapping accounts to sorted principals, skipping the user", () => {
    expect(assignReviewer(repoItem('acc-x'), context())).toEqual({
      reviewer: 'alice',
      reviewerRule: 'resource-admin',
    });
    expect(assignReviewer(repoItem('acc-alice'), context())).toEqual({
      reviewer: 'bob',
      reviewerRule: 'resource-admin',
    });
  });

  it('falls to the workspace owners, then to nobody', () => {
    const noAdmins = context({ admins: new Map() });
    expect(assignReviewer(repoItem('acc-x'), noAdmins)).toEqual({
      reviewer: 'olga',
      reviewerRule: 'workspace-owner',
    });
    expect(assignReviewer(repoItem('acc-olga'), noAdmins)).toEqual({
      reviewer: null,
      reviewerRule: 'unassigned',
    });
  });

  it('skips accounts the policy cannot name exactly, and principals with no role on the workspace', () => {
    const onlyUnmappable = context({
      admins: new Map([['repository:r-api', ['acc-pat', 'acc-carol', 'acc-nobody']]]),
      owners: [],
    });
    expect(assignReviewer(repoItem('acc-x'), onlyUnmappable)).toEqual({
      reviewer: null,
      reviewerRule: 'unassigned',
    });
  });
});

describe('AuthorizationPolicy.principalsOfAccount', () => {
  it('answers the exact principals of an account, sorted, leaving out patterns and role ARNs', () => {
    const withRole = new AuthorizationPolicy({
      statements: [
        { principal: 'zed', accountId: 'acc-1', roles: ['reader'], workspaces: ['*'] },
        { principal: 'amy', accountId: 'acc-1', roles: ['approver'], workspaces: ['*'] },
        { principal: 'amy', accountId: 'acc-1', roles: ['reader'], workspaces: ['acme'] },
        {
          principal: 'arn:aws:iam::1:role/Reviewers',
          accountId: 'acc-1',
          roles: ['reader'],
          workspaces: ['*'],
        },
        {
          principal: 'arn:aws:sts::1:assumed-role/R/*',
          accountId: 'acc-1',
          roles: ['reader'],
          workspaces: ['*'],
        },
        { principal: 'other', accountId: 'acc-2', roles: ['reader'], workspaces: ['*'] },
      ],
    });
    expect(withRole.principalsOfAccount('acc-1')).toEqual(['amy', 'zed']);
    expect(withRole.principalsOfAccount('acc-3')).toEqual([]);
  });
});
