// Roles per workspace through the local HTTP adapter and the real handler: every route checks the caller's
// role on the workspace it touches, resolved to one identity whether named by slug or uuid; records and
// the workspace list are visible only to callers with a role there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';

let fixture: ApiFixture;
const SEED = 'generated:users=12,groups=2,projects=2,repos=4,seed=5';

const token = (name: string) => `${name}-token-${'Zq8XvR2mT5kLw9Yp3Hn7Bc4Jd6Fg1Ks'}`;
const CALLERS: LocalTokenEntry[] = [
  { token: token('reader'), principal: 'rita', roles: ['reader'], workspaces: ['*'] },
  {
    token: token('requester'),
    principal: 'reza',
    accountId: '557058:reza',
    roles: ['requester'],
    workspaces: ['*'],
  },
  { token: token('approver'), principal: 'april', roles: ['approver'], workspaces: ['*'] },
  { token: token('elsewhere'), principal: 'otto', roles: ['administrator'], workspaces: ['globex'] },
];

beforeAll(async () => {
  fixture = await startApiFixture(SEED, { callers: CALLERS });
});
afterAll(async () => {
  await fixture?.close();
});

const ws = () => fixture.seed.workspaces[0]!;
const as = (name: string) => ({ token: token(name) });

function grantBody() {
  const repository = ws().repositories[0]!;
  const granted = new Set(repository.userGrants.map((grant) => grant.accountId));
  const member = ws().members.find((m) => m.role === 'member' && !granted.has(m.accountId))!;
  return {
    resource: { type: 'repository', slug: repository.slug },
    principal: { type: 'user', accountId: member.accountId },
    permission: 'read',
  };
}

describe('roles per workspace', () => {
  it('lets a reader read and refuses every change with 403 naming the missing role', async () => {
    const slug = fixture.workspace.slug;
    const read = await fixture.call(
      'GET',
      `/v1/workspaces/${slug}/changes?since=2000-01-01T00:00:00Z`,
      as('reader'),
    );
    expect(read.status, read.text).toBe(200);
    const before = await fixture.harness.requestTotal();
    for (const [path, body] of [
      [`/v1/workspaces/${slug}/grants`, grantBody()],
      [`/v1/workspaces/${slug}/revocations`, grantBody()],
      [`/v1/workspaces/${slug}/sync`, { markDirty: ['members'] }],
    ] as const) {
      const answer = await fixture.call('POST', path, { ...as('reader'), body });
      expect(answer.status, `${path}: ${answer.text}`).toBe(403);
      expect(answer.body.error).toMatchObject({
        code: 'forbidden',
        message: `this needs the administrator role on workspace ${slug}`,
        details: { requiredRole: 'administrator', workspace: slug },
      });
    }
    expect(await fixture.harness.requestTotal()).toBe(before);
  });

  it('refuses grants to a requester and reads to a requester or approver', async () => {
    const slug = fixture.workspace.slug;
    const grant = await fixture.call('POST', `/v1/workspaces/${slug}/grants`, {
      ...as('requester'),
      body: grantBody(),
    });
    expect(grant.status).toBe(403);
    for (const name of ['requester', 'approver']) {
      const answer = await fixture.call('GET', `/v1/workspaces/${slug}/export`, as(name));
      expect(answer.status, name).toBe(403);
      expect(answer.body.error.details).toEqual({ requiredRole: 'reader', workspace: slug });
    }
  });

  it('holds a workspace addressed by uuid to the same roles as by slug, and hides it from callers without one', async () => {
    const { slug } = fixture.workspace;
    for (const name of [
      fixture.workspace.slug,
      fixture.workspace.id,
      `{${fixture.workspace.id.toUpperCase()}}`,
    ]) {
      const outsider = await fixture.call(
        'GET',
        `/v1/workspaces/${encodeURIComponent(name)}/changes?since=2000-01-01T00:00:00Z`,
        as('elsewhere'),
      );
      // No role at all: the workspace does not exist for them, and a uuid never turns into its slug.
      expect(outsider.status, name).toBe(404);
      if (name !== slug) expect(outsider.text).not.toContain(slug);
      const insider = await fixture.call(
        'GET',
        `/v1/workspaces/${encodeURIComponent(name)}/changes?since=2000-01-01T00:00:00Z`,
        as('reader'),
      );
      expect(insider.status, name).toBe(200);
    }
    const grantByUuid = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.id}/grants`, {
      ...as('elsewhere'),
      body: grantBody(),
    });
    expect(grantByUuid.status).toBe(404);
    // A role, not the one needed: 403 naming the role and the workspace.
    const readerByUuid = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.id}/grants`, {
      ...as('reader'),
      body: grantBody(),
    });
    expect(readerByUuid.status).toBe(403);
    expect(readerByUuid.body.error.details).toEqual({ requiredRole: 'administrator', workspace: slug });
  });

  it('lists only the workspaces the caller holds a role on', async () => {
    const insider = await fixture.call('GET', '/v1/workspaces', as('reader'));
    expect(insider.body.workspaces.map((entry: { slug: string }) => entry.slug)).toEqual([
      fixture.workspace.slug,
    ]);
    const outsider = await fixture.call('GET', '/v1/workspaces', as('elsewhere'));
    expect(outsider.status).toBe(200);
    expect(outsider.body.workspaces).toEqual([]);
  });

  it('shows a request record only to callers with a role on its workspace', async () => {
    const granted = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/grants`, {
      body: { ...grantBody(), dryRun: true },
    });
    expect(granted.status, granted.text).toBe(200);
    const path = `/v1/requests/${granted.body.requestId}`;
    expect((await fixture.call('GET', path, as('reader'))).status).toBe(200);
    const outsider = await fixture.call('GET', path, as('elsewhere'));
    expect(outsider.status).toBe(404);
    expect(outsider.body.error.message).toBe(`no provisioning request ${granted.body.requestId}`);
  });

  it('answers 401 for a token that is not configured', async () => {
    const answer = await fixture.call('GET', '/v1/workspaces', { token: token('nobody') });
    expect(answer.status).toBe(401);
  });
});
