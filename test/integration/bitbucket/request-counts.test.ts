// Exact request counts for reading a whole seeded workspace: pagelen=100, no per-user lookups.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBitbucketClient, RequestBudget, type BitbucketClient } from '../../../lib/bitbucket/index.js';
import type { Credential } from '../../../lib/config/schemas.js';
import { startSimulator, type RunningSimulator } from '../../../lib/simulator/index.js';
import { fixedCredential } from '../../unit/bitbucket/support/credentials.js';
import { countFor, requestCounts, resetSimulator, simulatorState } from './simulator-control.js';

interface SeedWorkspace {
  slug: string;
  members: unknown[];
  groups: Array<{ members: unknown[] }>;
  projects: Array<{ key: string; userGrants: unknown[]; groupGrants: unknown[] }>;
  repositories: Array<{
    slug: string;
    userGrants: unknown[];
    groupGrants: { group: string; permission: string }[];
  }>;
}

const USERS = 250;
const REPOS = 230;
const pages = (items: number) => Math.max(1, Math.ceil(items / 100));

let simulator: RunningSimulator;
let workspace: SeedWorkspace;
let client: BitbucketClient;
beforeAll(async () => {
  simulator = await startSimulator({
    seed: `generated:users=${USERS},groups=6,projects=4,repos=${REPOS},seed=11`,
    hourlyRequestLimit: 100_000,
  });
  const state = await simulatorState<{ workspaces: SeedWorkspace[] }>(simulator.url);
  workspace = state.workspaces[0]!;
  const admin: Credential = { auth: 'api-token', email: 'admin@example.com', apiToken: 'generated-token' };
  client = createBitbucketClient({
    apiUrl: simulator.url,
    oauthUrl: simulator.url,
    credentials: fixedCredential(admin),
  });
});
afterAll(() => simulator.stop());
beforeEach(() => resetSimulator(simulator.url));

describe('request counts for a generated workspace', () => {
  it(`lists ${USERS} members in ceil(${USERS}/100) = 3 requests`, async () => {
    const members = await client.listWorkspaceMembers(workspace.slug);
    expect(members).toHaveLength(USERS);
    expect(new Set(members.map((member) => member.user.account_id)).size).toBe(USERS);
    expect((await requestCounts(simulator.url)).total).toBe(3);
  });

  it('lists every group with its members in one request', async () => {
    const groups = await client.listGroups(workspace.slug);
    expect(groups).toHaveLength(workspace.groups.length);
    expect(groups.map((group) => group.members.length)).toEqual(
      workspace.groups.map((group) => group.members.length),
    );
    expect((await requestCounts(simulator.url)).total).toBe(1);
  });

  it('lists every repository group grant of the workspace in one 1.0 group-privileges request', async () => {
    const privileges = await client.listGroupPrivileges(workspace.slug);
    expect((await requestCounts(simulator.url)).total).toBe(1);
    const expected = workspace.repositories.flatMap((repository) =>
      repository.groupGrants.map(
        (grant) => `${workspace.slug}/${repository.slug} ${grant.group} ${grant.permission}`,
      ),
    );
    expect(privileges.map((entry) => `${entry.repo} ${entry.group.slug} ${entry.privilege}`).sort()).toEqual(
      expected.sort(),
    );
    expect(expected.length).toBeGreaterThan(REPOS);
  });

  it(`lists projects in one request and ${REPOS} repositories in 3`, async () => {
    expect(await client.listProjects(workspace.slug)).toHaveLength(workspace.projects.length);
    expect(await client.listRepositories(workspace.slug)).toHaveLength(REPOS);
    expect(await countFor(simulator.url, 'GET /2.0/workspaces/{workspace}/projects')).toBe(1);
    expect(await countFor(simulator.url, 'GET /2.0/repositories/{workspace}')).toBe(3);
  });

  it('reads every grant scope with one request per 100 grants and nothing else', async () => {
    const budget = new RequestBudget(10_000);
    let expected = 0;
    for (const project of workspace.projects) {
      const users = await client.listProjectUserGrants(workspace.slug, project.key, { budget });
      const groups = await client.listProjectGroupGrants(workspace.slug, project.key, { budget });
      expect([users.length, groups.length]).toEqual([project.userGrants.length, project.groupGrants.length]);
      expected += pages(users.length) + pages(groups.length);
    }
    await Promise.all(
      workspace.repositories.map(async (repository) => {
        const users = await client.listRepositoryUserGrants(workspace.slug, repository.slug, { budget });
        const groups = await client.listRepositoryGroupGrants(workspace.slug, repository.slug, { budget });
        expect([users.length, groups.length]).toEqual([
          repository.userGrants.length,
          repository.groupGrants.length,
        ]);
        expected += pages(users.length) + pages(groups.length);
      }),
    );
    expect(expected).toBeGreaterThanOrEqual(2 * workspace.projects.length + 2 * REPOS);
    const counts = await requestCounts(simulator.url);
    expect(counts.total).toBe(expected);
    expect(budget.spent).toBe(expected);
    expect(counts.byRoute.every((entry) => entry.route.includes('/permissions-config/'))).toBe(true);
  });

  it('reads the effective permission matrix in one request per 100 cells', async () => {
    const cells = await client.listRepositoryPermissionMatrix(workspace.slug);
    expect(cells.length).toBeGreaterThan(0);
    expect((await requestCounts(simulator.url)).total).toBe(pages(cells.length));
  });

  it('reads a whole workspace (members, groups, projects, repositories, every grant) in the minimum', async () => {
    const budget = new RequestBudget(10_000);
    const call = { budget };
    const [members, groups, projects, repositories] = await Promise.all([
      client.listWorkspaceMembers(workspace.slug, call),
      client.listGroups(workspace.slug, call),
      client.listProjects(workspace.slug, call),
      client.listRepositories(workspace.slug, {}, call),
    ]);
    let grantPages = 0;
    for (const project of projects) {
      grantPages += pages((await client.listProjectUserGrants(workspace.slug, project.key, call)).length);
      grantPages += pages((await client.listProjectGroupGrants(workspace.slug, project.key, call)).length);
    }
    for (const repository of repositories) {
      grantPages += pages(
        (await client.listRepositoryUserGrants(workspace.slug, repository.slug, call)).length,
      );
      grantPages += pages(
        (await client.listRepositoryGroupGrants(workspace.slug, repository.slug, call)).length,
      );
    }
    const listings = pages(members.length) + 1 + pages(projects.length) + pages(repositories.length);
    expect(listings).toBe(3 + 1 + 1 + 3);
    expect(groups).toHaveLength(workspace.groups.length);
    expect((await requestCounts(simulator.url)).total).toBe(listings + grantPages);
    expect(budget.spent).toBe(listings + grantPages);
  });
});

