// Closing a review campaign against the simulator and DynamoDB Local: each revoke's plan runs through
// provisioning, the touched scopes are re-read from Bitbucket and every item ends proven: removed in the
// simulator and `revoked-verified`, or `cannot-remove` / `revoke-failed` with the reason. A dry run sends
// nothing; a second close sends no write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveUserAccess } from '../../../lib/access/index.js';
import { closeCampaign, type CampaignCloseDependencies } from '../../../lib/reviews/campaign-close.js';
import type { ReviewDecision, ReviewItem } from '../../../lib/reviews/review-model.js';
import { countRequests, startApiFixture, type ApiFixture } from '../api/api-fixture.js';
import { closeDependenciesOf, frozenItem, id } from './review-items.js';

const uuid = (n: number) => `{0000000${n}-0000-4000-8000-00000000000${n}}`;
const user = (nickname: string, n: number) => ({
  accountId: `557058:${nickname}`,
  uuid: `{6f1c000${n}-0000-4000-8000-000000000000}`,
  displayName: nickname[0]!.toUpperCase() + nickname.slice(1),
  nickname,
  accountStatus: 'active',
});
const repo = (
  slug: string,
  n: number,
  extra: Partial<{ userGrants: unknown[]; groupGrants: unknown[] }>,
) => ({
  slug,
  uuid: uuid(n),
  name: slug,
  project: 'CORE',
  isPrivate: true,
  userGrants: [],
  groupGrants: [],
  ...extra,
});

/**
 * carol: a direct write on api; bob: write on web through developers (which also reads docs); olga: an
 * owner with a direct write on web; dan: a direct write on docs (refused by an injected fault); erin: kept;
 * frank: a direct read on api whose removal cannot be re-read at first.
 */
const SEED = {
  credentials: [{ kind: 'api-token', email: 'ada@example.com', token: 't0k3n', accountId: id('ada') }],
  users: ['ada', 'bob', 'carol', 'dan', 'erin', 'olga', 'frank'].map((name, n) => user(name, n)),
  workspaces: [
    {
      slug: 'acme',
      uuid: '{0a1b2c3d-0000-4000-8000-000000000001}',
      name: 'Acme',
      members: [
        { accountId: id('ada'), role: 'owner' },
        { accountId: id('olga'), role: 'owner' },
        ...['bob', 'carol', 'dan', 'erin', 'frank'].map((name) => ({ accountId: id(name), role: 'member' })),
      ],
      groups: [
        {
          slug: 'developers',
          name: 'Developers',
          defaultPermission: null,
          autoAdd: false,
          members: [id('bob'), id('carol')],
        },
      ],
      projects: [
        { key: 'CORE', uuid: uuid(1), name: 'Core', isPrivate: true, userGrants: [], groupGrants: [] },
      ],
      repositories: [
        repo('web', 2, {
          userGrants: [
            { accountId: id('olga'), permission: 'write' },
            { accountId: id('erin'), permission: 'read' },
          ],
          groupGrants: [{ group: 'developers', permission: 'write' }],
        }),
        repo('api', 3, {
          userGrants: [
            { accountId: id('carol'), permission: 'write' },
            { accountId: id('frank'), permission: 'read' },
          ],
        }),
        repo('docs', 4, {
          userGrants: [{ accountId: id('dan'), permission: 'write' }],
          groupGrants: [{ group: 'developers', permission: 'read' }],
        }),
      ],
    },
  ],
};

let fixture: ApiFixture;
let dependencies: CampaignCloseDependencies;
const campaign = () => ({ id: 'rc-e2e', workspaceId: fixture.workspace.id, workspaceSlug: 'acme' });

beforeAll(async () => {
  fixture = await startApiFixture(SEED as never);
  dependencies = closeDependenciesOf(fixture);
});
afterAll(async () => {
  await fixture?.close();
});

/** The item frozen for `nickname` on repository `slug` (every repository here is in CORE). */
const item = (nickname: string, slug: string, decision?: ReviewDecision) =>
  frozenItem(fixture, {
    campaignId: campaign().id,
    nickname,
    type: 'repository',
    name: slug,
    projectKey: 'CORE',
    ...(decision ? { decision } : {}),
  });

