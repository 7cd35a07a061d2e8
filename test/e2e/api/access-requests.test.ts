// Access requests through the local HTTP adapter and the real handler, against the simulator and DynamoDB
// Local: a requester asks, cannot decide their own request, an approver grants it through provisioning
// (the simulator then holds the grant), denials and withdrawals end a request, and access that already
// exists is recorded as held, not granted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import type { AccessRequestChange } from '../../../lib/requests/access-requests.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { simulatorGrant } from './access-request-support.js';

let fixture: ApiFixture;
const SEED = 'generated:users=12,groups=2,projects=2,repos=4,seed=5';
const REQUESTER_ACCOUNT = '557058:gen-07';
const APPROVER_ACCOUNT = '557058:gen-08';

const token = (name: string) => `${name}-token-Zq8XvR2mT5kLw9Yp3Hn7Bc4Jd6Fg1Ks`;
const CALLERS: LocalTokenEntry[] = [
  {
    token: token('requester'),
    principal: 'reza',
    accountId: REQUESTER_ACCOUNT,
    roles: ['requester'],
    workspaces: ['*'],
  },
  {
    token: token('approver'),
    principal: 'april',
    accountId: APPROVER_ACCOUNT,
    roles: ['approver', 'requester'],
    workspaces: ['*'],
  },
  { token: token('reader'), principal: 'rita', roles: ['reader'], workspaces: ['*'] },
];

beforeAll(async () => {
  fixture = await startApiFixture(SEED, { callers: CALLERS });
});
afterAll(async () => {
  await fixture?.close();
});

const as = (name: string) => ({ token: token(name) });
const requestsPath = () => `/v1/workspaces/${fixture.workspace.slug}/access-requests`;

/** A repository on which `accountId` holds no explicit grant, distinct per `offset`. */
function repositoryWithoutGrant(accountId: string, offset = 0) {
  const candidates = fixture.seed.workspaces[0]!.repositories.filter(
    (repository) => !repository.userGrants.some((grant) => grant.accountId === accountId),
  );
  return candidates[offset]!;
}

function ask(repositorySlug: string, accountId: string, extra: Record<string, unknown> = {}) {
  return {
    resource: { type: 'repository', slug: repositorySlug },
    principal: { type: 'user', accountId },
    permission: 'write',
    reason: 'on call this week',
    ...extra,
  };
}

