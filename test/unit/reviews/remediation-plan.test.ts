// The plan that removes a reviewed access: one change per removable path, the group's other access
// named, deduplicated, and the paths no change here can remove said plainly.
import { describe, expect, it } from 'vitest';
import { effectiveUserAccess, type AccessFacts } from '../../../lib/access/index.js';
import { orgGroupMembershipGrant, resource } from '../../../lib/model/index.js';
import { conflictingKeeps, planRemediation } from '../../../lib/reviews/remediation-plan.js';
import type { ReviewItem } from '../../../lib/reviews/review-model.js';
import { AccessWorld } from '../access/access-world.js';

const CORE = 'p0000000-0000-4000-8000-000000000001';
const OPS = 'p0000000-0000-4000-8000-000000000002';
const WEB = 'r0000000-0000-4000-8000-000000000001';
const API = 'r0000000-0000-4000-8000-000000000002';
const DOCS = 'r0000000-0000-4000-8000-000000000003';

/** CORE holds web and api; OPS holds docs (public). */
function world(): AccessWorld {
  return new AccessWorld()
    .user('ada', 'owner')
    .user('bob')
    .user('carol')
    .user('dan')
    .project(CORE, 'CORE')
    .project(OPS, 'OPS')
    .repository(WEB, 'web', CORE)
    .repository(API, 'api', CORE)
    .repository(DOCS, 'docs', OPS, false);
}

/** The item a campaign would freeze for the user on the resource (public paths included). */
function itemOf(
  facts: AccessFacts,
  accountId: string,
  type: 'project' | 'repository',
  id: string,
): ReviewItem {
  const access = effectiveUserAccess(facts, accountId, { includePublic: true })!;
  const entry =
    type === 'project'
      ? access.projects.find((project) => project.uuid === id)
      : access.repositories.find((repository) => repository.uuid === id);
  if (!entry) throw new Error(`${accountId} cannot reach ${type} ${id}`);
  const name = 'key' in entry ? entry.key : entry.slug;
  return {
    campaignId: 'rc-1',
    itemId: `${type}:${id}:${accountId}`,
    accountId,
    displayName: access.user.displayName,
    accountStatus: 'active',
    workspaceRole: access.user.role,
    resource: { type, id, name },
    permission: entry.permission,
    paths: entry.paths,
    lastActivity: null,
    flags: [],
    reviewer: null,
    reviewerRule: 'unassigned',
  };
}

