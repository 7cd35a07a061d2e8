// The organization side of the sync against the simulator's Bitbucket and Admin API routes over HTTP and
// DynamoDB Local: how a workspace's administration is found, that an Admin API 429 is the org-groups
// scope's own failure (Bitbucket keeps being read), the Admin API's requests on their own ledger, and
// what `bbgov doctor` learns of the organization key.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  discoverAdministration,
  PROBE_ACCOUNT_ID,
  probeOrganization,
} from '../../../lib/atlassian-admin/index.js';
import { RequestBudget } from '../../../lib/bitbucket/index.js';
import { coverageOf, runSyncStep, runUntilPassComplete } from '../../../lib/sync/index.js';
import { startHarness, workspaceRefOf, type Harness } from '../../support/governance-harness.js';

const ORG_SEED = fileURLToPath(new URL('../../fixtures/seeds/org-acme.json', import.meta.url));
const ORG = { orgId: 'org-1', apiKey: 'org-key' };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function orgHarness(options: Parameters<typeof startHarness>[0] = { seed: ORG_SEED }) {
  harness = await startHarness(options);
  const seed = await harness.groundTruth();
  return { harness, workspace: workspaceRefOf(seed, 'acme') };
}

describe('administration discovery', () => {
  const none = async () => ({ members: 0, withLastAccessed: 0 });

  it('asks the organization once: listed, not listed, and cached for a day', async () => {
    const { harness: h, workspace } = await orgHarness();
    const now = new Date();
    const call = { budget: new RequestBudget(10) };
    const base = {
      setting: 'auto' as const,
      credential: ORG,
      client: h.organization!.client,
      lastAccessed: none,
      now,
      call,
    };
    const listed = await discoverAdministration({ ...base, workspace });
    expect(listed).toMatchObject({
      mode: 'organization',
      evidence: 'organization-lists-it',
      orgId: 'org-1',
      orgGroupsRead: true,
    });
    const other = await discoverAdministration({
      ...base,
      workspace: { id: randomUUID(), slug: 'elsewhere' },
    });
    expect(other).toMatchObject({
      mode: 'bitbucket',
      evidence: 'organization-does-not-list-it',
      orgGroupsRead: false,
    });
    const spent = call.budget.spent;
    const again = await discoverAdministration({ ...base, workspace, previous: listed });
    expect(again).toEqual(listed);
    expect(call.budget.spent).toBe(spent);
  });

  it("without a key falls back to Bitbucket's evidence, and a wrong key is a note, not a failure", async () => {
    const { harness: h, workspace } = await orgHarness();
    const now = new Date();
    const call = { budget: new RequestBudget(10) };
    const base = { setting: 'auto' as const, client: h.organization!.client, workspace, now, call };
    expect(
      await discoverAdministration({
        ...base,
        credential: null,
        lastAccessed: async () => ({ members: 7, withLastAccessed: 0 }),
      }),
    ).toMatchObject({ mode: 'organization', evidence: 'no-last-accessed', orgGroupsRead: false });
    expect(
      await discoverAdministration({
        ...base,
        credential: null,
        lastAccessed: async () => ({ members: 7, withLastAccessed: 6 }),
      }),
    ).toMatchObject({ mode: 'bitbucket', evidence: 'no-evidence' });
    const wrongKey = { orgId: 'org-1', apiKey: 'not-the-key-0123' };
    // The client asks its own credential provider: build one over the wrong key.
    const { organizationAccess } = await import('../../../lib/atlassian-admin/index.js');
    const wrong = organizationAccess(
      { apiUrl: h.simulator.url, administration: 'auto', hourlyRequestLimit: 100 },
      { current: async () => wrongKey },
      h.adminLedger,
    );
    const answer = await discoverAdministration({
      ...base,
      client: wrong.client,
      credential: wrongKey,
      lastAccessed: none,
    });
    expect(answer.mode).toBe('bitbucket');
    expect(answer.note).toMatch(/401/);
    expect(JSON.stringify(answer)).not.toContain(wrongKey.apiKey);
  });

  it('a failed re-check keeps the last answer of the organization', async () => {
    const { harness: h, workspace } = await orgHarness();
    const dayAndMore = new Date(Date.now() - 25 * 3_600_000).toISOString();
    const previous = {
      mode: 'organization' as const,
      evidence: 'organization-lists-it' as const,
      checkedAt: dayAndMore,
      orgId: 'org-1',
      orgGroupsRead: true,
    };
    await h.control('POST', '/_simulator/faults', {
      faults: [
        { kind: 'status', status: 503, times: 20, match: { pathPrefix: '/admin/v2/orgs/org-1/workspaces' } },
      ],
    });
    const answer = await discoverAdministration({
      setting: 'auto',
      credential: ORG,
      client: h.organization!.client,
      workspace,
      previous,
      // Two of seven members with `last_accessed` would otherwise say Bitbucket.
      lastAccessed: async () => ({ members: 7, withLastAccessed: 2 }),
      now: new Date(),
      call: { budget: new RequestBudget(20) },
    });
    expect(answer).toMatchObject({
      mode: 'organization',
      evidence: 'organization-lists-it',
      orgGroupsRead: true,
    });
    expect(answer.note).toMatch(/503/);
  });

  it('BITBUCKET_ADMINISTRATION forces the mode without a request', async () => {
    const { harness: h, workspace } = await orgHarness();
    const call = { budget: new RequestBudget(0) };
    const forced = await discoverAdministration({
      setting: 'bitbucket',
      credential: ORG,
      client: h.organization!.client,
      workspace,
      lastAccessed: none,
      now: new Date(),
      call,
    });
    expect(forced).toMatchObject({ mode: 'bitbucket', evidence: 'configured', orgGroupsRead: false });
  });
});

