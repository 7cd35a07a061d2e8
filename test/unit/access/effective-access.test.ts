import { describe, expect, it } from 'vitest';
import { effectiveResourceAccess, effectiveUserAccess } from '../../../lib/access/index.js';
import { AccessWorld } from './access-world.js';

const P = 'p0000000-0000-4000-8000-000000000001';
const P2 = 'p0000000-0000-4000-8000-000000000002';
const R = 'r0000000-0000-4000-8000-000000000001';
const R2 = 'r0000000-0000-4000-8000-000000000002';

/** One project CORE with repository `api`, and the user `ada` (a plain member). */
function base() {
  return new AccessWorld().user('ada').project(P, 'CORE').repository(R, 'api', P);
}

function repoPaths(world: AccessWorld, options = {}) {
  return effectiveUserAccess(world.facts(), 'ada', options)?.repositories;
}

describe('effective access of a user: each path alone', () => {
  it('direct grant on a repository', () => {
    expect(repoPaths(base().onRepository(R, 'user:ada', 'write'))).toEqual([
      {
        slug: 'api',
        uuid: R,
        permission: 'write',
        lastActivity: null,
        paths: [{ via: 'direct', permission: 'write' }],
      },
    ]);
  });

  it('grant on a repository to a group the user is in', () => {
    const world = base().group('devs', ['ada']).onRepository(R, 'group:devs', 'read');
    expect(repoPaths(world)?.[0]).toMatchObject({
      permission: 'read',
      paths: [{ via: 'group', group: 'devs', permission: 'read' }],
    });
  });

  it('the user’s grant on the repository’s project, with create-repo counting as write', () => {
    const access = effectiveUserAccess(base().onProject(P, 'user:ada', 'create-repo').facts(), 'ada');
    expect(access?.projects).toEqual([
      {
        key: 'CORE',
        uuid: P,
        permission: 'create-repo',
        paths: [{ via: 'direct', permission: 'create-repo' }],
      },
    ]);
    expect(access?.repositories[0]).toMatchObject({
      permission: 'write',
      paths: [{ via: 'project', project: 'CORE', permission: 'write' }],
    });
  });

  it('a project grant to one of the user’s groups', () => {
    const world = base().group('devs', ['ada']).onProject(P, 'group:devs', 'admin');
    const access = effectiveUserAccess(world.facts(), 'ada');
    expect(access?.projects[0]?.paths).toEqual([{ via: 'group', group: 'devs', permission: 'admin' }]);
    expect(access?.repositories[0]).toMatchObject({
      permission: 'admin',
      paths: [{ via: 'project-group', project: 'CORE', group: 'devs', permission: 'admin' }],
    });
  });

  it('workspace owners get admin on every project and repository', () => {
    const world = new AccessWorld()
      .user('ada', 'owner')
      .project(P, 'CORE')
      .project(P2, 'OPS')
      .repository(R, 'api', P)
      .repository(R2, 'deploy', P2);
    const access = effectiveUserAccess(world.facts(), 'ada');
    expect(access?.user).toEqual({ accountId: 'ada', displayName: 'Name ada', role: 'owner' });
    expect(access?.projects.map((p) => [p.key, p.permission, p.paths])).toEqual([
      ['CORE', 'admin', [{ via: 'workspace-owner', permission: 'admin' }]],
      ['OPS', 'admin', [{ via: 'workspace-owner', permission: 'admin' }]],
    ]);
    expect(access?.repositories.map((r) => [r.slug, r.permission])).toEqual([
      ['api', 'admin'],
      ['deploy', 'admin'],
    ]);
  });

  it('a public repository appears only with includePublic, read via public', () => {
    const world = new AccessWorld().user('ada').project(P, 'CORE').repository(R, 'site', P, false);
    expect(repoPaths(world)).toEqual([]);
    expect(repoPaths(world, { includePublic: true })).toEqual([
      {
        slug: 'site',
        uuid: R,
        permission: 'read',
        lastActivity: null,
        paths: [{ via: 'public', permission: 'read' }],
      },
    ]);
  });

  it('a private repository never gets a public path', () => {
    expect(repoPaths(base(), { includePublic: true })).toEqual([]);
  });
});

