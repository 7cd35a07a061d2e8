// The plan that removes a reviewed access: one change per removable path, the group's other access
// named, deduplicated, and the paths no change here can remove said plainly.
import { describe, expect, it } from 'vitest';
import { effectiveUserAccess, type AccessFacts } from '../../../lib/access/index.js';
import { orgGroupMembershipGrant, resource } from '../../../lib/model/index.js';
import { planRemediation } from '../../../lib/reviews/remediation-plan.js';
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
        // docs is public, but public reads are not access this user was given: it is lost here.
        alsoRemoves: ['write on repository api → read', 'admin on repository docs'],
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

  it('a workspace owner cannot be removed here; the removable paths are still planned', () => {
    const facts = world().onRepository(WEB, 'user:ada', 'write').facts();
    const plan = planRemediation(itemOf(facts, 'ada', 'repository', WEB), facts);
    expect(plan.actions.map((action) => action.kind)).toEqual(['revoke-direct-grant']);
    expect(plan.cannotRemove).toEqual({
      reason: 'workspace-owner',
      detail:
        'ada (Name ada) is a workspace owner (admin everywhere): change the workspace role to remove this access',
    });
  });

  it('a public repository cannot be removed here', () => {
    const facts = world().facts();
    const plan = planRemediation(itemOf(facts, 'bob', 'repository', DOCS), facts);
    expect(plan).toEqual({
      actions: [],
      cannotRemove: { reason: 'public-repository', detail: 'repository docs is public: anyone can read it' },
    });
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
