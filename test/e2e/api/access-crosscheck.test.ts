// Effective access through the API compared with an answer computed here, independently, from the
// simulator's ground truth (GET /_simulator/state), on a workspace of 220 users, 20 groups, 20 projects
// and 300 repositories. The reference below walks the seed document directly: no store, no lib/access.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeUuid } from '../../../lib/model/index.js';
import type { SeedDocument } from '../../../lib/simulator/index.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';

const SEED = 'generated:users=220,groups=20,projects=20,repos=300,seed=42';

type SeedWorkspace = SeedDocument['workspaces'][number];
type Path = { via: string; permission: string; group?: string; project?: string };

const PROJECT_LADDER = ['read', 'write', 'create-repo', 'admin'];
const REPO_LADDER = ['read', 'write', 'admin'];
const VIA_ORDER = ['direct', 'group', 'project', 'project-group', 'workspace-owner', 'public'];
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Paths in the answer's documented order: by kind, then by group name. */
function ordered(paths: Path[]): Path[] {
  return [...paths].sort(
    (a, b) =>
      VIA_ORDER.indexOf(a.via) - VIA_ORDER.indexOf(b.via) || byCodeUnits(a.group ?? '', b.group ?? ''),
  );
}

function best(paths: Path[], ladder: string[]): string {
  return paths.map((p) => p.permission).reduce((a, b) => (ladder.indexOf(b) > ladder.indexOf(a) ? b : a));
}

const asRepoPermission = (permission: string) => (permission === 'create-repo' ? 'write' : permission);

class Reference {
  constructor(private readonly ws: SeedWorkspace) {}

  groupsOf(accountId: string): Set<string> {
    return new Set(this.ws.groups.filter((g) => g.members.includes(accountId)).map((g) => g.slug));
  }

  role(accountId: string) {
    return this.ws.members.find((m) => m.accountId === accountId)?.role ?? null;
  }

  projectPaths(accountId: string, project: SeedWorkspace['projects'][number]): Path[] {
    const groups = this.groupsOf(accountId);
    const paths: Path[] = [];
    for (const grant of project.userGrants) {
      if (grant.accountId === accountId) paths.push({ via: 'direct', permission: grant.permission });
    }
    for (const grant of project.groupGrants) {
      if (groups.has(grant.group))
        paths.push({ via: 'group', group: grant.group, permission: grant.permission });
    }
    if (this.role(accountId) === 'owner') paths.push({ via: 'workspace-owner', permission: 'admin' });
    return ordered(paths);
  }

  repositoryPaths(
    accountId: string,
    repository: SeedWorkspace['repositories'][number],
    includePublic: boolean,
  ) {
    const groups = this.groupsOf(accountId);
    const project = this.ws.projects.find((p) => p.key === repository.project);
    const paths: Path[] = [];
    for (const grant of repository.userGrants) {
      if (grant.accountId === accountId) paths.push({ via: 'direct', permission: grant.permission });
    }
    for (const grant of repository.groupGrants) {
      if (groups.has(grant.group))
        paths.push({ via: 'group', group: grant.group, permission: grant.permission });
    }
    for (const grant of project?.userGrants ?? []) {
      if (grant.accountId === accountId) {
        paths.push({ via: 'project', project: project!.key, permission: asRepoPermission(grant.permission) });
      }
    }
    for (const grant of project?.groupGrants ?? []) {
      if (groups.has(grant.group)) {
        paths.push({
          via: 'project-group',
          project: project!.key,
          group: grant.group,
          permission: asRepoPermission(grant.permission),
        });
      }
    }
    if (this.role(accountId) === 'owner') paths.push({ via: 'workspace-owner', permission: 'admin' });
    if (includePublic && !repository.isPrivate) paths.push({ via: 'public', permission: 'read' });
    return ordered(paths);
  }

  userAnswer(seed: SeedDocument, accountId: string, includePublic = false) {
    const user = seed.users.find((u) => u.accountId === accountId)!;
    const projects = this.ws.projects
      .map((project) => ({ project, paths: this.projectPaths(accountId, project) }))
      .filter(({ paths }) => paths.length > 0)
      .map(({ project, paths }) => ({
        key: project.key,
        uuid: normalizeUuid(project.uuid),
        permission: best(paths, PROJECT_LADDER),
        paths,
      }))
      .sort((a, b) => byCodeUnits(a.key, b.key));
    const repositories = this.ws.repositories
      .map((repository) => ({
        repository,
        paths: this.repositoryPaths(accountId, repository, includePublic),
      }))
      .filter(({ paths }) => paths.length > 0)
      .map(({ repository, paths }) => ({
        slug: repository.slug,
        uuid: normalizeUuid(repository.uuid),
        permission: best(paths, REPO_LADDER),
        lastActivity: null,
        paths,
      }))
      .sort((a, b) => byCodeUnits(a.slug, b.slug));
    return {
      workspace: this.ws.slug,
      user: { accountId, displayName: user.displayName, role: this.role(accountId) },
      groups: [...this.groupsOf(accountId)].sort(byCodeUnits),
      projects,
      repositories,
    };
  }
}

