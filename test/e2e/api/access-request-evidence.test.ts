// Every step of an access request is evidence: the request, its decision, its activation and its expiry
// are change records naming the caller (beside the provisioning records of the grant and revocation), the
// export names the active request behind a row, and an approval a crash left `approved` is completed by
// the expiry job exactly once, whether the grant had been made or not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningDependenciesOf } from '../../../lib/api/provisioning-handlers.js';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { runProvisioningRequest } from '../../../lib/provisioning/index.js';
import { RESUME_APPROVAL_AFTER_MS } from '../../../lib/requests/grant-expiry.js';
import type { AccessRequestRecord } from '../../../lib/store/access-requests.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { memberAndRepository, runExpiry, simulatorGrant } from './access-request-support.js';

let fixture: ApiFixture;
const SEED = 'generated:users=12,groups=2,projects=2,repos=6,seed=11';

const token = (name: string) => `${name}-token-Hq8XvR2mT5kLw9Yp3Zn7Bc4Jd6Fg1Ks`;
const CALLERS: LocalTokenEntry[] = [
  { token: token('requester'), principal: 'reza', roles: ['requester', 'reader'], workspaces: ['*'] },
  { token: token('approver'), principal: 'april', roles: ['approver'], workspaces: ['*'] },
];
const as = (name: string) => ({ token: token(name) });

beforeAll(async () => {
  fixture = await startApiFixture(SEED, { callers: CALLERS });
});
afterAll(async () => {
  await fixture?.close();
});

const ws = () => fixture.workspace.slug;

async function createRequest(body: Record<string, unknown>) {
  const created = await fixture.call('POST', `/v1/workspaces/${ws()}/access-requests`, {
    ...as('requester'),
    body: { reason: 'incident 4711', ...body },
  });
  expect(created.status, created.text).toBe(201);
  return created.body as AccessRequestRecord;
}

interface ChangeEntry {
  cause: string;
  actor: string;
  item: string;
  before: { status?: string } | null;
  after: { status?: string; kind?: string } | null;
}

async function changesSince(since: string): Promise<ChangeEntry[]> {
  const answer = await fixture.call(
    'GET',
    `/v1/workspaces/${ws()}/changes?since=${encodeURIComponent(since)}`,
    as('requester'),
  );
  expect(answer.status, answer.text).toBe(200);
  return (answer.body as { changes: ChangeEntry[] }).changes;
}

interface Row {
  accountId: string;
  resourceName: string;
  accessRequests?: { id: string; decidedBy: string | null; expiresAt: string | null }[];
}

async function exportRows(): Promise<Row[]> {
  const answer = await fixture.call('GET', `/v1/workspaces/${ws()}/export?format=json`, as('requester'));
  expect(answer.status, answer.text).toBe(200);
  return (answer.body as { rows: Row[] }).rows;
}