describe('probeCapabilities', () => {
  it('answers from seven small reads for an admin API token', async () => {
    const report = await client.probeCapabilities(workspace.slug);
    expect(report).toMatchObject({
      credentialKind: 'api-token',
      readMembers: { answer: 'yes' },
      readGroups: { answer: 'yes' },
      readPermissions: { answer: 'yes' },
      readProjectPermissions: { answer: 'yes' },
      readRepositoryPermissions: { answer: 'yes' },
      writePermissions: { answer: 'unknown' },
      writeGroupMembership: { answer: 'unknown' },
      manageHooks: { answer: 'unknown' },
      requestsUsed: 7,
    });
    expect((await requestCounts(simulator.url)).total).toBe(7);
  });

  it('rules out permission reads and writes for an access token without asking', async () => {
    const accessToken = createBitbucketClient({
      apiUrl: simulator.url,
      oauthUrl: simulator.url,
      credentials: fixedCredential({ auth: 'access-token', token: 'generated-access-token' }),
    });
    const report = await accessToken.probeCapabilities(workspace.slug);
    expect(report.readPermissions.answer).toBe('no');
    expect(report.writePermissions.answer).toBe('no');
    expect(report.requestsUsed).toBe(3);
    expect((await requestCounts(simulator.url)).total).toBe(3);
  });

  it('counts the OAuth token fetch and rules out permission writes', async () => {
    const oauth = createBitbucketClient({
      apiUrl: simulator.url,
      oauthUrl: simulator.url,
      credentials: fixedCredential({
        auth: 'oauth-client-credentials',
        clientId: 'generated-client',
        clientSecret: 'generated-secret',
      }),
    });
    const report = await oauth.probeCapabilities(workspace.slug);
    expect(report.writePermissions.answer).toBe('no');
    expect(report.requestsUsed).toBe(8);
    expect((await requestCounts(simulator.url)).total).toBe(8);
  });
});
