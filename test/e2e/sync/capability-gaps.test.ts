// Capability gaps end to end: a credential refused one listing keeps syncing the rest of the workspace,
// reports the gap (sync status, pass, export manifest), and does not pay for the refusal every step.
// The simulator over HTTP, the real client and sync, DynamoDB Local.
import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketClient } from '../../../lib/bitbucket/index.js';
import { generateSeed, type SeedDocument } from '../../../lib/simulator/index.js';
import { runSyncStep, runUntilPassComplete } from '../../../lib/sync/index.js';
import {
  expectedPicture,
  startHarness,
  workspaceRefOf,
  type Harness,
} from '../../support/governance-harness.js';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ALL_READ_AND_ADMIN_SCOPES = [
  'read:workspace:bitbucket',
  'read:user:bitbucket',
  'read:project:bitbucket',
  'read:repository:bitbucket',
  'admin:workspace:bitbucket',
  'admin:project:bitbucket',
  'admin:repository:bitbucket',
  'read:webhook:bitbucket',
];

/** A generated workspace whose owner also holds an API token with `scopes` only. */
function seedWithToken(scopes: string[]): SeedDocument {
  const seed = generateSeed({ users: 40, groups: 4, projects: 3, repos: 12, seed: 11 });
  const owner = seed.workspaces[0]!.members.find((member) => member.role === 'owner')!;
  seed.credentials.push({
    kind: 'api-token',
    email: 'limited@example.com',
    token: 'limited-token',
    accountId: owner.accountId,
    scopes,
  });
  return seed;
}

const limitedCredential = {
  auth: 'api-token' as const,
  email: 'limited@example.com',
  apiToken: 'limited-token',
};

/** Every scope due at every step, as if each interval had passed. */
const alwaysDue = { membershipIntervalMs: 0, listingIntervalMs: 0, grantIntervalMs: 0 };

/** Requests the simulator received whose route starts with `prefix` (e.g. `GET /2.0/workspaces/{workspace}/projects`). */
async function requestsTo(target: Harness, route: string): Promise<number> {
  const log = await target.control<{ byRoute: { route: string; count: number }[] }>(
    'GET',
    '/_simulator/requests',
  );
  return log.byRoute.filter((entry) => entry.route === route).reduce((sum, entry) => sum + entry.count, 0);
}

