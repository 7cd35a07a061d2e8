// Closing a review campaign on the demo workspace (lib/simulator/demo-seed.ts), for the cases a reviewer
// met there: a direct project grant (radia on OPS) names the repositories it reaches; a public repository
// (website) stays readable after a revoke; an owner (grace) runs no change at all; and a keep (alan on
// shared-libs) that another revoke took (alan's CORE item removes him from developers) is not "kept".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeCampaign, type CampaignCloseDependencies } from '../../../lib/reviews/campaign-close.js';
import { conflictingKeeps } from '../../../lib/reviews/remediation-plan.js';
import type { ReviewDecision, ReviewItem } from '../../../lib/reviews/review-model.js';
import { demoSeed } from '../../../lib/simulator/demo-seed.js';
import { startApiFixture, type ApiFixture } from '../api/api-fixture.js';
import { closeDependenciesOf, frozenItem, id } from './review-items.js';

let fixture: ApiFixture;
let dependencies: CampaignCloseDependencies;
const campaign = () => ({ id: 'rc-demo', workspaceId: fixture.workspace.id, workspaceSlug: 'acme' });

beforeAll(async () => {
  fixture = await startApiFixture(demoSeed() as never);
  dependencies = closeDependenciesOf(fixture);
});
afterAll(async () => {
  await fixture?.close();
});

/** The item frozen for `nickname` on project key or repository slug `name`. */
const item = (nickname: string, type: 'project' | 'repository', name: string, decision?: ReviewDecision) =>
  frozenItem(fixture, { campaignId: campaign().id, nickname, type, name, ...(decision ? { decision } : {}) });

async function truth() {
  const workspace = (await fixture.harness.groundTruth()).workspaces[0]!;
  return {
    repositoryUsers: (slug: string) =>
      workspace.repositories.find((entry) => entry.slug === slug)!.userGrants.map((g) => g.accountId),
    projectUsers: (key: string) =>
      workspace.projects.find((entry) => entry.key === key)!.userGrants.map((g) => g.accountId),
    members: (slug: string) => workspace.groups.find((group) => group.slug === slug)!.members,
  };
}