describe('planRemediation', () => {
  it("direct: revokes the user's own grant on the resource, naming the permission held", () => {
    const facts = world().onRepository(API, 'user:carol', 'admin').facts();
    const plan = planRemediation(itemOf(facts, 'carol', 'repository', API), facts);
    expect(plan).toEqual({
      actions: [
        {
          kind: 'revoke-direct-grant',
          resource: { type: 'repository', id: API, slug: 'api' },
          principal: { type: 'user', accountId: 'carol' },
          permission: 'admin',
          description: 'revoke the admin grant of carol (Name carol) on repository api',
          alsoRemoves: [],
        },
      ],
    });
  });

  it('group: removes the membership and lists the access that goes with it, lost or lowered', () => {
    const facts = world()
      .group('developers', ['bob', 'carol'])
      .onRepository(WEB, 'group:developers', 'write')
      .onRepository(API, 'group:developers', 'write')
      .onRepository(DOCS, 'group:developers', 'admin')
      .onRepository(API, 'user:bob', 'read')
      .facts();
    const plan = planRemediation(itemOf(facts, 'bob', 'repository', WEB), facts);
    expect(plan.cannotRemove).toBeUndefined();
    expect(plan.actions).toEqual([
      {
        kind: 'remove-group-member',
        resource: { type: 'group', slug: 'developers' },
        principal: { type: 'user', accountId: 'bob' },
        permission: 'member',
        description: 'remove bob (Name bob) from group developers',
        // docs is public: its read stays with every user, so admin is lowered to read, not lost.
        alsoRemoves: ['write on repository api → read', 'admin on repository docs → read'],
      },
    ]);
  });

  it('two paths through one group (repository and project grants) are one removal', () => {
    const facts = world()
      .group('developers', ['bob'])
      .onRepository(WEB, 'group:developers', 'write')
      .onProject(CORE, 'group:developers', 'create-repo')
      .facts();
    const item = itemOf(facts, 'bob', 'repository', WEB);
    expect(item.paths.map((path) => path.via)).toEqual(['group', 'project-group']);
    const plan = planRemediation(item, facts);
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      kind: 'remove-group-member',
      resource: { type: 'group', slug: 'developers' },
      alsoRemoves: ['create-repo on project CORE', 'write on repository api'],
    });
  });

  it('every path gets its own change, in path order', () => {
    const facts = world()
      .group('developers', ['bob'])
      .group('reviewers', ['bob'])
      .onRepository(WEB, 'user:bob', 'write')
      .onRepository(WEB, 'group:developers', 'read')
      .onProject(CORE, 'group:reviewers', 'read')
      .facts();
    const plan = planRemediation(itemOf(facts, 'bob', 'repository', WEB), facts);
    expect(plan.actions.map((action) => [action.kind, action.resource.slug ?? action.resource.id])).toEqual([
      ['revoke-direct-grant', 'web'],
      ['remove-group-member', 'developers'],
      ['remove-group-member', 'reviewers'],
    ]);
  });

  it("project: revokes the user's project grant by the project's own permission, and names what else goes", () => {
    const facts = world()
      .onProject(CORE, 'user:dan', 'create-repo')
      .onRepository(API, 'user:dan', 'read')
      .facts();
    const item = itemOf(facts, 'dan', 'repository', WEB);
    expect(item.paths).toEqual([{ via: 'project', project: 'CORE', permission: 'write' }]);
    expect(planRemediation(item, facts).actions).toEqual([
      {
        kind: 'revoke-project-grant',
        resource: { type: 'project', id: CORE, key: 'CORE' },
        principal: { type: 'user', accountId: 'dan' },
        permission: 'create-repo',
        description:
          'revoke the create-repo grant of dan (Name dan) on project CORE (it holds repository web)',
        alsoRemoves: ['create-repo on project CORE', 'write on repository api → read'],
      },
    ]);
  });

  it("a project item: the user's own grant on the project, by key", () => {
    const facts = world().onProject(CORE, 'user:dan', 'admin').facts();
    expect(planRemediation(itemOf(facts, 'dan', 'project', CORE), facts).actions).toEqual([
      expect.objectContaining({
        kind: 'revoke-direct-grant',
        resource: { type: 'project', id: CORE, key: 'CORE' },
        permission: 'admin',
        description: 'revoke the admin grant of dan (Name dan) on project CORE',
      }),
    ]);
  });

  it('a workspace owner cannot be removed here; the removable paths are only listed, never executed', () => {
    const facts = world().onRepository(WEB, 'user:ada', 'write').facts();
    const plan = planRemediation(itemOf(facts, 'ada', 'repository', WEB), facts);
    expect(plan.actions).toEqual([]);
    expect(plan.wouldAlsoNeed?.map((action) => action.kind)).toEqual(['revoke-direct-grant']);
    expect(plan.cannotRemove).toEqual({
      reason: 'workspace-owner',
      detail:
        'ada (Name ada) is a workspace owner (admin everywhere): change the workspace role to remove this access',
    });
  });

  it("an owner's group removal is not executed, and lists what it would take were she no owner", () => {
    // grace in the demo seed: an owner in administrators, which administers OPS.
    const facts = world()
      .group('administrators', ['ada'])
      .onProject(OPS, 'group:administrators', 'admin')
      .onRepository(WEB, 'group:administrators', 'admin')
      .facts();
    const plan = planRemediation(itemOf(facts, 'ada', 'repository', WEB), facts);
    expect(plan.actions).toEqual([]);
    expect(plan.cannotRemove?.reason).toBe('workspace-owner');
    expect(plan.wouldAlsoNeed).toEqual([
      expect.objectContaining({
        kind: 'remove-group-member',
        resource: { type: 'group', slug: 'administrators' },
        alsoRemoves: ['admin on project OPS', 'admin on repository docs → read'],
      }),
    ]);
  });

  it('a public repository cannot be removed here', () => {
    const facts = world().facts();
    const plan = planRemediation(itemOf(facts, 'bob', 'repository', DOCS), facts);
    expect(plan).toEqual({
      actions: [],
      cannotRemove: {
        reason: 'public-repository',
        detail: 'repository docs is public: anyone can read it (read stays)',
      },
    });
  });

  it('a write on a public repository: the grant goes (write → read) and the plan says read stays', () => {
    const facts = world().onRepository(DOCS, 'user:bob', 'write').facts();
    const expected = {
      actions: [
        expect.objectContaining({ kind: 'revoke-direct-grant', permission: 'write', alsoRemoves: [] }),
      ],
      cannotRemove: {
        reason: 'public-repository',
        detail: 'repository docs is public: anyone can read it (read stays)',
      },
    };
    expect(planRemediation(itemOf(facts, 'bob', 'repository', DOCS), facts)).toEqual(expected);
    // Frozen without its public path (as campaigns did): the facts say the repository is public.
    const withoutPublic = itemOf(facts, 'bob', 'repository', DOCS);
    withoutPublic.paths = withoutPublic.paths.filter((path) => path.via !== 'public');
    expect(planRemediation(withoutPublic, facts)).toEqual(expected);
  });

  it('a read on a public repository: removing the grant would change nothing, so nothing runs', () => {
    const facts = world().onRepository(DOCS, 'user:bob', 'read').facts();
    const plan = planRemediation(itemOf(facts, 'bob', 'repository', DOCS), facts);
    expect(plan.actions).toEqual([]);
    expect(plan.cannotRemove?.reason).toBe('public-repository');
    expect(plan.wouldAlsoNeed?.map((action) => action.kind)).toEqual(['revoke-direct-grant']);
  });

  it('a direct project grant lists the repositories it reaches, as the same grant does from a repository', () => {
    // radia in the demo seed: a direct write on project OPS.
    const facts = world()
      .onProject(CORE, 'user:dan', 'create-repo')
      .onRepository(API, 'user:dan', 'read')
      .facts();
    const fromProject = planRemediation(itemOf(facts, 'dan', 'project', CORE), facts).actions;
    expect(fromProject).toEqual([
      expect.objectContaining({
        kind: 'revoke-direct-grant',
        resource: { type: 'project', id: CORE, key: 'CORE' },
        alsoRemoves: ['write on repository api → read', 'write on repository web'],
      }),
    ]);
    const fromRepository = planRemediation(itemOf(facts, 'dan', 'repository', WEB), facts).actions;
    // One lost-access computation: each lists the other, and everything else the same.
    expect(fromRepository[0]!.alsoRemoves).toEqual([
      'create-repo on project CORE',
      'write on repository api → read',
    ]);
  });

  it('the strongest reason is named and every reason is in the detail', () => {
    const facts = world().onRepository(DOCS, 'user:ada', 'admin').facts();
    const plan = planRemediation(itemOf(facts, 'ada', 'repository', DOCS), facts);
    expect(plan.cannotRemove?.reason).toBe('workspace-owner');
    expect(plan.cannotRemove?.detail).toContain('repository docs is public');
  });

  describe('workspaces administered in admin.atlassian.com', () => {
    function organization(idpManaged: boolean) {
      const w = world()
        .group('developers', ['bob'])
        .onRepository(WEB, 'group:developers', 'write')
        .onRepository(API, 'group:developers', 'read');
      w.resources.push(
        resource('org-group', 'g-devs', {
          name: 'Developers',
          slug: 'developers',
          directoryId: 'dir-1',
          idpManaged,
          workspaceRole: 'member',
        }),
      );
      w.grants.push(orgGroupMembershipGrant('g-devs', 'bob'));
      return w.facts();
    }

    it('an organization group is still a group membership (provisioning routes it to the Admin API)', () => {
      const facts = organization(false);
      const plan = planRemediation(itemOf(facts, 'bob', 'repository', WEB), facts);
      expect(plan.cannotRemove).toBeUndefined();
      expect(plan.actions).toEqual([
        expect.objectContaining({
          kind: 'remove-group-member',
          resource: { type: 'group', slug: 'developers' },
          alsoRemoves: [
            'read on repository api',
            'workspace member role, given by organization group developers alone (unless also granted directly)',
          ],
        }),
      ]);
    });

    it('a group synced from an identity provider cannot be removed here', () => {
      const facts = organization(true);
      expect(planRemediation(itemOf(facts, 'bob', 'repository', WEB), facts)).toEqual({
        actions: [],
        cannotRemove: {
          reason: 'identity-provider-managed',
          detail:
            'group developers is organization group Developers, synced from an identity provider: remove bob (Name bob) there',
        },
      });
    });
  });
});