async function repositoryTruth(slug: string) {
  const workspace = (await fixture.harness.groundTruth()).workspaces[0]!;
  return {
    users: workspace.repositories.find((entry) => entry.slug === slug)!.userGrants,
    developers: workspace.groups.find((group) => group.slug === 'developers')!.members,
  };
}

describe('closeCampaign', () => {
  let items: ReviewItem[];

  beforeAll(async () => {
    items = [
      await item('carol', 'api', 'revoke'),
      await item('bob', 'web', 'revoke'),
      await item('olga', 'web', 'revoke'),
      await item('dan', 'docs', 'revoke'),
      await item('erin', 'web', 'keep'),
      await item('carol', 'docs'),
    ];
  });

  it('plans a group-derived write as the group removal, naming what else goes with it', () => {
    expect(items[1]!.plan).toEqual({
      actions: [
        {
          kind: 'remove-group-member',
          resource: { type: 'group', slug: 'developers' },
          principal: { type: 'user', accountId: id('bob') },
          permission: 'member',
          description: `remove ${id('bob')} (Bob) from group developers`,
          alsoRemoves: ['read on repository docs'],
        },
      ],
    });
  });

  it('a dry run answers the calls it would make and changes nothing in the simulator', async () => {
    const before = await fixture.harness.groundTruth();
    await fixture.clearRequestLog();
    const result = await closeCampaign(dependencies, campaign(), items, { actor: 'closer', dryRun: true });
    expect(result.dryRun).toBe(true);
    // olga is an owner: her plan executes nothing.
    expect(result.runs.map((run) => run.result)).toEqual(['would-remove', 'would-remove', 'would-remove']);
    expect(result.runs[1]!.calls.map((call) => [call.method, call.sent])).toEqual([
      ['GET', false],
      ['DELETE', false],
    ]);
    expect(result.items.map((entry) => entry.outcome?.status)).toEqual([
      undefined,
      undefined,
      'cannot-remove',
      undefined,
      'kept',
      'not-decided',
    ]);
    expect(result.reread).toEqual([]);
    expect(await fixture.harness.groundTruth()).toEqual(before);
    expect(await fixture.harness.requestTotal()).toBe(0);
  });

  it('removes what the plans say, re-reads the touched scopes and proves each item', async () => {
    // dan's revocation is refused by Bitbucket.
    await fixture.harness.control('POST', '/_simulator/faults', {
      faults: [
        {
          kind: 'status',
          status: 403,
          times: 1,
          match: { method: 'DELETE', pathPrefix: '/2.0/repositories/acme/docs/permissions-config/users' },
        },
      ],
    });
    const result = await closeCampaign(dependencies, campaign(), items, { actor: 'closer' });
    const [carol, bob, olga, dan, erin, undecided] = result.items.map((entry) => entry.outcome!);

    // (a) a direct grant: gone in the simulator, verified by re-reading.
    expect(carol).toMatchObject({ status: 'revoked-verified' });
    expect(carol!.requestIds).toHaveLength(1);
    expect((await repositoryTruth('api')).users.map((grant) => grant.accountId)).toEqual([id('frank')]);
    // (b) a group-derived write: bob left developers; carol stays.
    expect(bob).toMatchObject({ status: 'revoked-verified' });
    expect((await repositoryTruth('web')).developers).toEqual([id('carol')]);
    // (c) an owner: nothing runs (she is admin everywhere whatever goes), her grant stays.
    expect(olga).toEqual({
      status: 'cannot-remove',
      reason: 'workspace-owner',
      detail: expect.stringContaining('workspace owner') as unknown,
    });
    expect(items[2]!.plan!.wouldAlsoNeed?.map((action) => action.kind)).toEqual(['revoke-direct-grant']);
    expect((await repositoryTruth('web')).users.map((grant) => grant.accountId)).toEqual([
      id('olga'),
      id('erin'),
    ]);
    // (d) refused: Bitbucket's answer is the detail, and the grant is still there.
    expect(dan!.status).toBe('revoke-failed');
    expect(dan!.detail).toMatch(
      new RegExp(`^revoke the write grant of ${id('dan')} \\(Dan\\) on repository docs: .+`),
    );
    expect((await repositoryTruth('docs')).users).toEqual([{ accountId: id('dan'), permission: 'write' }]);
    expect(erin).toEqual({ status: 'kept' });
    expect(undecided).toEqual({ status: 'not-decided' });

    expect(result.runs.map((run) => run.result)).toEqual(['removed', 'removed', 'refused']);
    // A 403 on a permission write is the credential's capability gap (422), with Bitbucket's own words.
    expect(result.runs[2]).toMatchObject({ result: 'refused', status: 422 });
    expect(dan!.detail).toContain('Bitbucket said: Simulated failure (403)');
    expect(result.reread).toEqual(
      expect.arrayContaining(['groups', `repository-grants/${items[0]!.resource.id}`]),
    );
    // The stored picture agrees: bob reaches web no more.
    const { facts } = await fixture.dependencies.store.loadUserReviewFacts(fixture.workspace.id, id('bob'));
    expect(effectiveUserAccess(facts, id('bob'))!.repositories).toEqual([]);
  });

  it('a second close (a retry) replays every change and sends no write to Bitbucket', async () => {
    await fixture.clearRequestLog();
    const result = await closeCampaign(dependencies, campaign(), items, { actor: 'closer' });
    expect(result.runs.every((run) => run.replayed)).toBe(true);
    expect(result.items.map((entry) => entry.outcome?.status)).toEqual([
      'revoked-verified',
      'revoked-verified',
      'cannot-remove',
      'revoke-failed',
      'kept',
      'not-decided',
    ]);
    const counts = await fixture.requestsByRoute();
    for (const method of ['PUT', 'POST', 'DELETE']) expect(countRequests(counts, method, '/')).toBe(0);
  });

  it('an item whose revoke came without a plan is planned from the store', async () => {
    const { plan: _plan, ...unplanned } = await item('erin', 'web', 'revoke');
    const result = await closeCampaign(dependencies, campaign(), [unplanned], { actor: 'closer' });
    expect(result.items[0]!.plan?.actions.map((action) => action.kind)).toEqual(['revoke-direct-grant']);
    expect(result.items[0]!.outcome?.status).toBe('revoked-verified');
    expect((await repositoryTruth('web')).users).toEqual([{ accountId: id('olga'), permission: 'write' }]);
  });

  it('a change whose scope cannot be re-read is not called verified; a later close verifies it', async () => {
    const frank = await item('frank', 'api', 'revoke');
    const groupsListing = '/2.0/repositories/acme/api/permissions-config/groups';
    await fixture.harness.control('POST', '/_simulator/faults', {
      faults: [
        { kind: 'status', status: 500, times: 100, match: { method: 'GET', pathPrefix: groupsListing } },
      ],
    });
    const sleeps: number[] = [];
    const unreadable = await closeCampaign(
      { ...dependencies, sleep: async (ms) => void sleeps.push(ms) },
      campaign(),
      [frank],
      { actor: 'closer' },
    );
    expect(unreadable.runs[0]!.result).toBe('removed');
    expect(unreadable.items[0]!.outcome).toMatchObject({ status: 'revoke-failed' });
    expect(unreadable.items[0]!.outcome!.detail).toMatch(/^the change was made but could not be verified: /);
    expect(sleeps).toEqual([20, 40]);
    expect((await repositoryTruth('api')).users).toEqual([]);
    const states = await fixture.dependencies.syncState.listScopeStates(fixture.workspace.id);
    expect(states.find((state) => state.scope === `repository-grants/${frank.resource.id}`)?.dirty).toBe(
      true,
    );

    await fixture.harness.control('DELETE', '/_simulator/faults');
    const retried = await closeCampaign(dependencies, campaign(), [frank], { actor: 'closer' });
    expect(retried.runs[0]).toMatchObject({ replayed: true, result: 'removed' });
    expect(retried.items[0]!.outcome).toMatchObject({ status: 'revoked-verified' });
  });
});
