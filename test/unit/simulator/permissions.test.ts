// Effective repository permission: the highest over direct, group, project, project-group and owner paths.
import { describe, expect, it } from 'vitest';
import { loadSeed } from '../../../lib/simulator/index.js';
import {
  effectiveRepositoryPermission,
  repositoryPermissionList,
} from '../../../lib/simulator/permissions.js';
import { SimulatorState } from '../../../lib/simulator/state.js';

const state = new SimulatorState(loadSeed('demo'));
const ws = state.workspaces.get('acme')!;
const repo = (slug: string) => ws.repositories.get(slug)!;
const perm = (slug: string, nickname: string) =>
  effectiveRepositoryPermission(ws, repo(slug), `557058:${nickname}`);

describe('effective repository permission', () => {
  it('owners are admin everywhere', () => {
    for (const r of ws.repositories.values())
      expect(effectiveRepositoryPermission(ws, r, '557058:ada')).toBe('admin');
  });
  it('direct grants count', () => expect(perm('api', 'dennis')).toBe('admin'));
  it('repository group grants count', () => expect(perm('api', 'frances')).toBe('read'));
  it('project create-repo counts as write', () => expect(perm('secrets-rotation', 'radia')).toBe('write'));
  it('project user grants count and the highest path wins', () =>
    expect(perm('billing', 'margaret')).toBe('admin'));
  it('project group grants count', () => expect(perm('design-system', 'alan')).toBe('write'));
  it('no path, no permission; a public repository adds none', () => {
    expect(perm('secrets-rotation', 'frances')).toBeUndefined();
    expect(perm('website', 'edsger')).toBe('read');
    expect(perm('website', 'radia')).toBeUndefined();
  });
  it('the per-repository list agrees with the per-user answer', () => {
    for (const r of ws.repositories.values()) {
      const listed = new Map(repositoryPermissionList(ws, r));
      for (const accountId of state.users.keys())
        expect(listed.get(accountId)).toBe(effectiveRepositoryPermission(ws, r, accountId));
    }
  });
});
