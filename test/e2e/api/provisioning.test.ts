// Grants and revocations through the local HTTP adapter and the real handler, against the simulator and
// DynamoDB Local: read-before-write, no silent downgrade, revocations that name their permission, dry
// runs that send nothing, idempotent replays and concurrent duplicates with one Bitbucket write.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countRequests, startApiFixture, type ApiFixture } from './api-fixture.js';

let fixture: ApiFixture;
const SEED = 'generated:users=40,groups=5,projects=4,repos=20,seed=11';

beforeAll(async () => {
  fixture = await startApiFixture(SEED);
});
afterAll(async () => {
  await fixture?.close();
});
beforeEach(async () => {
  await fixture.clearRequestLog();
  await fixture.harness.control('DELETE', '/_simulator/faults');
});

const REPO_USERS = 'permissions-config/users';

function ws() {
  return fixture.seed.workspaces[0]!;
}

async function truth() {
  return (await fixture.harness.groundTruth()).workspaces[0]!;
}

/** A plain member holding no explicit grant on the repository, distinct per test by `offset`. */
function memberWithoutGrant(repositorySlug: string, offset: number) {
  const repository = ws().repositories.find((entry) => entry.slug === repositorySlug)!;
  const granted = new Set(repository.userGrants.map((grant) => grant.accountId));
  const candidates = ws().members.filter((m) => m.role === 'member' && !granted.has(m.accountId));
  return candidates[offset]!.accountId;
}

const grantsPath = () => `/v1/workspaces/${fixture.workspace.slug}/grants`;
const revocationsPath = () => `/v1/workspaces/${fixture.workspace.slug}/revocations`;

function repoGrant(slug: string, accountId: string, permission: string, extra: Record<string, unknown> = {}) {
  return {
    resource: { type: 'repository', slug },
    principal: { type: 'user', accountId },
    permission,
    ...extra,
  };
}