describe('access requests as evidence', () => {
  it('records the request, decision, activation and expiry with their callers, in /changes', async () => {
    const since = new Date().toISOString();
    const { accountId, slug } = memberAndRepository(fixture, 0);
    const request = await createRequest({
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission: 'write',
      durationMinutes: 1,
    });
    const approved = await fixture.call('POST', `/v1/access-requests/${request.id}/approve`, as('approver'));
    expect(approved.body.status, approved.text).toBe('active');
    await runExpiry(fixture, new Date(Date.parse(approved.body.expiresAt) + 1_000));

    const changes = await changesSince(since);
    const steps = changes
      .filter((change) => change.item === `access-request/${request.id}`)
      .map((change) => [change.cause, change.actor, change.before?.status ?? null, change.after?.status]);
    expect(steps).toEqual([
      ['access-request', 'reza', null, 'pending'],
      ['access-request', 'april', 'pending', 'approved'],
      ['access-request', 'april', 'approved', 'active'],
      ['access-request', 'grant-expiry', 'active', 'expired'],
    ]);
    const grantChanges = changes
      .filter((change) => change.cause === 'provisioning' && change.item.endsWith(`/user/${accountId}`))
      .map((change) => change.actor);
    expect(grantChanges).toEqual(['april', 'grant-expiry']);
  });

  it('writes nothing, not even a change record, for a decision that lost the race', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 1);
    const request = await createRequest({
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission: 'read',
    });
    const since = new Date().toISOString();
    expect(
      (await fixture.call('POST', `/v1/access-requests/${request.id}/deny`, as('approver'))).status,
    ).toBe(200);
    const second = await fixture.call('POST', `/v1/access-requests/${request.id}/deny`, as('approver'));
    expect(second.status).toBe(409);
    const steps = (await changesSince(since)).filter(
      (change) => change.item === `access-request/${request.id}`,
    );
    expect(steps.map((change) => change.after?.status)).toEqual(['denied']);
  });

  it('names the active request behind a row in the export, in JSON and CSV, until it expires', async () => {
    const { accountId, slug } = memberAndRepository(fixture, 2);
    const request = await createRequest({
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission: 'admin',
      durationMinutes: 30,
    });
    const approved = await fixture.call('POST', `/v1/access-requests/${request.id}/approve`, as('approver'));
    const row = (await exportRows()).find(
      (entry) => entry.accountId === accountId && entry.resourceName === slug,
    );
    expect(row?.accessRequests).toEqual([
      expect.objectContaining({ id: request.id, decidedBy: 'april', expiresAt: approved.body.expiresAt }),
    ]);
    // Rows no request explains carry no field.
    const others = (await exportRows()).filter((entry) => entry !== row && entry.accountId !== accountId);
    expect(others.every((entry) => entry.accessRequests === undefined)).toBe(true);

    const csv = await fixture.call('GET', `/v1/workspaces/${ws()}/export?format=csv`, as('requester'));
    const text = (csv.body as { csv: string }).csv;
    expect(text.split('\r\n')[0]).toMatch(/,rolePaths,accessRequests$/);
    expect(text).toContain(`${request.id}: admin approved by april until ${approved.body.expiresAt}`);

    await runExpiry(fixture, new Date(Date.parse(approved.body.expiresAt) + 1_000));
    const after = (await exportRows()).filter((entry) => entry.accountId === accountId);
    expect(after.some((entry) => entry.accessRequests !== undefined)).toBe(false);
  });

  it('records no change and keeps first-seen when the approved access was already held', async () => {
    const workspace = fixture.seed.workspaces[0]!;
    const repository = workspace.repositories.find((entry) => entry.userGrants.length > 0)!;
    const { accountId, permission } = repository.userGrants[0]!;
    const rowOf = async () =>
      (await exportRows()).find(
        (entry) => entry.accountId === accountId && entry.resourceName === repository.slug,
      ) as (Row & { firstSeen: string }) | undefined;
    const firstSeen = (await rowOf())?.firstSeen;
    expect(firstSeen).toEqual(expect.any(String));
    const since = new Date().toISOString();
    const request = await createRequest({
      resource: { type: 'repository', slug: repository.slug },
      principal: { type: 'user', accountId },
      permission,
    });
    const approved = await fixture.call('POST', `/v1/access-requests/${request.id}/approve`, as('approver'));
    expect(approved.body).toMatchObject({ status: 'active', alreadyHeld: true });
    const provisioning = (await changesSince(since)).filter((change) => change.cause === 'provisioning');
    expect(provisioning).toEqual([]);
    expect((await rowOf())?.firstSeen).toBe(firstSeen);
  });

  it('names a group-membership request on every row reached through that group', async () => {
    const workspace = fixture.seed.workspaces[0]!;
    const group = workspace.groups.find((entry) =>
      workspace.repositories.some((repo) => repo.groupGrants.some((grant) => grant.group === entry.slug)),
    )!;
    const accountId = workspace.members.find(
      (member) => member.role === 'member' && !group.members.includes(member.accountId),
    )!.accountId;
    const request = await createRequest({
      resource: { type: 'group', slug: group.slug },
      principal: { type: 'user', accountId },
      permission: 'member',
    });
    expect(
      (await fixture.call('POST', `/v1/access-requests/${request.id}/approve`, as('approver'))).body.status,
    ).toBe('active');
    const viaGroup = workspace.repositories
      .filter((repo) => repo.groupGrants.some((grant) => grant.group === group.slug))
      .map((repo) => repo.slug);
    const rows = (await exportRows()).filter(
      (entry) => entry.accountId === accountId && viaGroup.includes(entry.resourceName),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.accessRequests?.map((entry) => entry.id)).toEqual([request.id]);
  });
});

