// Why a user is a member or owner in a workspace administered in admin.atlassian.com: rolePaths on the
// user, and owner paths naming the organization group with the `admin` role (CONTRACTS.md, issue 18).
import { describe, expect, it } from 'vitest';
import { effectiveResourceAccess, effectiveUserAccess } from '../../../lib/access/index.js';
import { orgGroupMembershipGrant, resource } from '../../../lib/model/index.js';
import { AccessWorld } from './access-world.js';

const P = 'p0000000-0000-4000-8000-000000000001';
const R = 'r0000000-0000-4000-8000-000000000001';

/** An organization group with a role on the workspace, and its members. */
function orgGroup(
  world: AccessWorld,
  id: string,
  name: string,
  slug: string | null,
  workspaceRole: 'member' | 'admin',
  members: string[],
): AccessWorld {
  world.resources.push(
    resource('org-group', id, { name, slug, directoryId: 'dir-1', idpManaged: false, workspaceRole }),
  );
  for (const member of members) world.grants.push(orgGroupMembershipGrant(id, member));
  return world;
}

/** Project CORE with repository `api`; ada an owner, bob a member, carol a member with a grant. */
function base(): AccessWorld {
  return new AccessWorld()
    .user('ada', 'owner')
    .user('bob', 'member')
    .user('carol', 'member')
    .project(P, 'CORE')
    .repository(R, 'api', P)
    .group('developers', ['bob', 'carol'])
    .onRepository(R, 'group:developers', 'write');
}

/** The organization-administered picture: bb-admins (admin), developers (member), Contractors (no slug). */
function organizationAdministered(): AccessWorld {
  const world = base();
  orgGroup(world, 'g-admins', 'bb-admins', 'bb-admins', 'admin', ['ada']);
  orgGroup(world, 'g-devs', 'Developers', 'developers', 'member', ['ada', 'bob', 'carol']);
  orgGroup(world, 'g-contractors', 'Contractors', null, 'member', ['carol']);
  return world;
}

describe('rolePaths on the user answer', () => {
  it('one per organization group with a role, named by slug or else name, sorted by group', () => {
    const access = effectiveUserAccess(organizationAdministered().facts(), 'ada');
    expect(access?.user).toEqual({
      accountId: 'ada',
      displayName: 'Name ada',
      role: 'owner',
      rolePaths: [
        { via: 'org-group', group: 'bb-admins', permission: 'admin' },
        { via: 'org-group', group: 'developers', permission: 'member' },
      ],
    });
    expect(effectiveUserAccess(organizationAdministered().facts(), 'carol')?.user.rolePaths).toEqual([
      { via: 'org-group', group: 'Contractors', permission: 'member' },
      { via: 'org-group', group: 'developers', permission: 'member' },
    ]);
  });

  it('is absent when no organization group explains the role: the answer is byte-identical to before', () => {
    const access = effectiveUserAccess(base().facts(), 'ada');
    expect(Object.keys(access?.user ?? {})).toEqual(['accountId', 'displayName', 'role']);
    expect(JSON.stringify(access?.repositories[0]?.paths)).toBe(
      '[{"via":"workspace-owner","permission":"admin"}]',
    );
  });

  it('ignores a membership of an organization group that is not stored (its role is unknown)', () => {
    const world = base();
    world.grants.push(orgGroupMembershipGrant('g-gone', 'bob'));
    expect(effectiveUserAccess(world.facts(), 'bob')?.user).not.toHaveProperty('rolePaths');
  });
});