describe('effective access of a user: combinations', () => {
  it('reproduces the CONTRACTS.md example exactly', () => {
    const world = new AccessWorld()
      .user('557058:ada', 'owner')
      .group('developers', ['557058:ada'], 'write')
      .project(P, 'CORE')
      .repository(R, 'api', P)
      .onProject(P, 'user:557058:ada', 'admin')
      .onProject(P, 'group:developers', 'create-repo')
      .onRepository(R, 'group:developers', 'write');
    const facts = world.facts();
    const ada = facts.resources.find((r) => r.type === 'user');
    if (ada?.type === 'user') ada.attributes.displayName = 'Ada Lovelace';
    expect(effectiveUserAccess(facts, '557058:ada')).toEqual({
      workspace: 'acme',
      user: { accountId: '557058:ada', displayName: 'Ada Lovelace', role: 'owner' },
      groups: ['developers'],
      projects: [
        {
          key: 'CORE',
          uuid: P,
          permission: 'admin',
          paths: [
            { via: 'direct', permission: 'admin' },
            { via: 'group', group: 'developers', permission: 'create-repo' },
            { via: 'workspace-owner', permission: 'admin' },
          ],
        },
      ],
      repositories: [
        {
          slug: 'api',
          uuid: R,
          permission: 'admin',
          lastActivity: null,
          paths: [
            { via: 'group', group: 'developers', permission: 'write' },
            { via: 'project', project: 'CORE', permission: 'admin' },
            { via: 'project-group', project: 'CORE', group: 'developers', permission: 'write' },
            { via: 'workspace-owner', permission: 'admin' },
          ],
        },
      ],
    });
  });

  it('several paths with different permissions: the highest wins and every path is kept in a fixed order', () => {
    const world = base()
      .group('b-team', ['ada'])
      .group('a-team', ['ada'])
      .onRepository(R, 'user:ada', 'read')
      .onRepository(R, 'group:b-team', 'write')
      .onRepository(R, 'group:a-team', 'read')
      .onProject(P, 'user:ada', 'read')
      .onProject(P, 'group:b-team', 'create-repo')
      .onProject(P, 'group:a-team', 'read');
    expect(repoPaths(world)?.[0]).toMatchObject({
      permission: 'write',
      paths: [
        { via: 'direct', permission: 'read' },
        { via: 'group', group: 'a-team', permission: 'read' },
        { via: 'group', group: 'b-team', permission: 'write' },
        { via: 'project', project: 'CORE', permission: 'read' },
        { via: 'project-group', project: 'CORE', group: 'a-team', permission: 'read' },
        { via: 'project-group', project: 'CORE', group: 'b-team', permission: 'write' },
      ],
    });
  });

  it('a project path can beat a lower direct grant', () => {
    const world = base().onRepository(R, 'user:ada', 'read').onProject(P, 'user:ada', 'admin');
    expect(repoPaths(world)?.[0]?.permission).toBe('admin');
  });

  it('create-repo never gives more than write on repositories, but is above write on the project', () => {
    const world = base()
      .onProject(P, 'user:ada', 'create-repo')
      .group('devs', ['ada'])
      .onProject(P, 'group:devs', 'write');
    const access = effectiveUserAccess(world.facts(), 'ada');
    expect(access?.projects[0]?.permission).toBe('create-repo');
    expect(access?.repositories[0]?.permission).toBe('write');
  });

  it('a public repository also reached by a grant keeps both paths with includePublic', () => {
    const world = new AccessWorld()
      .user('ada')
      .project(P, 'CORE')
      .repository(R, 'site', P, false)
      .onRepository(R, 'user:ada', 'write');
    expect(repoPaths(world)?.[0]?.paths).toEqual([{ via: 'direct', permission: 'write' }]);
    expect(repoPaths(world, { includePublic: true })?.[0]?.paths).toEqual([
      { via: 'direct', permission: 'write' },
      { via: 'public', permission: 'read' },
    ]);
  });

  it('a group’s default permission is not a path', () => {
    const world = base().group('everyone', ['ada'], 'admin');
    const access = effectiveUserAccess(world.facts(), 'ada');
    expect(access?.groups).toEqual(['everyone']);
    expect(access?.repositories).toEqual([]);
    expect(access?.projects).toEqual([]);
  });

  it('grants to a group the user is not in give nothing', () => {
    const world = base().user('bob').group('devs', ['bob']).onRepository(R, 'group:devs', 'admin');
    expect(repoPaths(world)).toEqual([]);
  });

  it('a known user with no access gets empty lists; an unknown user gets null', () => {
    const access = effectiveUserAccess(base().facts(), 'ada');
    expect(access).toEqual({
      workspace: 'acme',
      user: { accountId: 'ada', displayName: 'Name ada', role: 'member' },
      groups: [],
      projects: [],
      repositories: [],
    });
    expect(effectiveUserAccess(base().facts(), 'nobody')).toBeNull();
  });

  it('reports recorded activity, null otherwise', () => {
    const world = base().repository(R2, 'web', P).onProject(P, 'user:ada', 'read');
    world.activity.push({ accountId: 'ada', repositoryId: R, lastActivity: '2026-11-01T10:00:00.000Z' });
    expect(repoPaths(world)?.map((r) => [r.slug, r.lastActivity])).toEqual([
      ['api', '2026-11-01T10:00:00.000Z'],
      ['web', null],
    ]);
  });

  it('orders by key and slug whatever the order of the facts', () => {
    const world = new AccessWorld()
      .user('ada', 'owner')
      .project(P2, 'ZED')
      .project(P, 'ALPHA')
      .repository(R2, 'zulu', P)
      .repository(R, 'alpha', P2);
    const facts = world.facts();
    const reversed = {
      ...facts,
      resources: [...facts.resources].reverse(),
      grants: [...facts.grants].reverse(),
    };
    const access = effectiveUserAccess(facts, 'ada');
    expect(access?.projects.map((p) => p.key)).toEqual(['ALPHA', 'ZED']);
    expect(access?.repositories.map((r) => r.slug)).toEqual(['alpha', 'zulu']);
    expect(effectiveUserAccess(reversed, 'ada')).toEqual(access);
  });
});