describe('access requests', () => {
  it("lets a requester ask, refuses their own decision, and grants on an approver's approval", async () => {
    const repository = repositoryWithoutGrant(REQUESTER_ACCOUNT);
    const direct = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/grants`, {
      ...as('requester'),
      body: {
        resource: { type: 'repository', slug: repository.slug },
        principal: { type: 'user', accountId: REQUESTER_ACCOUNT },
        permission: 'write',
      },
    });
    expect(direct.status).toBe(403);

    const created = await fixture.call('POST', requestsPath(), {
      ...as('requester'),
      body: ask(repository.slug, REQUESTER_ACCOUNT, { durationMinutes: 1 }),
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      workspace: fixture.workspace.slug,
      requestedBy: 'reza',
      requesterAccountId: REQUESTER_ACCOUNT,
      durationMinutes: 1,
    });
    const id: string = created.body.id;

    // The requester holds no approver role; even with it, nobody decides their own request.
    const own = await fixture.call('POST', `/v1/access-requests/${id}/approve`, as('requester'));
    expect(own.status).toBe(403);
    expect(await simulatorGrant(fixture, repository.slug, REQUESTER_ACCOUNT)).toBeNull();

    const approved = await fixture.call('POST', `/v1/access-requests/${id}/approve`, {
      ...as('approver'),
      body: { comment: 'ok for a minute' },
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'active',
      decidedBy: 'april',
      comment: 'ok for a minute',
      alreadyHeld: false,
      previousPermission: null,
    });
    const expiresIn = Date.parse(approved.body.expiresAt) - Date.parse(approved.body.activatedAt);
    expect(expiresIn).toBe(60_000);
    expect(await simulatorGrant(fixture, repository.slug, REQUESTER_ACCOUNT)).toBe('write');

    // The grant is an audited provisioning request made by the approver.
    const record = await fixture.call(
      'GET',
      `/v1/requests/${approved.body.provisioningRequestId}`,
      as('approver'),
    );
    expect(record.status, record.text).toBe(200);
    expect(record.body).toMatchObject({ actor: 'april', action: 'grant', state: 'completed' });

    const again = await fixture.call('POST', `/v1/access-requests/${id}/approve`, as('approver'));
    expect(again.status).toBe(409);
    expect(again.body.error.details).toMatchObject({ reason: 'not-pending', status: 'active' });
  });

  it('refuses an approver deciding a request that benefits their own account', async () => {
    const repository = repositoryWithoutGrant(APPROVER_ACCOUNT, 1);
    const created = await fixture.call('POST', requestsPath(), {
      ...as('requester'),
      body: ask(repository.slug, APPROVER_ACCOUNT),
    });
    expect(created.status, created.text).toBe(201);
    const answer = await fixture.call(
      'POST',
      `/v1/access-requests/${created.body.id}/approve`,
      as('approver'),
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error.details).toEqual({ reason: 'own-account' });
  });

  it('ends requests by denial or withdrawal, and lists them by status', async () => {
    const repository = repositoryWithoutGrant(REQUESTER_ACCOUNT, 1);
    const first = await fixture.call('POST', requestsPath(), {
      ...as('requester'),
      body: ask(repository.slug, REQUESTER_ACCOUNT),
    });
    const second = await fixture.call('POST', requestsPath(), {
      ...as('requester'),
      body: ask(repository.slug, REQUESTER_ACCOUNT),
    });
    const denied = await fixture.call('POST', `/v1/access-requests/${first.body.id}/deny`, {
      ...as('approver'),
      body: { comment: 'not needed' },
    });
    expect(denied.body).toMatchObject({ status: 'denied', decidedBy: 'april', comment: 'not needed' });
    // Only the requester (or an administrator) withdraws.
    expect(
      (await fixture.call('POST', `/v1/access-requests/${second.body.id}/withdraw`, as('approver'))).status,
    ).toBe(403);
    const withdrawn = await fixture.call(
      'POST',
      `/v1/access-requests/${second.body.id}/withdraw`,
      as('requester'),
    );
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', decidedBy: 'reza' });
    expect(await simulatorGrant(fixture, repository.slug, REQUESTER_ACCOUNT)).toBeNull();

    const listed = await fixture.call('GET', `${requestsPath()}?status=denied`, as('reader'));
    expect(listed.status).toBe(200);
    expect(listed.body.accessRequests.map((entry: { id: string }) => entry.id)).toEqual([first.body.id]);
    const bad = await fixture.call('GET', `${requestsPath()}?status=lost`, as('reader'));
    expect(bad.status).toBe(400);
  });

  it('records access that already exists as held: nothing granted, nothing to revoke later', async () => {
    const repository = fixture.seed.workspaces[0]!.repositories.find((entry) =>
      entry.userGrants.some((grant) => grant.permission === 'admin'),
    )!;
    const holder = repository.userGrants.find((grant) => grant.permission === 'admin')!.accountId;
    const created = await fixture.call('POST', requestsPath(), {
      ...as('requester'),
      body: ask(repository.slug, holder, { durationMinutes: 5 }),
    });
    const approved = await fixture.call(
      'POST',
      `/v1/access-requests/${created.body.id}/approve`,
      as('approver'),
    );
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ status: 'active', alreadyHeld: true });
    expect(approved.body.expiresAt).toBeUndefined();
    expect(await simulatorGrant(fixture, repository.slug, holder)).toBe('admin');
  });

  it('publishes every state change with its actor', async () => {
    const published: AccessRequestChange[] = [];
    const variant = await fixture.variant({
      accessRequestEvents: {
        publish: async (change) => {
          published.push(change);
        },
      },
    });
    const repository = repositoryWithoutGrant(REQUESTER_ACCOUNT, 3);
    const created = await variant.call('POST', requestsPath(), {
      ...as('requester'),
      body: ask(repository.slug, REQUESTER_ACCOUNT, { permission: 'read' }),
    });
    await variant.call('POST', `/v1/access-requests/${created.body.id}/approve`, as('approver'));
    expect(published.map((change) => [change.previousStatus, change.status, change.actor])).toEqual([
      [null, 'pending', 'reza'],
      ['pending', 'approved', 'april'],
      ['approved', 'active', 'april'],
    ]);
    expect(published[2]).toMatchObject({
      id: created.body.id,
      workspace: fixture.workspace.slug,
      request: { permission: 'read', provisioningRequestId: expect.any(String) },
    });
  });

  it('refuses requests from readers, for unknown resources, and bad durations', async () => {
    const repository = repositoryWithoutGrant(REQUESTER_ACCOUNT, 2);
    const reader = await fixture.call('POST', requestsPath(), {
      ...as('reader'),
      body: ask(repository.slug, REQUESTER_ACCOUNT),
    });
    expect(reader.status).toBe(403);
    expect(reader.body.error.details).toEqual({
      requiredRole: 'requester',
      workspace: fixture.workspace.slug,
    });
    const unknown = await fixture.call('POST', requestsPath(), {
      ...as('requester'),
      body: ask('no-such-repo', REQUESTER_ACCOUNT),
    });
    expect(unknown.status).toBe(404);
    for (const durationMinutes of [0, 43_201, 1.5]) {
      const answer = await fixture.call('POST', requestsPath(), {
        ...as('requester'),
        body: ask(repository.slug, REQUESTER_ACCOUNT, { durationMinutes }),
      });
      expect(answer.status, String(durationMinutes)).toBe(400);
      expect(answer.body.error.details.field).toBe('durationMinutes');
    }
    const missing = await fixture.call('GET', '/v1/access-requests/ar-unknown', as('reader'));
    expect(missing.status).toBe(404);
  });
});