describe('owner paths name the admin organization group', () => {
  it('on projects and repositories, with the key order of the contract', () => {
    const access = effectiveUserAccess(organizationAdministered().facts(), 'ada');
    const owner = { via: 'workspace-owner', permission: 'admin', group: 'bb-admins' };
    expect(access?.projects[0]?.paths).toEqual([owner]);
    expect(access?.repositories[0]?.paths).toEqual([owner]);
    expect(JSON.stringify(access?.repositories[0]?.paths)).toBe(
      '[{"via":"workspace-owner","permission":"admin","group":"bb-admins"}]',
    );
  });

  it('one path per admin group the owner is in, sorted, after every other path', () => {
    const world = organizationAdministered().onRepository(R, 'user:ada', 'read');
    orgGroup(world, 'g-root', 'Atlassian admins', 'atlassian-admins', 'admin', ['ada']);
    expect(effectiveUserAccess(world.facts(), 'ada')?.repositories[0]?.paths).toEqual([
      { via: 'direct', permission: 'read' },
      { via: 'workspace-owner', permission: 'admin', group: 'atlassian-admins' },
      { via: 'workspace-owner', permission: 'admin', group: 'bb-admins' },
    ]);
  });

  it('an owner no admin group explains keeps the path without group; member groups do not explain it', () => {
    const world = base();
    orgGroup(world, 'g-devs', 'Developers', 'developers', 'member', ['ada']);
    const access = effectiveUserAccess(world.facts(), 'ada');
    expect(access?.projects[0]?.paths).toEqual([{ via: 'workspace-owner', permission: 'admin' }]);
    expect(access?.user.rolePaths).toEqual([{ via: 'org-group', group: 'developers', permission: 'member' }]);
  });

  it('an admin group gives no owner path to a user Bitbucket does not list as owner', () => {
    const world = base();
    orgGroup(world, 'g-admins', 'bb-admins', 'bb-admins', 'admin', ['bob']);
    const access = effectiveUserAccess(world.facts(), 'bob');
    expect(access?.user).toMatchObject({
      role: 'member',
      rolePaths: [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }],
    });
    expect(access?.repositories[0]?.paths).toEqual([
      { via: 'group', group: 'developers', permission: 'write' },
    ]);
  });
});

describe('who can reach: the same paths per user', () => {
  it('a repository: owner paths with group, and each user’s rolePaths', () => {
    const answer = effectiveResourceAccess(organizationAdministered().facts(), { type: 'repository', id: R });
    expect(answer.users).toEqual([
      {
        accountId: 'ada',
        displayName: 'Name ada',
        role: 'owner',
        rolePaths: [
          { via: 'org-group', group: 'bb-admins', permission: 'admin' },
          { via: 'org-group', group: 'developers', permission: 'member' },
        ],
        permission: 'admin',
        paths: [{ via: 'workspace-owner', permission: 'admin', group: 'bb-admins' }],
        lastActivity: null,
      },
      {
        accountId: 'bob',
        displayName: 'Name bob',
        role: 'member',
        rolePaths: [{ via: 'org-group', group: 'developers', permission: 'member' }],
        permission: 'write',
        paths: [{ via: 'group', group: 'developers', permission: 'write' }],
        lastActivity: null,
      },
      {
        accountId: 'carol',
        displayName: 'Name carol',
        role: 'member',
        rolePaths: [
          { via: 'org-group', group: 'Contractors', permission: 'member' },
          { via: 'org-group', group: 'developers', permission: 'member' },
        ],
        permission: 'write',
        paths: [{ via: 'group', group: 'developers', permission: 'write' }],
        lastActivity: null,
      },
    ]);
  });

  it('a project and a group carry them too; a Bitbucket-administered answer has no rolePaths', () => {
    const project = effectiveResourceAccess(organizationAdministered().facts(), { type: 'project', id: P });
    expect(project.users).toEqual([
      expect.objectContaining({
        accountId: 'ada',
        paths: [{ via: 'workspace-owner', permission: 'admin', group: 'bb-admins' }],
      }),
    ]);
    const group = effectiveResourceAccess(organizationAdministered().facts(), {
      type: 'group',
      id: 'developers',
    });
    expect(group.users.map((user) => [user.accountId, user.rolePaths?.map((path) => path.group)])).toEqual([
      ['bob', ['developers']],
      ['carol', ['Contractors', 'developers']],
    ]);
    const plain = effectiveResourceAccess(base().facts(), { type: 'repository', id: R });
    for (const user of plain.users) expect(user).not.toHaveProperty('rolePaths');
  });
});
