// Freezing a campaign's items from the picture: one per (user, resource) in scope, with every path, the
// flags of REVIEW_FLAGS, and who administers each resource for the assignment rules.
import { describe, expect, it } from 'vitest';
import type { AccessFacts } from '../../../lib/access/index.js';
import type { GroupResource, ProjectResource, RepositoryResource } from '../../../lib/model/index.js';
import {
  freezeReviewItems,
  inScope,
  resourceAdmins,
  reviewedAccess,
  workspaceOwners,
  type ReviewPicture,
} from '../../../lib/reviews/campaign-items.js';
import { AccessWorld } from '../access/access-world.js';

const CORE = 'p0000000-0000-4000-8000-000000000001';
const OPS = 'p0000000-0000-4000-8000-000000000002';
const WEB = 'r0000000-0000-4000-8000-000000000001';
const API = 'r0000000-0000-4000-8000-000000000002';
const DOCS = 'r0000000-0000-4000-8000-000000000003';
const SNAPSHOT = new Date('2026-12-01T00:00:00.000Z');

/** The picture loadReviewPicture reads from the store, built from facts in memory. */
function pictureOf(facts: AccessFacts): ReviewPicture {
  const of = <T>(type: string) => facts.resources.filter((r) => r.type === type) as T[];
  const projects = of<ProjectResource>('project');
  const repositories = of<RepositoryResource>('repository');
  const keys = new Map(projects.map((p) => [p.id, p.attributes.key]));
  return {
    users: facts.resources
      .filter((r) => r.type === 'user')
      .map((user) => ({ access: reviewedAccess(facts, user.id)!, accountStatus: 'active' })),
    groupDefaults: new Map(of<GroupResource>('group').map((g) => [g.id, g.attributes.defaultPermission])),
    repositoryProjectKeys: new Map(repositories.map((r) => [r.id, keys.get(r.attributes.projectUuid!)!])),
    projectKeys: new Set(keys.values()),
    repositorySlugs: new Set(repositories.map((r) => r.attributes.slug)),
  };
}

/** ada owns the workspace; bob writes web through developers (default write) and administers api through
 * admins; carol administers project CORE directly; dan reads docs in OPS directly. */
function world(): AccessWorld {
  const world = new AccessWorld()
    .user('ada', 'owner')
    .user('bob')
    .user('carol')
    .user('dan')
    .group('developers', ['bob'], 'write')
    .group('admins', ['bob'], null)
    .project(CORE, 'CORE')
    .project(OPS, 'OPS')
    .repository(WEB, 'web', CORE)
    .repository(API, 'api', CORE)
    .repository(DOCS, 'docs', OPS)
    .onRepository(WEB, 'group:developers', 'write')
    .onRepository(API, 'group:admins', 'admin')
    .onProject(CORE, 'user:carol', 'admin')
    .onRepository(DOCS, 'user:dan', 'read');
  world.activity.push({ accountId: 'dan', repositoryId: DOCS, lastActivity: '2026-11-20T00:00:00.000Z' });
  world.activity.push({ accountId: 'bob', repositoryId: WEB, lastActivity: '2026-08-01T00:00:00.000Z' });
  return world;
}

