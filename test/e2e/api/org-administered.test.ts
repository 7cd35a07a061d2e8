// A workspace administered in admin.atlassian.com, end to end (issue 18): the simulator's Bitbucket and
// Admin API routes over HTTP, DynamoDB Local filled by one real sync pass with the organization side, the
// real API handler. Group membership changes go to the organization group, never to Bitbucket's 1.0 API.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countRequests, startApiFixture, type ApiFixture } from './api-fixture.js';

const SEED = fileURLToPath(new URL('../../fixtures/seeds/org-acme.json', import.meta.url));
const GROUP_WRITES_1_0 = '/1.0/groups/{workspace}/{group_slug}/members';
const MEMBERSHIPS = '/memberships';

let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await startApiFixture(SEED);
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});
beforeEach(async () => {
  await fixture.clearRequestLog();
});

const grants = () => `/v1/workspaces/${fixture.workspace.slug}/grants`;
const revocations = () => `/v1/workspaces/${fixture.workspace.slug}/revocations`;
const membership = (group: string, accountId: string, extra: Record<string, unknown> = {}) => ({
  resource: { type: 'group', slug: group },
  principal: { type: 'user', accountId },
  permission: 'member',
  ...extra,
});

async function orgGroup(id: string) {
  const truth = await fixture.harness.groundTruth();
  return truth.organizations![0]!.groups.find((group) => group.id === id)!;
}