describe('grants and revocations', () => {
  it('grants a repository permission: reads first, writes once, stores it at once with the caller as actor', async () => {
    const slug = ws().repositories[0]!.slug;
    const accountId = memberWithoutGrant(slug, 0);
    const before = new Date().toISOString();
    const ledgerBefore = await fixture.harness.ledger.spentInLastHour(new Date());
    const answer = await fixture.call('POST', grantsPath(), { body: repoGrant(slug, accountId, 'write') });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      action: 'grant',
      changed: true,
      previous: null,
      current: 'write',
      basis: 'bitbucket',
      principal: { type: 'user', id: accountId },
      resource: { type: 'repository', slug },
    });
    expect(answer.body.calls.map((c: { method: string; sent: boolean }) => [c.method, c.sent])).toEqual([
      ['GET', true],
      ['PUT', true],
    ]);
    const counts = await fixture.requestsByRoute();
    expect(countRequests(counts, 'GET', REPO_USERS)).toBe(1);
    expect(countRequests(counts, 'PUT', REPO_USERS)).toBe(1);
    // Both requests are on the shared hourly ledger, under purpose 'provisioning'.
    const ledgerAfter = await fixture.harness.ledger.spentInLastHour(new Date());
    expect((ledgerAfter.byPurpose.provisioning ?? 0) - (ledgerBefore.byPurpose.provisioning ?? 0)).toBe(2);

    const repository = (await truth()).repositories.find((entry) => entry.slug === slug)!;
    expect(repository.userGrants).toContainEqual({ accountId, permission: 'write' });

    // The store knows at once: the user's access answer shows the direct path without any sync.
    const access = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/users/${accountId}/access`,
    );
    const entry = access.body.repositories.find((r: { slug: string }) => r.slug === slug);
    expect(entry.paths).toContainEqual({ via: 'direct', permission: 'write' });

    const changes = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/changes?since=${encodeURIComponent(before)}`,
    );
    const record = changes.body.changes.find((c: { item: string }) => c.item.includes(`/user/${accountId}`));
    expect(record).toMatchObject({ cause: 'provisioning', actor: 'local', before: null });
    expect(record.after).toMatchObject({ entitlement: 'write' });

    const stored = await fixture.call('GET', `/v1/requests/${answer.body.requestId}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      id: answer.body.requestId,
      workspace: fixture.workspace.slug,
      action: 'grant',
      actor: 'local',
      state: 'completed',
      answer: { status: 200, body: answer.body },
    });
    expect(stored.body.calls).toHaveLength(2);
  });

  it('answers changed:false for an already-true state and sends no write', async () => {
    const slug = ws().repositories[1]!.slug;
    const accountId = memberWithoutGrant(slug, 1);
    expect(
      (await fixture.call('POST', grantsPath(), { body: repoGrant(slug, accountId, 'read') })).status,
    ).toBe(200);
    await fixture.clearRequestLog();
    const again = await fixture.call('POST', grantsPath(), { body: repoGrant(slug, accountId, 'read') });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ changed: false, previous: 'read', current: 'read' });
    const counts = await fixture.requestsByRoute();
    expect(countRequests(counts, 'GET', REPO_USERS)).toBe(1);
    expect(countRequests(counts, 'PUT', REPO_USERS)).toBe(0);
  });

  it('refuses a downgrade with 409 and does it with replace:true', async () => {
    const slug = ws().repositories[2]!.slug;
    const accountId = memberWithoutGrant(slug, 2);
    await fixture.call('POST', grantsPath(), { body: repoGrant(slug, accountId, 'admin') });
    await fixture.clearRequestLog();
    const refused = await fixture.call('POST', grantsPath(), { body: repoGrant(slug, accountId, 'read') });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'conflict',
      details: { reason: 'would-downgrade', current: 'admin', requested: 'read' },
    });
    expect(countRequests(await fixture.requestsByRoute(), 'PUT', REPO_USERS)).toBe(0);
    const replaced = await fixture.call('POST', grantsPath(), {
      body: repoGrant(slug, accountId, 'read', { replace: true }),
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ changed: true, previous: 'admin', current: 'read' });
    const repository = (await truth()).repositories.find((entry) => entry.slug === slug)!;
    expect(repository.userGrants).toContainEqual({ accountId, permission: 'read' });
  });

  it('revokes only the permission it names', async () => {
    const slug = ws().repositories[3]!.slug;
    const accountId = memberWithoutGrant(slug, 3);
    await fixture.call('POST', grantsPath(), { body: repoGrant(slug, accountId, 'admin') });
    await fixture.clearRequestLog();
    const other = await fixture.call('POST', revocationsPath(), {
      body: repoGrant(slug, accountId, 'write'),
    });
    expect(other.status).toBe(409);
    expect(other.body.error.details).toMatchObject({ reason: 'permission-differs', current: 'admin' });
    expect(countRequests(await fixture.requestsByRoute(), 'DELETE', REPO_USERS)).toBe(0);

    const revoked = await fixture.call('POST', revocationsPath(), {
      body: repoGrant(slug, accountId, 'admin'),
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ action: 'revoke', changed: true, previous: 'admin', current: null });
    const repository = (await truth()).repositories.find((entry) => entry.slug === slug)!;
    expect(repository.userGrants.some((grant) => grant.accountId === accountId)).toBe(false);

    const again = await fixture.call('POST', revocationsPath(), {
      body: repoGrant(slug, accountId, 'admin'),
    });
    expect(again.body).toMatchObject({ changed: false, previous: null, current: null });
  });

  it('adds and removes a group member through the 1.0 group API', async () => {
    const group = ws().groups[0]!;
    const accountId = ws().members.find(
      (m) => m.role === 'member' && !group.members.includes(m.accountId),
    )!.accountId;
    const body = {
      resource: { type: 'group', slug: group.slug },
      principal: { type: 'user', accountId },
      permission: 'member',
    };
    const added = await fixture.call('POST', grantsPath(), { body });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ changed: true, previous: null, current: 'member' });
    expect((await truth()).groups.find((g) => g.slug === group.slug)!.members).toContain(accountId);
    const members = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/groups/${group.slug}/access`,
    );
    expect(members.body.users.map((u: { accountId: string }) => u.accountId)).toContain(accountId);

    const removed = await fixture.call('POST', revocationsPath(), { body });
    expect(removed.body).toMatchObject({ changed: true, previous: 'member', current: null });
    expect((await truth()).groups.find((g) => g.slug === group.slug)!.members).not.toContain(accountId);
    const counts = await fixture.requestsByRoute();
    expect(countRequests(counts, 'PUT', '/1.0/groups/')).toBe(1);
    expect(countRequests(counts, 'DELETE', '/1.0/groups/')).toBe(1);
  });

  it('grants a project permission to a group, naming the project by key', async () => {
    const project = ws().projects[1]!;
    const group = ws().groups.find((g) => !project.groupGrants.some((grant) => grant.group === g.slug))!;
    const answer = await fixture.call('POST', grantsPath(), {
      body: {
        resource: { type: 'project', key: project.key },
        principal: { type: 'group', slug: group.slug },
        permission: 'create-repo',
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      changed: true,
      current: 'create-repo',
      resource: { key: project.key },
    });
    const stored = (await truth()).projects.find((p) => p.key === project.key)!;
    expect(stored.groupGrants).toContainEqual({ group: group.slug, permission: 'create-repo' });
    const access = await fixture.call(
      'GET',
      `/v1/workspaces/${fixture.workspace.slug}/projects/${project.key}/access`,
    );
    const member = group.members[0];
    if (member) {
      const user = access.body.users.find((u: { accountId: string }) => u.accountId === member);
      expect(user.paths).toContainEqual({ via: 'group', group: group.slug, permission: 'create-repo' });
    }
  });

  it('dry runs report the calls they would make and send nothing upstream', async () => {
    const slug = ws().repositories[4]!.slug;
    const accountId = memberWithoutGrant(slug, 4);
    const before = await truth();
    const answer = await fixture.call('POST', grantsPath(), {
      body: repoGrant(slug, accountId, 'admin', { dryRun: true }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      dryRun: true,
      basis: 'store',
      changed: true,
      previous: null,
      current: 'admin',
    });
    expect(answer.body.calls).toEqual([
      expect.objectContaining({ method: 'GET', sent: false }),
      expect.objectContaining({
        method: 'PUT',
        sent: false,
        path: expect.stringContaining(`/${slug}/permissions-config/users/`),
      }),
    ]);
    const revoke = await fixture.call('POST', revocationsPath(), {
      body: repoGrant(slug, accountId, 'admin', { dryRun: true }),
    });
    expect(revoke.body).toMatchObject({ dryRun: true, changed: false });
    const log = await fixture.harness.control<{ total: number }>('GET', '/_simulator/requests');
    expect(log.total).toBe(0);
    expect(await truth()).toEqual(before);
  });
});