describe('freezeReviewItems', () => {
  const picture = pictureOf(world().facts());

  it('freezes one item per (user, resource) with every path, sorted by item id', () => {
    const items = freezeReviewItems(picture, 'rv-1', {}, SNAPSHOT);
    const ids = items.map((item) => item.itemId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    const bobWeb = items.find((item) => item.itemId === `repository:${WEB}:bob`)!;
    expect(bobWeb).toMatchObject({
      campaignId: 'rv-1',
      accountId: 'bob',
      displayName: 'Name bob',
      accountStatus: 'active',
      workspaceRole: 'member',
      resource: { type: 'repository', id: WEB, name: 'web', projectKey: 'CORE' },
      permission: 'write',
      paths: [{ via: 'group', group: 'developers', permission: 'write' }],
      lastActivity: '2026-08-01T00:00:00.000Z',
      reviewer: null,
      reviewerRule: 'unassigned',
    });
    // Activity on 1 August is more than 90 days before 1 December; all its access is the group default.
    expect(bobWeb.flags).toEqual(['inactive-90-days', 'group-default-access-only']);
    const carolWeb = items.find((item) => item.itemId === `repository:${WEB}:carol`)!;
    expect(carolWeb.paths).toEqual([{ via: 'project', project: 'CORE', permission: 'admin' }]);
    const carolCore = items.find((item) => item.itemId === `project:${CORE}:carol`)!;
    expect(carolCore).toMatchObject({ lastActivity: null, flags: [], resource: { projectKey: 'CORE' } });
  });

  it('flags admin through a group, owners, and recent activity as active', () => {
    const items = freezeReviewItems(picture, 'rv-1', {}, SNAPSHOT);
    const flags = (id: string) => items.find((item) => item.itemId === id)!.flags;
    expect(flags(`repository:${API}:bob`)).toEqual(['inactive-90-days', 'admin-via-group']);
    expect(flags(`repository:${DOCS}:dan`)).toEqual([]);
    expect(flags(`project:${OPS}:ada`)).toEqual(['owner']);
    expect(flags(`repository:${DOCS}:ada`)).toEqual(['inactive-90-days', 'owner']);
  });

  it('keeps the union of the scope kinds given', () => {
    const ids = (scope: Parameters<typeof freezeReviewItems>[2]) =>
      freezeReviewItems(picture, 'rv-1', scope, SNAPSHOT).map((item) => item.itemId);
    const core = ids({ projects: ['CORE'] });
    expect(core).toContain(`project:${CORE}:carol`);
    expect(core).toContain(`repository:${WEB}:bob`);
    expect(core.some((id) => id.includes(OPS) || id.includes(DOCS))).toBe(false);
    expect(ids({ repositories: ['docs'] })).toEqual([`repository:${DOCS}:ada`, `repository:${DOCS}:dan`]);
    expect(ids({ groups: ['developers'] })).toEqual([`repository:${WEB}:bob`]);
    expect(ids({ groups: ['developers'], repositories: ['docs'] })).toHaveLength(3);
    expect(ids({ projects: [], groups: [] })).toEqual(ids({}));
  });

  it('keeps an item through a project-group path in a group scope', () => {
    const item = {
      resource: { type: 'repository' as const, id: WEB, name: 'web', projectKey: 'CORE' },
      paths: [{ via: 'project-group' as const, project: 'CORE', group: 'ops', permission: 'write' }],
    };
    expect(inScope(item, { groups: ['ops'] })).toBe(true);
    expect(inScope(item, { groups: ['developers'] })).toBe(false);
  });
});

describe('resource admins and owners', () => {
  it('names the accounts administering each resource through a grant, not as owners', () => {
    const admins = resourceAdmins(pictureOf(world().facts()));
    expect(admins.get(`repository:${API}`)).toEqual(['bob', 'carol']);
    expect(admins.get(`project:${CORE}`)).toEqual(['carol']);
    expect(admins.get(`repository:${DOCS}`)).toBeUndefined();
    expect(workspaceOwners(pictureOf(world().facts()))).toEqual(['ada']);
  });
});

describe('public repositories', () => {
  const SITE = 'r0000000-0000-4000-8000-000000000009';
  /** site is public: bob writes it through developers (default write), dan has no grant on it. */
  const facts = () =>
    world().repository(SITE, 'site', CORE, false).onRepository(SITE, 'group:developers', 'write').facts();

  it('freezes the public path beside the grants, and leaves out users who only reach it as public', () => {
    const items = freezeReviewItems(pictureOf(facts()), 'rv-1', { repositories: ['site'] }, SNAPSHOT);
    // ada reaches it as owner, bob through developers; carol (project admin) too; dan only as public.
    expect(items.map((item) => item.accountId)).toEqual(['ada', 'bob', 'carol']);
    const bob = items.find((item) => item.accountId === 'bob')!;
    expect(bob.paths).toEqual([
      { via: 'group', group: 'developers', permission: 'write' },
      { via: 'public', permission: 'read' },
    ]);
    // The public path is nobody's grant: bob's access is still only the group's default.
    expect(bob.flags).toEqual(['inactive-90-days', 'group-default-access-only']);
  });

  it('reviewedAccess is null for an unknown account', () => {
    expect(reviewedAccess(facts(), 'nobody')).toBeNull();
  });
});