let fixture: ApiFixture;
let reference: Reference;

beforeAll(async () => {
  fixture = await startApiFixture(SEED);
  reference = new Reference(fixture.seed.workspaces[0]!);
});
afterAll(async () => {
  await fixture?.close();
});

/** ~30 users: every owner, users in no group, users holding direct grants, and an even spread of the rest. */
function sampleUsers(ws: SeedWorkspace): string[] {
  const inGroup = new Set(ws.groups.flatMap((g) => g.members));
  const direct = new Set(ws.repositories.flatMap((r) => r.userGrants.map((g) => g.accountId)));
  const picked = new Set<string>();
  for (const m of ws.members.filter((m) => m.role === 'owner').slice(0, 3)) picked.add(m.accountId);
  for (const m of ws.members.filter((m) => !inGroup.has(m.accountId)).slice(0, 6)) picked.add(m.accountId);
  for (const m of ws.members.filter((m) => direct.has(m.accountId)).slice(0, 6)) picked.add(m.accountId);
  const step = Math.max(1, Math.floor(ws.members.length / 30));
  for (let i = 0; picked.size < 30 && i < ws.members.length; i += step) picked.add(ws.members[i]!.accountId);
  return [...picked];
}

describe('effective access against the ground truth', () => {
  it('the workspace is as large as the issue asks', () => {
    const ws = fixture.seed.workspaces[0]!;
    expect(ws.members.length).toBeGreaterThanOrEqual(200);
    expect(ws.groups.length).toBeGreaterThanOrEqual(20);
    expect(ws.projects.length).toBeGreaterThanOrEqual(20);
    expect(ws.repositories.length).toBeGreaterThanOrEqual(300);
  });

  it('answers exactly the reference for ~30 users, owners and users in no group included', async () => {
    const ws = fixture.seed.workspaces[0]!;
    const sample = sampleUsers(ws);
    const inGroup = new Set(ws.groups.flatMap((g) => g.members));
    expect(sample.length).toBeGreaterThanOrEqual(25);
    expect(sample.some((id) => reference.role(id) === 'owner')).toBe(true);
    expect(sample.some((id) => !inGroup.has(id))).toBe(true);
    for (const accountId of sample) {
      const answer = await fixture.call(
        'GET',
        `/v1/workspaces/${ws.slug}/users/${encodeURIComponent(accountId)}/access`,
      );
      expect(answer.status).toBe(200);
      // Every listing was read: the answer says its picture is complete.
      const { coverage, ...access } = answer.body;
      expect(coverage).toEqual({ complete: true, capabilityGaps: [] });
      expect(access, accountId).toEqual(reference.userAnswer(fixture.seed, accountId));
    }
    const publicAnswer = await fixture.call(
      'GET',
      `/v1/workspaces/${ws.slug}/users/${sample[5]}/access?includePublic=true`,
    );
    const { coverage: _coverage, ...publicAccess } = publicAnswer.body;
    expect(publicAccess).toEqual(reference.userAnswer(fixture.seed, sample[5]!, true));
  });

  it('answers who can reach a few projects, repositories and groups exactly as the reference', async () => {
    const ws = fixture.seed.workspaces[0]!;
    const accounts = ws.members.map((m) => m.accountId).sort(byCodeUnits);
    for (const project of [ws.projects[0]!, ws.projects[7]!, ws.projects[19]!]) {
      const answer = await fixture.call('GET', `/v1/workspaces/${ws.slug}/projects/${project.key}/access`);
      const expected = accounts
        .map((accountId) => ({ accountId, paths: reference.projectPaths(accountId, project) }))
        .filter(({ paths }) => paths.length > 0)
        .map(({ accountId, paths }) => ({ accountId, permission: best(paths, PROJECT_LADDER), paths }));
      const actual = answer.body.users.map(
        ({ accountId, permission, paths }: Path & { accountId: string; paths: Path[] }) => ({
          accountId,
          permission,
          paths,
        }),
      );
      expect(actual, project.key).toEqual(expected);
    }
    for (const repository of [ws.repositories[0]!, ws.repositories[150]!, ws.repositories[299]!]) {
      const answer = await fixture.call(
        'GET',
        `/v1/workspaces/${ws.slug}/repositories/${repository.slug}/access`,
      );
      const expected = accounts
        .map((accountId) => ({ accountId, paths: reference.repositoryPaths(accountId, repository, false) }))
        .filter(({ paths }) => paths.length > 0)
        .map(({ accountId, paths }) => ({ accountId, permission: best(paths, REPO_LADDER), paths }));
      const actual = answer.body.users.map(
        ({ accountId, permission, paths }: Path & { accountId: string; paths: Path[] }) => ({
          accountId,
          permission,
          paths,
        }),
      );
      expect(actual, repository.slug).toEqual(expected);
    }
    for (const group of [ws.groups[0]!, ws.groups[19]!]) {
      const answer = await fixture.call('GET', `/v1/workspaces/${ws.slug}/groups/${group.slug}/access`);
      expect(answer.body.users.map((u: { accountId: string }) => u.accountId)).toEqual(
        [...group.members].sort(byCodeUnits),
      );
    }
  });
});