describe('an organization-administered workspace', () => {
  it('is recognised from the organization and its groups are synced with their roles and members', async () => {
    const status = await fixture.call('GET', `/v1/workspaces/${fixture.workspace.slug}/sync`);
    expect(status.status).toBe(200);
    const stored = await fixture.harness.syncState.getStatus(fixture.workspace.id);
    expect(stored?.administration).toMatchObject({
      mode: 'organization',
      evidence: 'organization-lists-it',
      orgId: 'org-1',
      orgGroupsRead: true,
    });
    const orgGroups = await fixture.harness.store.listResources(fixture.workspace.id, 'org-group');
    expect(
      orgGroups
        .map((entry) => [entry.item.id, entry.item.attributes.slug, entry.item.attributes.workspaceRole])
        .sort(),
    ).toEqual([
      ['g-bb-admins', 'bb-admins', 'admin'],
      ['g-contractors', 'contractors', 'member'],
      ['g-developers', 'developers', 'member'],
    ]);
    const developers = await fixture.harness.store.listGrantsOnResource(
      fixture.workspace.id,
      'org-group',
      'g-developers',
    );
    expect(developers.map((entry) => entry.item.principal.id).sort()).toEqual(
      (await orgGroup('g-developers')).members.sort(),
    );
  });

  it('says why a user is owner: the org group whose product access made them admin', async () => {
    const answer = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/users/557058:grace/access`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.user).toMatchObject({
      role: 'owner',
      rolePaths: [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }],
    });
    expect(answer.body.coverage).toEqual({ complete: true, capabilityGaps: [] });
    for (const repository of answer.body.repositories) {
      expect(repository.paths).toContainEqual({
        via: 'workspace-owner',
        permission: 'admin',
        group: 'bb-admins',
      });
    }
  });

  it('grants and revokes a group membership through the Admin API, never through 1.0', async () => {
    const accountId = '557058:radia';
    expect((await orgGroup('g-developers')).members).not.toContain(accountId);

    const granted = await fixture.call('POST', grants(), { body: membership('developers', accountId) });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({
      changed: true,
      previous: null,
      current: 'member',
      basis: 'atlassian-admin',
    });
    expect(
      granted.body.calls.map((call: { endpoint: string; sent: boolean }) => [call.endpoint, call.sent]),
    ).toEqual([
      ['POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/search', true],
      ['POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships', true],
      ['GET /2.0/workspaces/{workspace}/permissions', true],
    ]);
    expect((await orgGroup('g-developers')).members).toContain(accountId);
    // The store follows at once: the access answer names the group without waiting for a sync.
    const access = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/users/${accountId}/access`,
    );
    expect(access.body.groups).toContain('developers');
    expect(access.body.user.rolePaths).toContainEqual({
      via: 'org-group',
      group: 'developers',
      permission: 'member',
    });

    const again = await fixture.call('POST', grants(), { body: membership('developers', accountId) });
    expect(again.body).toMatchObject({ changed: false, previous: 'member' });

    const revoked = await fixture.call('POST', revocations(), { body: membership('developers', accountId) });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ changed: true, previous: 'member', current: null });
    // The Admin API read and removal, then Bitbucket's word on the workspace role that membership gave.
    expect(revoked.body.calls.map((call: { method: string }) => call.method)).toEqual([
      'POST',
      'DELETE',
      'GET',
    ]);
    expect((await orgGroup('g-developers')).members).not.toContain(accountId);

    const counts = await fixture.requestsByRoute();
    expect(
      countRequests(counts, 'PUT', GROUP_WRITES_1_0) + countRequests(counts, 'DELETE', GROUP_WRITES_1_0),
    ).toBe(0);
    expect(countRequests(counts, 'POST', MEMBERSHIPS)).toBe(1);
    expect(countRequests(counts, 'DELETE', MEMBERSHIPS)).toBe(1);
    // The request record keeps the Admin API calls.
    const record = await fixture.call('GET', `/v1/requests/${revoked.body.requestId}`);
    expect(JSON.stringify(record.body)).toContain(
      '/admin/v2/orgs/org-1/directories/dir-1/groups/g-developers/memberships/557058%3Aradia',
    );
  });

  it('a removal from the group that made someone owner takes the role away in every answer at once', async () => {
    const owner = '557058:grace';
    const before = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/users/${owner}/access`,
    );
    expect(before.body.user.role).toBe('owner');
    const revoked = await fixture.call('POST', revocations(), { body: membership('bb-admins', owner) });
    expect(revoked.status).toBe(200);
    // Bitbucket no longer lists her: she is no member of the workspace any more, as the store now says.
    const after = await fixture.call('GET', `/v1/workspaces/${fixture.workspace.slug}/users/${owner}/access`);
    expect(after.status).toBe(404);
    const granted = await fixture.call('POST', grants(), { body: membership('bb-admins', owner) });
    expect(granted.status).toBe(200);
    const again = await fixture.call('GET', `/v1/workspaces/${fixture.workspace.slug}/users/${owner}/access`);
    expect(again.status, again.text).toBe(200);
    expect(again.body.user).toMatchObject({
      role: 'owner',
      rolePaths: [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }],
    });
  });

  it('adds someone the workspace does not know yet to a group: that is how they join it', async () => {
    const newcomer = '557058:ken';
    expect(
      (await fixture.harness.groundTruth()).workspaces[0]!.members.map((m) => m.accountId),
    ).not.toContain(newcomer);
    const granted = await fixture.call('POST', grants(), { body: membership('developers', newcomer) });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ changed: true, principal: { type: 'user', id: newcomer } });
    expect((await orgGroup('g-developers')).members).toContain(newcomer);
    const revoked = await fixture.call('POST', revocations(), { body: membership('developers', newcomer) });
    expect(revoked.body).toMatchObject({ changed: true, current: null });
    expect((await orgGroup('g-developers')).members).not.toContain(newcomer);
  });

  it('refuses `.` and `..` as an account id before any call (URL parsers would collapse them)', async () => {
    for (const accountId of ['..', '.']) {
      const answer = await fixture.call('POST', grants(), { body: membership('developers', accountId) });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.error.details).toMatchObject({
        field: 'principal.accountId',
        problems: [{ field: 'principal.accountId', message: 'not a valid account id' }],
      });
    }
    expect(await fixture.harness.requestTotal()).toBe(0);
  });

  it('a dry run names the Admin API calls it would make and sends nothing', async () => {
    const answer = await fixture.call('POST', grants(), {
      body: membership('developers', '557058:radia', { dryRun: true }),
    });
    expect(answer.status).toBe(200);
    expect(
      answer.body.calls.map((call: { method: string; sent: boolean }) => [call.method, call.sent]),
    ).toEqual([
      ['POST', false],
      ['POST', false],
    ]);
    expect(await fixture.harness.requestTotal()).toBe(0);
  });

  it('answers 409 for a group managed by an identity provider, and calls nothing', async () => {
    const answer = await fixture.call('POST', grants(), { body: membership('contractors', '557058:radia') });
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toContain('managed by your identity provider: change it there');
    expect(await fixture.harness.requestTotal()).toBe(0);
    expect((await orgGroup('g-contractors')).members).not.toContain('557058:radia');
  });

  it('without an organization credential answers 422 naming the missing settings, and calls nothing', async () => {
    const { organizationAccess } = await import('../../../lib/atlassian-admin/index.js');
    const keyless = organizationAccess(
      { apiUrl: fixture.harness.simulator.url, administration: 'auto', hourlyRequestLimit: 1000 },
      { current: async () => null },
      fixture.harness.adminLedger,
    );
    const variant = await fixture.variant({
      organization: { access: keyless, statuses: fixture.harness.syncState },
    });
    const answer = await variant.call('POST', grants(), { body: membership('developers', '557058:radia') });
    expect(answer.status).toBe(422);
    expect(answer.body.error.message).toMatch(/ATLASSIAN_ORG_ID and ATLASSIAN_ADMIN_API_KEY/);
    expect(answer.body.error.details).toMatchObject({ reason: 'organization-credential-missing' });
    expect(await fixture.harness.requestTotal()).toBe(0);
  });

  it('a 1.0 write Bitbucket refuses teaches the administration, and the change goes through the Admin API', async () => {
    const recorded: unknown[] = [];
    // A connector that has not learnt the administration yet (no sync status): it tries Bitbucket first.
    const variant = await fixture.variant({
      organization: {
        access: fixture.harness.organization!,
        statuses: {
          getStatus: async () => undefined,
          recordAdministration: async (_id, _slug, administration) => {
            recorded.push(administration);
          },
        },
      },
    });
    const answer = await variant.call('POST', grants(), { body: membership('developers', '557058:radia') });
    expect(answer.status).toBe(200);
    expect(
      answer.body.calls.map((call: { method: string; endpoint: string; status?: number }) => [
        call.method,
        call.endpoint.split(' ')[1],
        call.status,
      ]),
    ).toEqual([
      ['GET', '/1.0/groups/{workspace}', undefined],
      ['PUT', '/1.0/groups/{workspace}/{group_slug}/members/{member}', 403],
      ['POST', '/admin/v2/orgs/{orgId}/directories/{directoryId}/users/search', undefined],
      ['POST', '/admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships', undefined],
      ['GET', '/2.0/workspaces/{workspace}/permissions', undefined],
    ]);
    expect(recorded).toEqual([
      expect.objectContaining({ mode: 'organization', evidence: 'group-write-refused' }),
    ]);
    expect((await orgGroup('g-developers')).members).toContain('557058:radia');
    await fixture.call('POST', revocations(), { body: membership('developers', '557058:radia') });
  });

  it('a plain 403 on the 1.0 write is checked with the organization before it is taken for org administration', async () => {
    const variant = await fixture.variant({
      organization: {
        access: fixture.harness.organization!,
        statuses: { getStatus: async () => undefined, recordAdministration: async () => undefined },
      },
    });
    // A 403 that does not name admin.atlassian.com (Bitbucket's own words for it are not documented).
    await fixture.harness.control('POST', '/_simulator/faults', {
      faults: [
        {
          kind: 'status',
          status: 403,
          times: 1,
          match: { method: 'PUT', pathPrefix: '/1.0/groups/acme/developers' },
        },
      ],
    });
    const answer = await variant.call('POST', grants(), { body: membership('developers', '557058:radia') });
    await fixture.harness.control('DELETE', '/_simulator/faults');
    expect(answer.status, answer.text).toBe(200);
    const counts = await fixture.requestsByRoute();
    expect(countRequests(counts, 'POST', '/admin/v2/orgs/{orgId}/workspaces')).toBe(1);
    expect(countRequests(counts, 'POST', MEMBERSHIPS)).toBe(1);
    expect((await orgGroup('g-developers')).members).toContain('557058:radia');
    await fixture.call('POST', revocations(), { body: membership('developers', '557058:radia') });
  });

  it('BITBUCKET_ADMINISTRATION=bitbucket keeps to the 1.0 API: its refusal is a 422 saying to change the setting', async () => {
    const { organizationAccess } = await import('../../../lib/atlassian-admin/index.js');
    const recorded: unknown[] = [];
    const forced = organizationAccess(
      { apiUrl: fixture.harness.simulator.url, administration: 'bitbucket', hourlyRequestLimit: 1000 },
      { current: async () => ({ orgId: 'org-1', apiKey: 'org-key' }) },
      fixture.harness.adminLedger,
    );
    const variant = await fixture.variant({
      organization: {
        access: forced,
        statuses: {
          getStatus: (id) => fixture.harness.syncState.getStatus(id),
          recordAdministration: async (_id, _slug, administration) => {
            recorded.push(administration);
          },
        },
      },
    });
    const answer = await variant.call('POST', grants(), { body: membership('developers', '557058:radia') });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details).toMatchObject({ reason: 'administration-forced-to-bitbucket' });
    expect(answer.body.error.message).toMatch(/set it to auto/);
    expect(recorded).toEqual([]);
    const counts = await fixture.requestsByRoute();
    expect(countRequests(counts, 'POST', MEMBERSHIPS)).toBe(0);
  });

  it('follows the organization when it changes behind the connector: a sync picks up a new org-group member', async () => {
    await fixture.harness.mutate([
      { op: 'orgAddGroupMember', org: 'org-1', group: 'g-bb-admins', accountId: '557058:ken' },
    ]);
    const { runUntilPassComplete } = await import('../../../lib/sync/index.js');
    await fixture.harness.syncState.markDirty?.(
      fixture.workspace.id,
      ['members', 'groups', 'org-groups'],
      'test',
    );
    const pass = await runUntilPassComplete(fixture.harness.dependencies, fixture.workspace);
    expect(pass.completed).toBe(true);
    const answer = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/users/557058:ken/access`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.user).toMatchObject({
      role: 'owner',
      rolePaths: [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }],
    });
  });
});
