import { describe, expect, it } from 'vitest';
import {
  groupMembershipGrant,
  highestProjectPermission,
  highestRepositoryPermission,
  normalizeUuid,
  parseScopeId,
  projectGrant,
  projectToRepositoryPermission,
  repositoryGrant,
  resource,
  scopeId,
  scopeOfItem,
  scopeOwnsItem,
  scopeSelectors,
  validateItem,
  workspaceRoleGrant,
  type GovernanceItem,
  type ScopeRef,
} from '../../../lib/model/index.js';

const UUID = '6f1c0e2a-1b2c-4d3e-8f40-5a6b7c8d9e0f';

describe('ids', () => {
  it('normalizeUuid strips braces and lower-cases', () => {
    expect(normalizeUuid('{6F1C0E2A-1B2C-4D3E-8F40-5A6B7C8D9E0F}')).toBe(UUID);
    expect(normalizeUuid(UUID)).toBe(UUID);
  });

  it('normalizeUuid rejects what is not a uuid, with a typed error', () => {
    expect(() => normalizeUuid('acme')).toThrow(expect.objectContaining({ name: 'InvalidIdentifierError' }));
    expect(() => normalizeUuid('{6f1c0e2a}')).toThrow();
  });
});

describe('entitlements', () => {
  it('orders project permissions read < write < create-repo < admin', () => {
    expect(highestProjectPermission(['write', 'read'])).toBe('write');
    expect(highestProjectPermission(['create-repo', 'write'])).toBe('create-repo');
    expect(highestProjectPermission(['create-repo', 'admin', 'read'])).toBe('admin');
    expect(highestProjectPermission([])).toBeNull();
  });

  it('orders repository permissions read < write < admin', () => {
    expect(highestRepositoryPermission(['read', 'admin', 'write'])).toBe('admin');
    expect(highestRepositoryPermission(['read'])).toBe('read');
    expect(highestRepositoryPermission([])).toBeNull();
  });

  it('create-repo on a project counts as write on its repositories', () => {
    expect(projectToRepositoryPermission('create-repo')).toBe('write');
    expect(projectToRepositoryPermission('admin')).toBe('admin');
    expect(projectToRepositoryPermission('read')).toBe('read');
  });
});

describe('items', () => {
  it('accepts items that fit DESIGN §2', () => {
    expect(() => validateItem(workspaceRoleGrant(UUID, '557058:ada', 'owner'))).not.toThrow();
    expect(() =>
      validateItem(projectGrant(UUID, { type: 'group', id: 'devs' }, 'create-repo')),
    ).not.toThrow();
  });

  it('rejects an entitlement that does not belong to the resource type', () => {
    const wrong = {
      ...repositoryGrant(UUID, { type: 'user', id: 'ada' }, 'read'),
      entitlement: 'create-repo',
    };
    expect(() => validateItem(wrong as GovernanceItem)).toThrow(
      expect.objectContaining({ name: 'InvalidItemError' }),
    );
    const groupAsRole = {
      ...workspaceRoleGrant(UUID, 'x', 'member'),
      principal: { type: 'group', id: 'devs' },
    };
    expect(() => validateItem(groupAsRole as GovernanceItem)).toThrow();
  });

  it('rejects braced or upper-case uuids and ids containing the key separator', () => {
    expect(() =>
      validateItem(resource('project', `{${UUID}}`, { key: 'K', name: 'K', isPrivate: true })),
    ).toThrow();
    expect(() =>
      validateItem(resource('project', UUID.toUpperCase(), { key: 'K', name: 'K', isPrivate: true })),
    ).toThrow();
    expect(() => validateItem(groupMembershipGrant('dev#s', 'ada'))).toThrow(
      expect.objectContaining({ name: 'InvalidIdentifierError' }),
    );
  });
});

describe('scopes', () => {
  const scopes: ScopeRef[] = [
    { kind: 'members' },
    { kind: 'groups' },
    { kind: 'projects' },
    { kind: 'repositories' },
    { kind: 'project-grants', projectId: UUID },
    { kind: 'repository-grants', repositoryId: UUID },
  ];

  it('scopeId and parseScopeId round-trip', () => {
    expect(scopes.map(scopeId)).toEqual([
      'members',
      'groups',
      'projects',
      'repositories',
      `project-grants/${UUID}`,
      `repository-grants/${UUID}`,
    ]);
    for (const scope of scopes) expect(parseScopeId(scopeId(scope))).toEqual(scope);
    expect(() => parseScopeId('project-grants/')).toThrow(
      expect.objectContaining({ name: 'InvalidScopeError' }),
    );
    expect(() => parseScopeId('grants')).toThrow();
  });

  it('each item belongs to exactly one scope, as the brief lists them', () => {
    const user = resource('user', 'ada', {
      uuid: UUID,
      displayName: 'Ada',
      nickname: 'ada',
      accountStatus: 'active',
    });
    const cases: [GovernanceItem, string | null][] = [
      [user, 'members'],
      [workspaceRoleGrant(UUID, 'ada', 'member'), 'members'],
      [resource('group', 'devs', { name: 'Devs', defaultPermission: null, autoAdd: false }), 'groups'],
      [groupMembershipGrant('devs', 'ada'), 'groups'],
      [resource('project', UUID, { key: 'K', name: 'K', isPrivate: true }), 'projects'],
      [
        resource('repository', UUID, {
          slug: 's',
          name: 's',
          fullName: 'a/s',
          projectUuid: UUID,
          isPrivate: true,
        }),
        'repositories',
      ],
      [projectGrant(UUID, { type: 'user', id: 'ada' }, 'read'), `project-grants/${UUID}`],
      [repositoryGrant(UUID, { type: 'group', id: 'devs' }, 'admin'), `repository-grants/${UUID}`],
      [resource('workspace', UUID, { slug: 'acme', name: 'Acme' }), null],
    ];
    for (const [item, expected] of cases) {
      const owner = scopeOfItem(item);
      expect(owner === null ? null : scopeId(owner)).toBe(expected);
      expect(scopes.filter((scope) => scopeOwnsItem(scope, item)).map(scopeId)).toEqual(
        expected ? [expected] : [],
      );
    }
  });

  it('a grant scope selects the grants on its one resource', () => {
    expect(scopeSelectors({ kind: 'project-grants', projectId: UUID })).toEqual([
      { item: 'grant', resourceType: 'project', resourceId: UUID },
    ]);
    expect(scopeSelectors({ kind: 'members' })).toEqual([
      { item: 'resource', resourceType: 'user' },
      { item: 'grant', resourceType: 'workspace' },
    ]);
  });
});
