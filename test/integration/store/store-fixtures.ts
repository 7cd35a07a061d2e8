// Items for the store tests, built with the model's constructors.
import {
  groupMembershipGrant,
  projectGrant,
  repositoryGrant,
  resource,
  workspaceRoleGrant,
  type WorkspaceRole,
} from '../../../lib/model/index.js';

export const ORIGIN = { cause: 'sync', actor: 'sync' } as const;

export const T1 = '2026-11-28T10:00:00.000Z';
export const T2 = '2026-11-28T11:00:00.000Z';
export const T3 = '2026-11-28T12:00:00.000Z';

/** Deterministic uuid from a number, per kind (workspace, project, repository). */
export function uuidOf(kind: 'w' | 'p' | 'r', n: number): string {
  const prefix = { w: '0a0a0a0a', p: '0b0b0b0b', r: '0c0c0c0c' }[kind];
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function user(accountId: string, displayName = `Name ${accountId}`) {
  return resource('user', accountId, {
    uuid: `6f1c0e2a-1b2c-4d3e-8f40-${accountId
      .replace(/[^0-9a-f]/g, '')
      .padStart(12, '0')
      .slice(-12)}`,
    displayName,
    nickname: accountId,
    accountStatus: 'active',
  });
}

export function role(ws: string, accountId: string, value: WorkspaceRole) {
  return workspaceRoleGrant(ws, accountId, value);
}

export function group(slug: string, defaultPermission: 'read' | 'write' | 'admin' | null = null) {
  return resource('group', slug, { name: `Group ${slug}`, defaultPermission, autoAdd: false });
}

export const member = groupMembershipGrant;

export function project(n: number, key: string) {
  return resource('project', uuidOf('p', n), { key, name: key, isPrivate: true });
}

export function repository(n: number, slug: string, projectN: number, isPrivate = true) {
  return resource('repository', uuidOf('r', n), {
    slug,
    name: slug,
    fullName: `acme/${slug}`,
    projectUuid: uuidOf('p', projectN),
    isPrivate,
  });
}

export { projectGrant, repositoryGrant };
