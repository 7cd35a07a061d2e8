// Randomized cross-check: small generated worlds (fixed seed), the library's answers against a
// brute-force reference written differently (linear scans over the raw grant list, explicit sort).
import { describe, expect, it } from 'vitest';
import { effectiveResourceAccess, effectiveUserAccess, type AccessFacts } from '../../../lib/access/index.js';
import {
  PROJECT_PERMISSIONS,
  REPOSITORY_PERMISSIONS,
  WORKSPACE_ROLES,
  type Grant,
  type RepositoryResource,
  type ProjectResource,
} from '../../../lib/model/index.js';
import { AccessWorld } from './access-world.js';

function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateWorld(random: () => number): AccessWorld {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const world = new AccessWorld();
  const users = Array.from({ length: 2 + Math.floor(random() * 5) }, (_, i) => `u${i}`);
  const groups = Array.from({ length: Math.floor(random() * 4) }, (_, i) => `g${i}`);
  const projects = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => `p${i}`);
  const repositories = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => `r${i}`);
  for (const user of users) world.user(user, random() < 0.2 ? null : pick(WORKSPACE_ROLES));
  for (const group of groups) {
    world.group(
      group,
      users.filter(() => random() < 0.4),
      pick([null, 'read', 'write', 'admin'] as const),
    );
  }
  for (const project of projects) world.project(project, project.toUpperCase());
  for (const repository of repositories)
    world.repository(repository, `repo-${repository}`, pick(projects), random() < 0.7);
  const principals = [...users.map((u) => `user:${u}` as const), ...groups.map((g) => `group:${g}` as const)];
  for (const principal of principals) {
    for (const project of projects)
      if (random() < 0.25) world.onProject(project, principal, pick(PROJECT_PERMISSIONS));
    for (const repository of repositories) {
      if (random() < 0.25) world.onRepository(repository, principal, pick(REPOSITORY_PERMISSIONS));
    }
  }
  for (const user of users) {
    for (const repository of repositories) {
      if (random() < 0.2)
        world.activity.push({
          accountId: user,
          repositoryId: repository,
          lastActivity: `2026-11-0${1 + Math.floor(random() * 9)}T00:00:00Z`,
        });
    }
  }
  return world;
}

// ---- the reference ---------------------------------------------------------------------------

const VIA_ORDER = ['direct', 'group', 'project', 'project-group', 'workspace-owner', 'public'];
const REPO_RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };
const PROJECT_RANK: Record<string, number> = { read: 1, write: 2, 'create-repo': 3, admin: 4 };

type Path = { via: string; permission: string; group?: string; project?: string };

function sortPaths(paths: Path[]): Path[] {
  return paths.sort(
    (a, b) =>
      VIA_ORDER.indexOf(a.via) - VIA_ORDER.indexOf(b.via) ||
      (a.group ?? '').localeCompare(b.group ?? '', 'en'),
  );
}

function referencePaths(
  facts: AccessFacts,
  user: string,
  target: { type: 'project' | 'repository'; id: string },
  includePublic: boolean,
): Path[] {
  const grants: Grant[] = facts.grants;
  const isOwner = grants.some(
    (g) => g.resource.type === 'workspace' && g.principal.id === user && g.entitlement === 'owner',
  );
  const memberOf = (group: string) =>
    grants.some((g) => g.resource.type === 'group' && g.resource.id === group && g.principal.id === user);
  const paths: Path[] = [];
  const projectId =
    target.type === 'project'
      ? target.id
      : (facts.resources.find((r): r is RepositoryResource => r.type === 'repository' && r.id === target.id)
          ?.attributes.projectUuid ?? null);
  const projectKey = facts.resources.find(
    (r): r is ProjectResource => r.type === 'project' && r.id === projectId,
  )?.attributes.key;
  for (const grant of grants) {
    if (grant.resource.type === target.type && grant.resource.id === target.id) {
      if (grant.principal.type === 'user' && grant.principal.id === user)
        paths.push({ via: 'direct', permission: grant.entitlement });
      if (grant.principal.type === 'group' && memberOf(grant.principal.id)) {
        paths.push({ via: 'group', group: grant.principal.id, permission: grant.entitlement });
      }
    }
    if (
      target.type === 'repository' &&
      grant.resource.type === 'project' &&
      grant.resource.id === projectId
    ) {
      const permission = grant.entitlement === 'create-repo' ? 'write' : grant.entitlement;
      if (grant.principal.type === 'user' && grant.principal.id === user)
        paths.push({ via: 'project', project: projectKey, permission });
      if (grant.principal.type === 'group' && memberOf(grant.principal.id)) {
        paths.push({ via: 'project-group', project: projectKey, group: grant.principal.id, permission });
      }
    }
  }
  if (isOwner) paths.push({ via: 'workspace-owner', permission: 'admin' });
  const repository = facts.resources.find((r) => r.type === 'repository' && r.id === target.id) as
    RepositoryResource | undefined;
  if (includePublic && repository && !repository.attributes.isPrivate)
    paths.push({ via: 'public', permission: 'read' });
  return sortPaths(paths);
}

