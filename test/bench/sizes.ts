// The generated workspaces of issue 11 and the request counts we compare a measured pass against.
import type { SeedDocument } from '../../lib/simulator/index.js';

export interface WorkspaceSize {
  name: 'S' | 'M' | 'L';
  users: number;
  groups: number;
  projects: number;
  repositories: number;
}

export const SIZES: Record<WorkspaceSize['name'], WorkspaceSize> = {
  S: { name: 'S', users: 50, groups: 5, projects: 5, repositories: 50 },
  M: { name: 'M', users: 1_000, groups: 40, projects: 50, repositories: 2_000 },
  L: { name: 'L', users: 10_000, groups: 200, projects: 200, repositories: 10_000 },
};

export function seedOf(size: WorkspaceSize, seed = 11): string {
  return `generated:users=${size.users},groups=${size.groups},projects=${size.projects},repos=${size.repositories},seed=${seed}`;
}

/**
 * The peer connector's pattern on the same workspace: one status call per member, 50-item pages, three
 * calls per project and two per repository, plus six fixed calls (issue 11's formula).
 */
export function peerRequests(workspace: SeedDocument['workspaces'][number]): number {
  const users = workspace.members.length;
  const projects = workspace.projects.length;
  const repositories = workspace.repositories.length;
  return users + 2 * repositories + 3 * projects + Math.ceil(users / 50) + Math.ceil(projects / 50) + 6;
}

/** Project and repository permission grants of a workspace (group memberships not included). */
export function permissionGrantCount(workspace: SeedDocument['workspaces'][number]): number {
  const count = (entries: { userGrants: unknown[]; groupGrants: unknown[] }[]) =>
    entries.reduce((sum, entry) => sum + entry.userGrants.length + entry.groupGrants.length, 0);
  return count(workspace.projects) + count(workspace.repositories);
}