describe('an approval interrupted by a crash', () => {
  /** A pending request moved to `approved` long enough ago, as a crash right after the decision leaves it. */
  async function leftApproved(offset: number, permission: string) {
    const { accountId, slug } = memberAndRepository(fixture, offset);
    const request = await createRequest({
      resource: { type: 'repository', slug },
      principal: { type: 'user', accountId },
      permission,
      durationMinutes: 10,
    });
    const stored = (await fixture.dependencies.accessRequests.get(request.id))!;
    const decidedAt = new Date(Date.now() - RESUME_APPROVAL_AFTER_MS - 1_000).toISOString();
    const decided = { status: 'approved' as const, decidedBy: 'april', decidedAt };
    expect(
      await fixture.dependencies.accessRequests.transition(stored, decided, {
        actor: 'april',
        at: decidedAt,
      }),
    ).toBe(true);
    return { request: { ...stored, ...decided }, accountId, slug };
  }

  it('is granted by the next expiry run, once, and not before its claim could have lapsed', async () => {
    const { request, accountId, slug } = await leftApproved(3, 'write');
    // Too soon after the decision: a live approval may still be granting.
    const early = await runExpiry(fixture, new Date(Date.parse(request.decidedAt) + 1_000));
    expect(early.resumed).toEqual([]);

    const report = await runExpiry(fixture, new Date());
    expect(report.resumed).toEqual([{ id: request.id, status: 'active' }]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBe('write');
    const now = await fixture.call('GET', `/v1/access-requests/${request.id}`, as('approver'));
    expect(now.body).toMatchObject({ status: 'active', alreadyHeld: false, previousPermission: null });
    expect(now.body.expiresAt).toEqual(expect.any(String));
    expect((await runExpiry(fixture, new Date())).resumed).toEqual([]);
  });

  it('reads a grant made before the crash as granted (a replay), so expiry will revoke it', async () => {
    const { request, accountId, slug } = await leftApproved(4, 'write');
    // The crash came after Bitbucket answered the grant and before the request said `active`.
    const first = await runProvisioningRequest(provisioningDependenciesOf(fixture.dependencies), {
      workspace: (await fixture.dependencies.store.listWorkspaces())[0]!,
      action: 'grant',
      actor: 'april',
      idempotencyKey: `access-request ${request.id}`,
      body: {
        resource: request.resource as never,
        principal: request.principal as never,
        permission: 'write' as never,
        replace: false,
        dryRun: false,
      },
    });
    expect(first.kind).toBe('provisioned');
    const requestsBefore = await fixture.harness.requestTotal();

    const report = await runExpiry(fixture, new Date());
    expect(report.resumed).toEqual([{ id: request.id, status: 'active' }]);
    expect(await fixture.harness.requestTotal()).toBe(requestsBefore);
    const now = await fixture.call('GET', `/v1/access-requests/${request.id}`, as('approver'));
    expect(now.body).toMatchObject({
      status: 'active',
      alreadyHeld: false,
      provisioningRequestId: first.requestId,
    });

    const expired = await runExpiry(fixture, new Date(Date.parse(now.body.expiresAt) + 1_000));
    expect(expired.outcomes.filter((outcome) => outcome.id === request.id)).toEqual([
      { id: request.id, outcome: 'revoked' },
    ]);
    expect(await simulatorGrant(fixture, slug, accountId)).toBeNull();
  });
});