describe('the org-groups scope in a sync step', () => {
  it("is paid from the Admin API ledger, not Bitbucket's, and counted in the report", async () => {
    const { harness: h, workspace } = await orgHarness();
    const report = await runSyncStep(h.dependencies, workspace, Date.now() + 60_000);
    expect(report.adminApiRequests).toBeGreaterThanOrEqual(4);
    const adminSpent = await h.adminLedger.spentInLastHour(new Date());
    const bitbucketSpent = await h.ledger.spentInLastHour(new Date());
    expect(adminSpent.total).toBe(report.adminApiRequests);
    expect(bitbucketSpent.total).toBe(report.requests);
    const log = await h.control<{ byRoute: { route: string; count: number }[] }>(
      'GET',
      '/_simulator/requests',
    );
    const adminRequests = log.byRoute
      .filter((entry) => entry.route.includes('/admin/v2/'))
      .reduce((sum, entry) => sum + entry.count, 0);
    expect(adminRequests).toBe(report.adminApiRequests);
    // The completed pass says what it cost on each API.
    expect(report.passCompleted).toBe(true);
    expect((await h.syncState.getStatus(workspace.id))?.lastCompletedPass).toMatchObject({
      requests: report.requests,
      adminApiRequests: report.adminApiRequests,
    });
  });

  it('an Admin API 429 fails only the org-groups scope; Bitbucket scopes are read and the step is not rate-limited', async () => {
    const { harness: h, workspace } = await orgHarness();
    await h.control('POST', '/_simulator/faults', {
      faults: [
        { kind: 'status', status: 429, times: 20, match: { pathPrefix: '/admin/v2/orgs/org-1/directories' } },
      ],
    });
    const report = await runSyncStep(h.dependencies, workspace, Date.now() + 60_000);
    expect(report.outcome).not.toBe('rate-limited');
    expect(report.scopesFailed).toBe(1);
    const states = new Map(
      (await h.syncState.listScopeStates(workspace.id)).map((state) => [state.scope, state]),
    );
    expect(states.get('org-groups')?.lastError?.status).toBe(429);
    expect(states.get('members')?.refreshedAt).toBeDefined();
    expect(states.get('repositories')?.refreshedAt).toBeDefined();
    // Answers built now say they cannot tell which organization group makes someone a member or owner.
    const administration = (await h.syncState.getStatus(workspace.id))?.administration;
    expect(coverageOf(states.values(), administration)).toMatchObject({
      complete: false,
      unreadScopes: [{ scope: 'org-groups', reason: expect.stringMatching(/429/) }],
    });
    // A run that cannot finish says which scope fails and why.
    const stuck = await runUntilPassComplete(h.dependencies, workspace);
    expect(stuck).toMatchObject({ completed: false, stopReason: 'scopes-failing' });
    expect(stuck.stoppedBecause).toMatch(
      /every due scope failed: org-groups \(Admin API POST .* answered 429/,
    );
    // Once the Admin API answers again, the pass completes with the organization groups.
    await h.control('DELETE', '/_simulator/faults');
    const pass = await runUntilPassComplete(h.dependencies, workspace);
    expect(pass.completed).toBe(true);
    expect((await h.store.listResources(workspace.id, 'org-group')).length).toBe(3);
    const after = await h.syncState.listScopeStates(workspace.id);
    expect(coverageOf(after, (await h.syncState.getStatus(workspace.id))?.administration).complete).toBe(
      true,
    );
  });

  it('a workspace the organization does not administer is synced as before: no org-groups scope', async () => {
    harness = await startHarness({ seed: 'generated:users=12,groups=3,projects=2,repos=4,seed=5' });
    const seed = await harness.groundTruth();
    const workspace = workspaceRefOf(seed);
    const pass = await runUntilPassComplete(harness.dependencies, workspace);
    expect(pass.completed).toBe(true);
    const states = await harness.syncState.listScopeStates(workspace.id);
    expect(states.map((state) => state.scope)).not.toContain('org-groups');
    expect((await harness.syncState.getStatus(workspace.id))?.administration).toMatchObject({
      mode: 'bitbucket',
      orgGroupsRead: false,
    });
    expect((await harness.adminLedger.spentInLastHour(new Date())).total).toBe(0);
  });
});

describe("doctor's organization probe", () => {
  it('names the workspaces the organization administers and what its key may do, changing nothing', async () => {
    const { harness: h, workspace } = await orgHarness();
    const before = await h.groundTruth();
    const governed = [{ slug: workspace.slug, uuid: workspace.id }];
    const readOnly = await probeOrganization(h.organization!, governed, { budget: new RequestBudget(20) });
    expect(readOnly.changeMemberships).toMatchObject({ ok: 'not-probed' });
    const report = await probeOrganization(
      h.organization!,
      governed,
      { budget: new RequestBudget(20) },
      { probeWrite: true },
    );
    expect(report).toMatchObject({
      configured: true,
      orgId: 'org-1',
      administers: ['acme'],
      readGroups: { ok: true },
      changeMemberships: { ok: true },
    });
    expect(await h.groundTruth()).toEqual(before);
    const log = await h.control<{ byRoute: { route: string; count: number }[] }>(
      'GET',
      '/_simulator/requests',
    );
    expect(JSON.stringify(log)).toContain(
      'DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships/{accountId}',
    );
    expect(PROBE_ACCOUNT_ID).not.toMatch(/^\d+:/);
  });

  it('says so when no organization credential is configured', async () => {
    harness = await startHarness({ seed: ORG_SEED, organization: 'none' });
    const report = await probeOrganization(harness.organization!, [], { budget: new RequestBudget(5) });
    expect(report.configured).toBe(false);
    expect(report.note).toMatch(/ATLASSIAN_ORG_ID \+ ATLASSIAN_ADMIN_API_KEY/);
  });
});