describe('capability gaps are per scope', () => {
  it('a token without read:project:bitbucket syncs members, groups, repositories and their grants, and reports the gap', async () => {
    const scopes = ALL_READ_AND_ADMIN_SCOPES.filter((scope) => scope !== 'read:project:bitbucket');
    const seed = seedWithToken(scopes);
    harness = await startHarness({ seed, credential: limitedCredential, settings: alwaysDue });
    const workspace = workspaceRefOf(seed);

    const result = await runUntilPassComplete(harness.dependencies, workspace);

    // Before: the 401 on the project listing ended every step as credential-rejected, and nothing after
    // projects (repositories, grants) was ever read.
    expect(result.completed).toBe(true);
    expect(result.capabilityGaps).toEqual([
      expect.objectContaining({
        kind: 'projects',
        scopes: 1,
        endpoint: 'GET /2.0/workspaces/{workspace}/projects',
        likelyMissing: expect.arrayContaining(['read:project:bitbucket']) as string[],
      }),
    ]);
    const withoutProjects = expectedPicture(seed, workspace.slug).filter(
      (line) => !line.startsWith('resource/project/') && !line.startsWith('grant/project/'),
    );
    expect(await harness.storedPicture(workspace.id)).toEqual(withoutProjects);

    const status = await harness.syncState.getStatus(workspace.id);
    expect(status?.lastCompletedPass?.capabilityGaps).toEqual([
      expect.objectContaining({ kind: 'projects' }),
    ]);
    expect(status?.capabilityGaps).toEqual([expect.objectContaining({ kind: 'projects' })]);
    expect(status?.lastError).toBeUndefined();

    // doctor's probe agrees with the sync: project permissions refused, repository permissions readable.
    const probe = await harness.client.probeCapabilities(workspace.slug);
    expect(probe.readProjectPermissions.answer).toBe('no');
    expect(probe.readRepositoryPermissions.answer).toBe('yes');
    expect(probe.readPermissions.answer).toBe('yes');
    expect(probe.writePermissions.answer).toBe('unknown');

    // The gap is retried on its slow interval, not at every step, although every other scope is due.
    const projectListings = await requestsTo(harness, 'GET /2.0/workspaces/{workspace}/projects');
    const next = await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);
    expect(next.outcome).toBe('completed-due-scopes');
    expect(next.scopesRefreshed).toBe(3 + 12);
    expect(await requestsTo(harness, 'GET /2.0/workspaces/{workspace}/projects')).toBe(projectListings);
  });

  it('a gap is tried again at once with a new credential, or when an operator marks the scope dirty', async () => {
    const scopes = ALL_READ_AND_ADMIN_SCOPES.filter((scope) => scope !== 'read:project:bitbucket');
    const seed = seedWithToken(scopes);
    const owner = seed.credentials[0]!;
    harness = await startHarness({ seed, credential: limitedCredential, settings: alwaysDue });
    const workspace = workspaceRefOf(seed);
    await runUntilPassComplete(harness.dependencies, workspace);
    const projectListings = () => requestsTo(harness!, 'GET /2.0/workspaces/{workspace}/projects');
    const refusedOnce = await projectListings();

    // An operator asks for a re-read through POST /v1/workspaces/{ws}/sync: the refused scope is tried.
    await harness.syncState.markDirty(workspace.id, ['projects'], 'operator', { retryRefused: true });
    const retried = await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);
    expect(await projectListings()).toBeGreaterThan(refusedOnce);
    expect(retried.capabilityGaps.map((gap) => gap.kind)).toEqual(['projects']);

    // A new token with the missing scope (API-token scopes are fixed at creation): read in the next step,
    // not six hours later, and the gap is gone.
    if (owner.kind !== 'api-token') throw new Error('the generated seed starts with an API token');
    const newToken = { auth: 'api-token' as const, email: owner.email, apiToken: owner.token };
    const fixed = createBitbucketClient({
      apiUrl: harness.simulator.url,
      oauthUrl: harness.simulator.url,
      credentials: { current: async () => newToken, reload: async () => newToken },
    });
    const next = await runSyncStep(
      { ...harness.dependencies, client: fixed, source: undefined },
      workspace,
      Date.now() + 120_000,
    );
    expect(next.capabilityGaps).toEqual([]);
    const picture = await harness.storedPicture(workspace.id);
    expect(picture.filter((line) => line.startsWith('resource/project/'))).toHaveLength(3);
  });

  it('a 403 on /1.0/groups is a gap of the groups scope; projects and repositories are still read', async () => {
    const seed = seedWithToken(ALL_READ_AND_ADMIN_SCOPES);
    harness = await startHarness({ seed, credential: limitedCredential });
    const workspace = workspaceRefOf(seed);
    await harness.control('POST', '/_simulator/faults', {
      faults: [{ match: { pathPrefix: '/1.0/groups' }, kind: 'status', status: 403, times: 100 }],
    });

    const result = await runUntilPassComplete(harness.dependencies, workspace);

    // Before: the step stopped as not-administrable before projects and repositories were read.
    expect(result.completed).toBe(true);
    expect(result.capabilityGaps.map((gap) => [gap.kind, gap.status])).toEqual([['groups', 403]]);
    const picture = await harness.storedPicture(workspace.id);
    expect(picture.filter((line) => line.startsWith('resource/project/'))).toHaveLength(3);
    expect(picture.filter((line) => line.startsWith('resource/repository/'))).toHaveLength(12);
    expect(picture.filter((line) => line.startsWith('resource/group/'))).toHaveLength(0);
  });

  it('after three refusals of a per-resource kind, its other scopes take the gap without a request', async () => {
    const seed = seedWithToken(ALL_READ_AND_ADMIN_SCOPES);
    harness = await startHarness({ seed, credential: limitedCredential, settings: { parallelScopes: 1 } });
    const workspace = workspaceRefOf(seed);
    await harness.control('POST', '/_simulator/faults', {
      faults: [
        {
          match: { pathPrefix: `/2.0/repositories/${workspace.slug}/` },
          kind: 'status',
          status: 403,
          times: 1000,
        },
      ],
    });

    const result = await runUntilPassComplete(harness.dependencies, workspace);

    expect(result.completed).toBe(true);
    expect(result.capabilityGaps).toEqual([
      expect.objectContaining({ kind: 'repository-grants', scopes: 12, status: 403 }),
    ]);
    // Three repositories tried (two listings each: users and groups), nine inferred.
    const perRepository =
      (await requestsTo(harness, 'GET /2.0/repositories/{workspace}/{repo_slug}/permissions-config/users')) +
      (await requestsTo(harness, 'GET /2.0/repositories/{workspace}/{repo_slug}/permissions-config/groups'));
    expect(perRepository).toBe(3 * 2);
    const states = await harness.syncState.listScopeStates(workspace.id);
    const inferred = states.filter((state) => state.capabilityGap?.inferredFrom !== undefined);
    expect(inferred).toHaveLength(9);
  });

  it('a credential refused everywhere (401 on /2.0/user too) still ends the step as credential-rejected', async () => {
    const seed = seedWithToken(ALL_READ_AND_ADMIN_SCOPES);
    harness = await startHarness({
      seed,
      credential: { ...limitedCredential, apiToken: 'not-the-token' },
    });
    const workspace = workspaceRefOf(seed);

    const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);

    expect(report.outcome).toBe('credential-rejected');
    expect(report.capabilityGaps).toEqual([]);
    expect((await harness.syncState.listScopeStates(workspace.id)).filter((s) => s.capabilityGap)).toEqual(
      [],
    );
  });
});
