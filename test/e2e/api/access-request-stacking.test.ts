// Requests that meet on one target, and the guards around deciding: expiry of one request never takes
// away what another active request still promises, nor leaves a temporary permission behind as if it
// were standing; only a pending request can be withdrawn; nobody approves a grant to a group they are in;
// only approvers decide; a request is invisible (404) to callers without a role on its workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { loadSeed } from '../../../lib/simulator/index.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { memberAndRepository, runExpiry, simulatorGrant } from './access-request-support.js';

/** The outcomes of an expiry run as if `at` were now. */
const expireAt = async (at: Date) => (await runExpiry(fixture, at)).outcomes;

let fixture: ApiFixture;
const SEED = 'generated:users=12,groups=2,projects=2,repos=6,seed=13';

const token = (name: string) => `${name}-token-Pq8XvR2mT5kLw9Yp3Zn7Bc4Jd6Fg1Ks`;
let approverAccount: string;
const as = (name: string) => ({ token: token(name) });

beforeAll(async () => {
  // The approver is a member of the seed's first group: read from the seed before the fixture starts.
  const seed = loadSeed(SEED);
  const group = seed.workspaces[0]!.groups.find((entry) => entry.members.length > 0)!;
  approverAccount = group.members[0]!;
  const callers: LocalTokenEntry[] = [
    { token: token('requester'), principal: 'reza', roles: ['requester'], workspaces: ['*'] },
    { token: token('approver'), principal: 'april', roles: ['approver'], workspaces: ['*'] },
    { token: token('outsider'), principal: 'otto', roles: ['approver'], workspaces: ['elsewhere'] },
    {
      token: token('member'),
      principal: 'mona',
      accountId: approverAccount,
      roles: ['approver'],
      workspaces: ['*'],
    },
  ];
  fixture = await startApiFixture(seed, { callers });
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});

const ws = () => fixture.workspace.slug;

async function request(body: Record<string, unknown>) {
  const created = await fixture.call('POST', `/v1/workspaces/${ws()}/access-requests`, {
    ...as('requester'),
    body: { reason: 'stacking', ...body },
  });
  expect(created.status, created.text).toBe(201);
  return created.body as { id: string };
}

async function approvedGrant(slug: string, accountId: string, permission: string, minutes: number) {
  const { id } = await request({
    resource: { type: 'repository', slug },
    principal: { type: 'user', accountId },
    permission,
    durationMinutes: minutes,
  });
  const approved = await fixture.call('POST', `/v1/access-requests/${id}/approve`, as('approver'));
  expect(approved.body.status, approved.text).toBe('active');
  return approved.body as { id: string; expiresAt?: string; activatedAt: string; alreadyHeld: boolean };
}

const get = async (id: string) =>
  (await fixture.call('GET', `/v1/access-requests/${id}`, as('approver'))).body;

const after = (iso: string, ms = 1_000) => new Date(Date.parse(iso) + ms);

describe('stacked requests on one target', () => {
  it('a longer write on top of a shorter read: the read’s expiry leaves write, the write’s revokes all', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 0, [approverAccount]);
    const short = await approvedGrant(slug, accountId, 'read', 1);
    const long = await approvedGrant(slug, accountId, 'write', 5);
    expect((await get(long.id)).previousPermission).toBe('read');

    const first = await expireAt(after(short.expiresAt!));
    expect(first).toEqual([
      { id: short.id, outcome: 'left-alone', detail: `still held by access request ${long.id}` },
    ]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('write');
    // The write now answers for itself: what stood before both was nothing.
    expect((await get(long.id)).previousPermission).toBeNull();

    expect(await expireAt(after(long.expiresAt!))).toEqual([{ id: long.id, outcome: 'revoked' }]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBeNull();
  });

  it('a long read approved while a short write held it: the write’s expiry restores read for the rest', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 1, [approverAccount]);
    const write = await approvedGrant(slug, accountId, 'write', 1);
    const read = await approvedGrant(slug, accountId, 'read', 30);
    expect(read.alreadyHeld).toBe(true);

    expect(await expireAt(after(write.expiresAt!))).toEqual([
      { id: write.id, outcome: 'restored', detail: 'restored read' },
    ]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('read');
    const handedOver = await get(read.id);
    expect(handedOver).toMatchObject({ status: 'active', alreadyHeld: false, previousPermission: null });
    expect(handedOver.expiresAt).toBe(new Date(Date.parse(read.activatedAt) + 30 * 60_000).toISOString());

    expect(await expireAt(after(handedOver.expiresAt))).toEqual([{ id: read.id, outcome: 'revoked' }]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBeNull();
  });
});