describe('closeCampaign on the demo workspace', () => {
  let radia: ReviewItem;
  let vendor: ReviewItem;
  let grace: ReviewItem;
  let alanCore: ReviewItem;
  let alanShared: ReviewItem;
  let alanWebsite: ReviewItem;
  let linusShared: ReviewItem;

  beforeAll(async () => {
    radia = await item('radia', 'project', 'OPS', 'revoke');
    vendor = await item('vendor', 'repository', 'website', 'revoke');
    grace = await item('grace', 'project', 'OPS', 'revoke');
    alanCore = await item('alan', 'project', 'CORE', 'revoke');
    alanShared = await item('alan', 'repository', 'shared-libs', 'keep');
    alanWebsite = await item('alan', 'repository', 'website');
    linusShared = await item('linus', 'repository', 'shared-libs', 'keep');
  });

  it('plans each case honestly', () => {
    // A direct project grant names the repositories that go with it (infrastructure stays: her own admin).
    expect(radia.plan!.actions).toEqual([
      expect.objectContaining({
        kind: 'revoke-direct-grant',
        resource: expect.objectContaining({ type: 'project', key: 'OPS' }) as unknown,
        alsoRemoves: ['write on repository runbooks', 'write on repository secrets-rotation'],
      }),
    ]);
    // Frozen with its public path; the write goes, read stays.
    expect(vendor.paths).toEqual([
      { via: 'direct', permission: 'write' },
      { via: 'public', permission: 'read' },
    ]);
    expect(vendor.plan!.cannotRemove?.reason).toBe('public-repository');
    expect(vendor.plan!.actions.map((action) => action.kind)).toEqual(['revoke-direct-grant']);
    // An owner: nothing to execute; what the group removal would take, were she no owner.
    expect(grace.plan!.actions).toEqual([]);
    expect(grace.plan!.cannotRemove?.reason).toBe('workspace-owner');
    expect(grace.plan!.wouldAlsoNeed).toEqual([
      expect.objectContaining({
        kind: 'remove-group-member',
        resource: { type: 'group', slug: 'administrators' },
        alsoRemoves: [
          'admin on project CORE',
          ...[
            'api',
            'auth-service',
            'billing',
            'infrastructure',
            'runbooks',
            'secrets-rotation',
            'shared-libs',
          ].map((slug) => `admin on repository ${slug}`),
        ],
      }),
    ]);
    // website is public: alan keeps read there whatever happens to developers.
    expect(alanCore.plan!.actions[0]!.alsoRemoves).toContain('write on repository website → read');
    expect(alanCore.plan!.actions[0]!.alsoRemoves).toContain('write on repository shared-libs');
  });

  it('warns at decision time that the CORE revoke takes a kept item', () => {
    const conflicts = conflictingKeeps([
      radia,
      vendor,
      grace,
      alanCore,
      alanShared,
      alanWebsite,
      linusShared,
    ]);
    expect(conflicts.map((c) => [c.revokeItemId, c.keptItemId, c.permissionAfter, c.lowers])).toEqual([
      [alanCore.itemId, alanShared.itemId, null, true],
    ]);
  });

  it('closes: verified, public read left, owner untouched, and the taken keep recorded', async () => {
    const items = [radia, vendor, grace, alanCore, alanShared, alanWebsite, linusShared];
    const result = await closeCampaign(dependencies, campaign(), items, { actor: 'closer' });
    const outcome = (entry: ReviewItem) => result.items.find((i) => i.itemId === entry.itemId)!.outcome!;
    const after = await truth();

    expect(outcome(radia)).toMatchObject({ status: 'revoked-verified' });
    expect(after.projectUsers('OPS')).toEqual([]);

    // Readable by every user: the item is not "revoked-verified".
    expect(outcome(vendor)).toMatchObject({ status: 'cannot-remove', reason: 'public-repository' });
    expect(outcome(vendor).detail).toContain('read: the repository is public');
    expect(after.repositoryUsers('website')).toEqual([]);

    // No change ran for grace: still in administrators.
    expect(outcome(grace)).toMatchObject({ status: 'cannot-remove', reason: 'workspace-owner' });
    expect(after.members('administrators')).toEqual([id('grace')]);
    expect(result.runs.map((run) => run.action.resource.slug ?? run.action.resource.key)).toEqual([
      'OPS',
      'website',
      'developers',
    ]);

    expect(outcome(alanCore)).toMatchObject({ status: 'revoked-verified' });
    expect(after.members('developers')).not.toContain(id('alan'));
    // Kept by ken, but the CORE revoke removed it.
    expect(outcome(alanShared)).toMatchObject({
      status: 'removed-by-another-revoke',
      changedBy: {
        itemIds: [alanCore.itemId],
        actions: [`remove ${id('alan')} (Alan Turing) from group developers`],
        permissionBefore: 'write',
        permissionAfter: null,
      },
    });
    expect(outcome(alanShared).detail).toMatch(/^kept, but write → none: remove .* from group developers/);
    // Undecided, lowered to the public read.
    expect(outcome(alanWebsite)).toMatchObject({
      status: 'removed-by-another-revoke',
      changedBy: { permissionBefore: 'write', permissionAfter: 'read' },
    });
    // Another user's keep through the same group is untouched.
    expect(outcome(linusShared)).toEqual({ status: 'kept' });
  });

  it('a plan stored without the public reason ends still-reachable: read, the repository is public', async () => {
    const { cannotRemove: _reason, ...plan } = vendor.plan!;
    const result = await closeCampaign(dependencies, campaign(), [{ ...vendor, plan }], { actor: 'closer' });
    expect(result.runs[0]).toMatchObject({ replayed: true, result: 'removed' });
    expect(result.items[0]!.outcome).toMatchObject({
      status: 'still-reachable',
      detail: 'read: the repository is public',
    });
  });

  it("an owner's plan stored with its actions (before wouldAlsoNeed) still runs nothing", async () => {
    const stored = { ...grace, plan: { ...grace.plan!, actions: grace.plan!.wouldAlsoNeed! } };
    await fixture.clearRequestLog();
    const result = await closeCampaign(dependencies, campaign(), [stored], { actor: 'closer' });
    expect(result.runs).toEqual([]);
    expect(result.items[0]!.outcome).toMatchObject({ status: 'cannot-remove', reason: 'workspace-owner' });
    expect((await truth()).members('administrators')).toEqual([id('grace')]);
    expect(await fixture.harness.requestTotal()).toBe(0);
  });
});