describe('idempotency', () => {
  it('replays the first answer for the same key and body, and refuses the key with another body (422)', async () => {
    const slug = ws().repositories[5]!.slug;
    const accountId = memberWithoutGrant(slug, 5);
    const headers = { 'idempotency-key': `replay-${Date.now()}` };
    const first = await fixture.call('POST', grantsPath(), {
      body: repoGrant(slug, accountId, 'write'),
      headers,
    });
    expect(first.status).toBe(200);
    expect(first.body.changed).toBe(true);
    const replay = await fixture.call('POST', grantsPath(), {
      body: repoGrant(slug, accountId, 'write'),
      headers,
    });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const counts = await fixture.requestsByRoute();
    expect(countRequests(counts, 'PUT', REPO_USERS)).toBe(1);
    expect(countRequests(counts, 'GET', REPO_USERS)).toBe(1);

    const reused = await fixture.call('POST', grantsPath(), {
      body: repoGrant(slug, accountId, 'admin'),
      headers,
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({
      code: 'idempotency_key_reused',
      details: { field: 'Idempotency-Key' },
    });
  });

  it('lets concurrent duplicates make one Bitbucket write: the others answer 409 in flight or replay', async () => {
    const slug = ws().repositories[6]!.slug;
    const accountId = memberWithoutGrant(slug, 6);
    // Slow the read so the duplicates arrive while the first is in flight.
    await fixture.harness.control('POST', '/_simulator/faults', {
      faults: [
        {
          kind: 'latency',
          ms: 400,
          match: { method: 'GET', pathPrefix: `/2.0/repositories/${fixture.workspace.slug}/${slug}/` },
        },
      ],
    });
    const headers = { 'idempotency-key': `concurrent-${Date.now()}` };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        fixture.call('POST', grantsPath(), { body: repoGrant(slug, accountId, 'write'), headers }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((status) => status === 409).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const inFlight = answers.find((answer) => answer.status === 409)!;
    expect(inFlight.body.error.details).toMatchObject({ reason: 'in-flight' });
    expect(countRequests(await fixture.requestsByRoute(), 'PUT', REPO_USERS)).toBe(1);
    // Once the first is done, the key replays its answer.
    const later = await fixture.call('POST', grantsPath(), {
      body: repoGrant(slug, accountId, 'write'),
      headers,
    });
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
  });
});