function highest(paths: Path[], rank: Record<string, number>): string {
  return paths.reduce(
    (best, path) => ((rank[path.permission] ?? 0) > (rank[best] ?? 0) ? path.permission : best),
    paths[0]?.permission ?? '',
  );
}

function referenceUserAccess(facts: AccessFacts, user: string, includePublic: boolean) {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const projects = facts.resources
    .filter((r): r is ProjectResource => r.type === 'project')
    .map((p) => ({ p, paths: referencePaths(facts, user, { type: 'project', id: p.id }, includePublic) }))
    .filter((e) => e.paths.length > 0)
    .map(({ p, paths }) => ({
      key: p.attributes.key,
      uuid: p.id,
      permission: highest(paths, PROJECT_RANK),
      paths,
    }))
    .sort((a, b) => byName(a.key, b.key));
  const repositories = facts.resources
    .filter((r): r is RepositoryResource => r.type === 'repository')
    .map((r) => ({ r, paths: referencePaths(facts, user, { type: 'repository', id: r.id }, includePublic) }))
    .filter((e) => e.paths.length > 0)
    .map(({ r, paths }) => ({
      slug: r.attributes.slug,
      uuid: r.id,
      permission: highest(paths, REPO_RANK),
      lastActivity:
        facts.activity.find((a) => a.accountId === user && a.repositoryId === r.id)?.lastActivity ?? null,
      paths,
    }))
    .sort((a, b) => byName(a.slug, b.slug));
  return { projects, repositories };
}

describe('effective access matches a brute-force reference on generated worlds', () => {
  it('for 300 worlds (seed 20261128), every user, with and without public repositories', () => {
    const random = seededRandom(20261128);
    let compared = 0;
    for (let round = 0; round < 300; round += 1) {
      const facts = generateWorld(random).facts();
      const users = facts.resources.filter((r) => r.type === 'user').map((r) => r.id);
      for (const includePublic of [false, true]) {
        for (const user of users) {
          const answer = effectiveUserAccess(facts, user, { includePublic });
          const expected = referenceUserAccess(facts, user, includePublic);
          expect({ projects: answer?.projects, repositories: answer?.repositories }).toEqual(expected);
          compared += 1;
        }
        // Resource answers agree with the user answers of everyone in the facts.
        for (const repository of facts.resources.filter((r) => r.type === 'repository')) {
          const resourceAnswer = effectiveResourceAccess(
            facts,
            { type: 'repository', id: repository.id },
            { includePublic },
          );
          const expectedUsers = users
            .map((user) => ({
              user,
              paths: referencePaths(facts, user, { type: 'repository', id: repository.id }, includePublic),
            }))
            .filter((e) => e.paths.length > 0)
            .map((e) => [e.user, highest(e.paths, REPO_RANK), e.paths]);
          expect(resourceAnswer.users.map((u) => [u.accountId, u.permission, u.paths])).toEqual(
            expectedUsers,
          );
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