describe('deciding and withdrawing', () => {
  it('withdraws only a pending request: an active or expired one answers 409 and keeps its grant', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 2, [approverAccount]);
    const grant = await approvedGrant(slug, accountId, 'write', 1);
    const withdraw = await fixture.call('POST', `/v1/access-requests/${grant.id}/withdraw`, as('requester'));
    expect(withdraw.status).toBe(409);
    expect(withdraw.body.error.details).toMatchObject({ reason: 'not-pending', status: 'active' });
    expect(await get(grant.id)).toMatchObject({ status: 'active', decidedBy: 'april' });

    await expireAt(after(grant.expiresAt!));
    const late = await fixture.call('POST', `/v1/access-requests/${grant.id}/withdraw`, as('requester'));
    expect(late.status).toBe(409);
    expect((await get(grant.id)).status).toBe('expired');
  });

  it('refuses an approver a grant to a group they are in, and a requester any decision', async () => {
    const group = fixture.seed.workspaces[0]!.groups.find((entry) =>
      entry.members.includes(approverAccount),
    )!;
    const { slug } = memberAndRepository(fixture, 3, [approverAccount]);
    const { id } = await request({
      resource: { type: 'repository', slug },
      principal: { type: 'group', slug: group.slug },
      permission: 'read',
    });
    const own = await fixture.call('POST', `/v1/access-requests/${id}/approve`, as('member'));
    expect(own.status).toBe(403);
    expect(own.body.error.details.reason).toBe('own-group');
    const requester = await fixture.call('POST', `/v1/access-requests/${id}/deny`, as('requester'));
    expect(requester.status).toBe(403);
    expect(requester.body.error.details.requiredRole).toBe('approver');
    expect((await get(id)).status).toBe('pending');
  });

  it('refuses control characters in a reason or comment, keeping newlines and tabs', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 4, [approverAccount]);
    const body = {
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission: 'read',
    };
    const forged = await fixture.call('POST', `/v1/workspaces/${ws()}/access-requests`, {
      ...as('requester'),
      body: { ...body, reason: '\u001b[2J\u001b[31mAPPROVED BY SECURITY' },
    });
    expect(forged.status).toBe(400);
    expect(forged.text).toContain('reason');
    const { id } = await request({ ...body, reason: 'two lines:\n\tincident 12' });
    const comment = await fixture.call('POST', `/v1/access-requests/${id}/deny`, {
      ...as('approver'),
      body: { comment: 'no\u0007' },
    });
    expect(comment.status).toBe(400);
    expect((await get(id)).status).toBe('pending');
  });

  it('answers 404 to a caller with roles only on another workspace, for reads and decisions alike', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 4, [approverAccount]);
    const { id } = await request({
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission: 'read',
    });
    for (const [method, path] of [
      ['GET', `/v1/access-requests/${id}`],
      ['POST', `/v1/access-requests/${id}/approve`],
      ['POST', `/v1/access-requests/${id}/withdraw`],
    ] as const) {
      const answer = await fixture.call(method, path, as('outsider'));
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
  });

  it('takes an Idempotency-Key on create: a retry answers the first request, another body 422', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 5, [approverAccount]);
    const body = {
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission: 'read',
      reason: 'retried create',
    };
    const create = (extra: Record<string, unknown>, caller = 'requester') =>
      fixture.call('POST', `/v1/workspaces/${ws()}/access-requests`, {
        ...as(caller),
        headers: { 'Idempotency-Key': 'ticket-4711' },
        body: { ...body, ...extra },
      });
    const first = await create({});
    const again = await create({});
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    const pending = await fixture.call(
      'GET',
      `/v1/workspaces/${ws()}/access-requests?status=pending`,
      as('approver'),
    );
    expect(
      pending.body.accessRequests.filter((entry: { reason: string }) => entry.reason === 'retried create'),
    ).toHaveLength(1);
    const reused = await create({ permission: 'write' });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
  });
});
