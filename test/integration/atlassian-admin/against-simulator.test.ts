// The Admin API client against the simulator's Admin API routes over real HTTP: directories, group search
// by workspace resource id, role assignments, member listing, membership writes (incl. the IdP-managed
// refusal), workspaces, and a wrong key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminApiClient,
  AdminForbidden,
  AdminNotFound,
  AdminUnauthorized,
  bitbucketRoleOf,
  bitbucketWorkspaceResourceId,
  workspaceUuidOfResourceId,
} from '../../../lib/atlassian-admin/index.js';
import { RequestBudget } from '../../../lib/bitbucket/index.js';
import { demoSeed } from '../../../lib/simulator/demo-seed.js';
import { parseSeed, startSimulator, type RunningSimulator } from '../../../lib/simulator/index.js';

const ORG = { orgId: 'org-acme', apiKey: 'org-acme-admin-k3y' };
const ACME_UUID = '{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}';

let sim: RunningSimulator;
let client: AdminApiClient;

/**
 * The demo seed with acme administered by one organization: each of acme's Bitbucket groups is an org group
 * with the member role on acme (`administrators` is synced from an identity provider and has the admin role).
 */
function seedWithOrganization() {
  const seed = demoSeed();
  const acme = seed.workspaces.find((workspace) => workspace.slug === 'acme');
  if (!acme) throw new Error('the demo seed has no acme workspace');
  const groups = acme.groups.map((group) => ({
    id: `g-${group.slug}`,
    name: group.name,
    slug: group.slug,
    idpManaged: group.slug === 'administrators',
    members: group.members,
    roles: [{ workspace: 'acme', role: group.slug === 'administrators' ? 'admin' : 'member' }],
  }));
  return {
    ...seed,
    organizations: [
      { id: ORG.orgId, apiKey: ORG.apiKey, directoryId: 'dir-acme', workspaces: ['acme'], groups },
    ],
  };
}

beforeAll(async () => {
  sim = await startSimulator({ seed: parseSeed(seedWithOrganization()) });
  client = new AdminApiClient({ apiUrl: sim.url, credential: async () => ORG });
});
afterAll(() => sim?.stop());

describe('AdminApiClient against the simulator', () => {
  it('reads directories, groups on the workspace, their roles and members, and the workspaces', async () => {
    const budget = new RequestBudget(50);
    const directories = await client.listDirectories({ budget });
    expect(directories.map((directory) => directory.directoryId)).toEqual(['dir-acme']);

    const resourceId = bitbucketWorkspaceResourceId(ACME_UUID);
    const groups = await client.searchGroups({ resourceIds: [resourceId] }, { budget });
    expect(groups.map((group) => [group.id, group.managedByIdentityProvider]).sort()).toEqual([
      ['g-administrators', true],
      ['g-contractors', false],
      ['g-developers', false],
      ['g-qa', false],
    ]);

    const roles = await client.groupRoleAssignments('dir-acme', 'g-administrators', { budget });
    expect(
      roles.map((role) => [workspaceUuidOfResourceId(role.resourceId), bitbucketRoleOf(role.roleId)]),
    ).toEqual([[ACME_UUID, 'admin']]);

    const members = await client.searchUsers({ groupIds: ['g-qa'] }, { budget });
    expect(members.map((user) => user.accountId).sort()).toEqual(['557058:edsger', '557058:frances']);

    const workspaces = await client.listWorkspaces({ budget });
    expect(workspaces).toEqual([
      expect.objectContaining({ resourceId, workspaceUuid: ACME_UUID, slug: 'acme' }),
    ]);
    expect(budget.spent).toBeGreaterThanOrEqual(5);
  });

  it('adds and removes a member; removing a non-member is AdminNotFound', async () => {
    await client.addGroupMember('dir-acme', 'g-developers', '557058:radia');
    expect(
      (await client.searchUsers({ groupIds: ['g-developers'] })).map((user) => user.accountId),
    ).toContain('557058:radia');
    await client.removeGroupMember('dir-acme', 'g-developers', '557058:radia');
    await expect(client.removeGroupMember('dir-acme', 'g-developers', '557058:radia')).rejects.toBeInstanceOf(
      AdminNotFound,
    );
  });

  it('refuses a membership change of an IdP-managed group with AdminForbidden saying so', async () => {
    const error = await client
      .addGroupMember('dir-acme', 'g-administrators', '557058:radia')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdminForbidden);
    expect((error as AdminForbidden).managedByIdentityProvider).toBe(true);
  });

  it('a wrong key is AdminUnauthorized, without the key in it', async () => {
    const wrong = new AdminApiClient({
      apiUrl: sim.url,
      credential: async () => ({ orgId: ORG.orgId, apiKey: 'not-the-right-k3y' }),
    });
    const error = await wrong.listDirectories().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdminUnauthorized);
    expect(JSON.stringify(error) + String(error)).not.toContain('not-the-right-k3y');
  });
});