describe('effective access to a resource', () => {
  const world = () =>
    base()
      .user('bob')
      .user('carol', 'owner')
      .user('dan')
      .group('devs', ['bob', 'ada'], 'admin')
      .onRepository(R, 'user:ada', 'read')
      .onProject(P, 'group:devs', 'create-repo');

  it('a repository: every user who reaches it, with the same paths as their own answer', () => {
    const facts = world().facts();
    const answer = effectiveResourceAccess(facts, { type: 'repository', id: R });
    expect(answer.resource).toEqual({ type: 'repository', id: R, name: 'api', slug: 'api', isPrivate: true });
    expect(answer.users.map((u) => [u.accountId, u.role, u.permission])).toEqual([
      ['ada', 'member', 'write'],
      ['bob', 'member', 'write'],
      ['carol', 'owner', 'admin'],
    ]);
    for (const user of answer.users) {
      const own = effectiveUserAccess(facts, user.accountId)?.repositories.find((r) => r.uuid === R);
      expect(user.paths).toEqual(own?.paths);
    }
  });

  it('a project', () => {
    const answer = effectiveResourceAccess(world().facts(), { type: 'project', id: P });
    expect(answer.users.map((u) => [u.accountId, u.permission, u.paths.map((p) => p.via)])).toEqual([
      ['ada', 'create-repo', ['group']],
      ['bob', 'create-repo', ['group']],
      ['carol', 'admin', ['workspace-owner']],
    ]);
  });

  it('a group: its members', () => {
    const answer = effectiveResourceAccess(world().facts(), { type: 'group', id: 'devs' });
    expect(answer.resource).toEqual({ type: 'group', id: 'devs', name: 'Group devs' });
    expect(answer.users.map((u) => [u.accountId, u.permission])).toEqual([
      ['ada', 'member'],
      ['bob', 'member'],
    ]);
  });

  it('a public repository lists everyone only with includePublic', () => {
    const facts = new AccessWorld()
      .user('ada')
      .user('bob')
      .project(P, 'CORE')
      .repository(R, 'site', P, false)
      .facts();
    expect(effectiveResourceAccess(facts, { type: 'repository', id: R }).users).toEqual([]);
    const open = effectiveResourceAccess(facts, { type: 'repository', id: R }, { includePublic: true });
    expect(open.users.map((u) => [u.accountId, u.paths])).toEqual([
      ['ada', [{ via: 'public', permission: 'read' }]],
      ['bob', [{ via: 'public', permission: 'read' }]],
    ]);
  });

  it('throws a typed error for a resource missing from the facts', () => {
    expect(() => effectiveResourceAccess(world().facts(), { type: 'project', id: 'nope' })).toThrow(
      expect.objectContaining({ name: 'ResourceNotInFactsError' }),
    );
  });
});