describe('conflictingKeeps', () => {
  const decided = (item: ReviewItem, decision: 'keep' | 'revoke', facts: AccessFacts): ReviewItem => ({
    ...item,
    decision: { decision, decidedBy: 'reviewer', decidedAt: '2026-12-01T00:00:00.000Z' },
    ...(decision === 'revoke' ? { plan: planRemediation(item, facts) } : {}),
  });

  it("names the kept items of the same user whose paths the revoke's group removal takes", () => {
    // alan in the demo seed: kept on shared-libs through developers; his CORE item revoked.
    const facts = world()
      .group('developers', ['bob', 'carol'])
      .onProject(CORE, 'group:developers', 'create-repo')
      .onRepository(API, 'user:bob', 'read')
      .facts();
    const revoke = decided(itemOf(facts, 'bob', 'project', CORE), 'revoke', facts);
    const web = decided(itemOf(facts, 'bob', 'repository', WEB), 'keep', facts);
    const api = decided(itemOf(facts, 'bob', 'repository', API), 'keep', facts);
    const carol = decided(itemOf(facts, 'carol', 'repository', WEB), 'keep', facts);
    const undecided = itemOf(facts, 'carol', 'repository', API);
    expect(conflictingKeeps([revoke, web, api, carol, undecided])).toEqual([
      {
        revokeItemId: revoke.itemId,
        keptItemId: web.itemId,
        accountId: 'bob',
        actions: revoke.plan!.actions,
        permissionBefore: 'write',
        permissionAfter: null,
        lowers: true,
      },
      {
        revokeItemId: revoke.itemId,
        keptItemId: api.itemId,
        accountId: 'bob',
        actions: revoke.plan!.actions,
        permissionBefore: 'write',
        permissionAfter: 'read',
        lowers: true,
      },
    ]);
  });

  it("a direct project grant's revoke conflicts with a kept repository reached through it", () => {
    const facts = world().onProject(CORE, 'user:dan', 'write').onRepository(WEB, 'user:dan', 'write').facts();
    const revoke = decided(itemOf(facts, 'dan', 'project', CORE), 'revoke', facts);
    const web = decided(itemOf(facts, 'dan', 'repository', WEB), 'keep', facts);
    const api = decided(itemOf(facts, 'dan', 'repository', API), 'keep', facts);
    expect(
      conflictingKeeps([revoke, web, api]).map((c) => [c.keptItemId, c.permissionAfter, c.lowers]),
    ).toEqual([
      // web keeps write through its own grant: named, but not lowered.
      [web.itemId, 'write', false],
      [api.itemId, null, true],
    ]);
  });

  it('nothing for an owner (the plan executes nothing) nor for a revoke of a direct repository grant', () => {
    const facts = world()
      .group('developers', ['ada', 'bob'])
      .onRepository(WEB, 'group:developers', 'write')
      .onRepository(API, 'group:developers', 'write')
      .onRepository(API, 'user:bob', 'admin')
      .facts();
    const items = [
      decided(itemOf(facts, 'ada', 'repository', WEB), 'revoke', facts),
      decided(itemOf(facts, 'ada', 'repository', API), 'keep', facts),
      decided(itemOf(facts, 'bob', 'repository', API), 'revoke', facts),
    ];
    items[2] = { ...items[2]!, plan: { actions: items[2]!.plan!.actions.slice(0, 1) } };
    items.push(decided(itemOf(facts, 'bob', 'repository', WEB), 'keep', facts));
    expect(conflictingKeeps(items)).toEqual([]);
  });
});
