// Time-boxed grants against the simulator and DynamoDB Local: once `expiresAt` passes, the expiry job
// revokes exactly what the approval granted, once, restores a permission the grant raised, and leaves a
// grant someone changed meanwhile alone, saying so on the request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { memberAndRepository, runExpiry, simulatorGrant } from './access-request-support.js';

/** The outcomes of an expiry run as if `at` were now. */
const expireAt = async (at: Date) => (await runExpiry(fixture, at)).outcomes;

let fixture: ApiFixture;
const SEED = 'generated:users=12,groups=2,projects=2,repos=6,seed=9';

const token = (name: string) => `${name}-token-Zq8XvR2mT5kLw9Yp3Hn7Bc4Jd6Fg1Ks`;
const CALLERS: LocalTokenEntry[] = [
  { token: token('requester'), principal: 'reza', roles: ['requester'], workspaces: ['*'] },
  { token: token('approver'), principal: 'april', roles: ['approver'], workspaces: ['*'] },
];

beforeAll(async () => {
  fixture = await startApiFixture(SEED, { callers: CALLERS });
});
afterAll(async () => {
  await fixture?.close();
});

const as = (name: string) => ({ token: token(name) });

/** Creates and approves a request for `minutes`; answers the active request. */
async function activeGrant(slug: string, accountId: string, permission: string, minutes: number) {
  const created = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/access-requests`, {
    ...as('requester'),
    body: {
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission,
      durationMinutes: minutes,
      reason: 'incident',
    },
  });
  const approved = await fixture.call(
    'POST',
    `/v1/access-requests/${created.body.id}/approve`,
    as('approver'),
  );
  expect(approved.body.status, approved.text).toBe('active');
  return approved.body as { id: string; expiresAt: string };
}

describe('time-boxed grants', () => {
  it('revokes what the request granted once it expires, exactly once', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 0);
    const grant = await activeGrant(slug, accountId, 'write', 1);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('write');

    // Not yet due: nothing happens.
    expect(await expireAt(new Date(Date.parse(grant.expiresAt) - 1_000))).toEqual([]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('write');

    const after = new Date(Date.parse(grant.expiresAt) + 1_000);
    const outcomes = await expireAt(after);
    expect(outcomes).toEqual([{ id: grant.id, outcome: 'revoked' }]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBeNull();
    const request = await fixture.call('GET', `/v1/access-requests/${grant.id}`, as('approver'));
    expect(request.body).toMatchObject({ status: 'expired', expiry: { outcome: 'revoked' } });

    // A second run finds nothing due and writes nothing.
    const before = await fixture.harness.requestTotal();
    expect(await expireAt(after)).toEqual([]);
    expect(await fixture.harness.requestTotal()).toBe(before);
  });

  it('restores the permission the grant raised', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 1);
    await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/grants`, {
      body: {
        resource: { type: 'repository', slug },
        principal: { type: 'user', accountId },
        permission: 'read',
      },
    });
    const grant = await activeGrant(slug, accountId, 'admin', 5);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('admin');
    const outcomes = await expireAt(new Date(Date.parse(grant.expiresAt) + 1_000));
    expect(outcomes).toEqual([{ id: grant.id, outcome: 'restored', detail: 'restored read' }]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('read');
  });

  it('leaves a grant someone changed meanwhile alone, and says so', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 2);
    const grant = await activeGrant(slug, accountId, 'write', 5);
    // Someone raised it to admin by hand; the sync (or a refresh) has seen it.
    await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/grants`, {
      body: {
        resource: { type: 'repository', slug },
        principal: { type: 'user', accountId },
        permission: 'admin',
      },
    });
    const [outcome] = await expireAt(new Date(Date.parse(grant.expiresAt) + 1_000));
    expect(outcome).toMatchObject({ id: grant.id, outcome: 'left-alone' });
    expect(outcome?.detail).toMatch(/^changed meanwhile: /);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('admin');
    const request = await fixture.call('GET', `/v1/access-requests/${grant.id}`, as('approver'));
    expect(request.body).toMatchObject({ status: 'expired', expiry: { outcome: 'left-alone' } });
  });
});
