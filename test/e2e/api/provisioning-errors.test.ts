// Every error status of the provisioning routes, through the adapter and the real handler: 400 naming
// the field, 401, 402 (plan user limit), 404 (workspace, resource, principal, request), 409, 422
// (Bitbucket's preconditions for a user grant, capability gaps), 429 (Bitbucket and our hourly budget,
// with Retry-After), 502 (with Bitbucket's status and words). Answers are checked against the OpenAPI
// document the API serves.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../lib/api/openapi.js';
import { generateSeed } from '../../../lib/simulator/index.js';
import { clientFor, countRequests, startApiFixture, type ApiFixture } from './api-fixture.js';
import { openApiValidator } from './openapi-validator.js';

let fixture: ApiFixture;
const matchesDocument = openApiValidator(buildOpenApiDocument() as never);
const GRANTS_PATH = '/v1/workspaces/{workspace}/grants';
/** A Bitbucket account that exists but was never a member of the workspace. */
const OUTSIDER = '557058:outsider-0001';

const READ_SCOPES = [
  'read:workspace:bitbucket',
  'read:user:bitbucket',
  'read:project:bitbucket',
  'read:repository:bitbucket',
];

beforeAll(async () => {
  const seed = generateSeed({ users: 30, groups: 4, projects: 3, repos: 10, seed: 5 });
  const workspace = seed.workspaces[0]!;
  const owner = workspace.members.find((member) => member.role === 'owner')!;
  seed.credentials.push({
    kind: 'api-token',
    email: 'reader@example.com',
    token: 'reader-token',
    accountId: owner.accountId,
    scopes: READ_SCOPES,
  });
  // One member fewer than the workspace has: re-adding a removed member hits the plan's user limit.
  workspace.planUserLimit = workspace.members.length - 1;
  seed.users.push({
    accountId: OUTSIDER,
    uuid: '{0b7e3a52-5d1f-4c39-9a51-0f0000000001}',
    displayName: 'Olive Outsider',
    nickname: 'olive',
    accountStatus: 'active',
  });
  fixture = await startApiFixture(seed);
});
afterAll(async () => {
  await fixture?.close();
});
beforeEach(async () => {
  await fixture.clearRequestLog();
  await fixture.harness.control('DELETE', '/_simulator/faults');
});

const ws = () => fixture.seed.workspaces[0]!;
const grants = (slug = fixture.workspace.slug) => `/v1/workspaces/${slug}/grants`;

function member(offset: number) {
  return ws().members.filter((m) => m.role === 'member')[offset]!.accountId;
}

function repoGrant(accountId: string, permission = 'write', slug = ws().repositories[0]!.slug) {
  return { resource: { type: 'repository', slug }, principal: { type: 'user', accountId }, permission };
}

/** A well-formed body; validation runs before anything is looked up. */
const BASE = {
  resource: { type: 'repository', slug: 'repo-01' },
  principal: { type: 'user', accountId: 'someone' },
  permission: 'write',
};

describe('400: validation names the field', () => {
  it('malformed JSON', async () => {
    const answer = await fixture.call('POST', grants(), { rawBody: '{"resource": ' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
    expect(answer.body.error.details.field).toBe('body');
    expect(answer.body.error.message).toMatch(/not valid JSON/);
  });

  it.each([
    [{ ...BASE, principal: { type: 'user' } }, 'principal.accountId'],
    [{ ...BASE, permission: 'create-repo' }, 'permission'],
    [{ ...BASE, permission: 'owner' }, 'permission'],
    [{ ...BASE, resource: { type: 'repository' } }, 'resource.slug'],
    [{ ...BASE, replace: 'yes' }, 'replace'],
    [{ ...BASE, colour: 'blue' }, 'colour'],
  ])('%j → field %s', async (body, field) => {
    const answer = await fixture.call('POST', grants(), { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe(field);
    expect(answer.body.error.message).toContain(field);
  });

  it('an Idempotency-Key that is not visible ASCII', async () => {
    const answer = await fixture.call('POST', grants(), {
      body: repoGrant(member(0)),
      headers: { 'idempotency-key': 'a b' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe('Idempotency-Key');
  });
});

describe('401 and 404', () => {
  it('401 without the token', async () => {
    const answer = await fixture.call('POST', grants(), {
      body: repoGrant(member(0)),
      token: 'wrong-token-0123456789',
    });
    expect(answer.status).toBe(401);
  });

  it('404 for an unknown workspace, resource, principal and request', async () => {
    const unknownWorkspace = await fixture.call('POST', grants('no-such-ws'), { body: repoGrant(member(0)) });
    expect(unknownWorkspace.status).toBe(404);
    expect(unknownWorkspace.body.error.details.field).toBe('workspace');
    const unknownRepository = await fixture.call('POST', grants(), {
      body: repoGrant(member(0), 'write', 'no-such-repo'),
    });
    expect(unknownRepository.status).toBe(404);
    expect(unknownRepository.body.error.details.field).toBe('resource');
    // A revocation names someone who holds something; a grant to an unknown user is a non-member (422).
    const unknownUser = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/revocations`, {
      body: repoGrant('557058:nobody'),
    });
    expect(unknownUser.status).toBe(404);
    expect(unknownUser.body.error.details.field).toBe('principal.accountId');
    const unknownRequest = await fixture.call('GET', '/v1/requests/req-00000000-0000-0000-0000-000000000000');
    expect(unknownRequest.status).toBe(404);
    expect((await fixture.harness.control<{ total: number }>('GET', '/_simulator/requests')).total).toBe(0);
  });
});

describe("422: Bitbucket's preconditions for a user grant, checked before any call", () => {
  const projectGrant = (accountId: string, permission = 'write') => ({
    resource: { type: 'project', key: ws().projects[0]!.key },
    principal: { type: 'user', accountId },
    permission,
  });

  it('a user who is not a workspace member: invite them or add them to a group; nothing is sent', async () => {
    for (const body of [repoGrant(OUTSIDER), projectGrant(OUTSIDER), repoGrant('557058:nobody')]) {
      const answer = await fixture.call('POST', grants(), { body });
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({
        code: 'not_grantable',
        details: { reason: 'not-workspace-member', storedRole: null },
      });
      expect(answer.body.error.message).toMatch(/not a member of workspace/);
      // Our own group-membership grant answers 404 for a user the store never saw: the advice is Bitbucket's.
      expect(answer.body.error.message).toMatch(
        /Invite them to the workspace, or add them to a group in Bitbucket \(in admin\.atlassian\.com when the workspace is administered by an Atlassian organization\)/,
      );
      expect(answer.body.error.message).toMatch(/let the sync read them/);
      expect(answer.body.error.message).not.toMatch(/one of its groups/);
      // How fresh the picture is that says so: the members listing the sync applied.
      const refreshedAt = answer.body.error.details.membersRefreshedAt as string;
      expect(Date.parse(refreshedAt)).not.toBeNaN();
      expect(answer.body.error.message).toContain(refreshedAt);
      matchesDocument(GRANTS_PATH, 'POST', 422, answer.body);
      const record = await fixture.call('GET', `/v1/requests/${answer.headers.get('x-request-id')}`);
      expect(record.body).toMatchObject({ state: 'completed', calls: [], answer: { status: 422 } });
    }
    expect((await fixture.harness.control<{ total: number }>('GET', '/_simulator/requests')).total).toBe(0);
  });

  it('a workspace owner: already admin everywhere, needs nothing; dry runs say so too', async () => {
    const owner = ws().members.find((m) => m.role === 'owner')!.accountId;
    for (const body of [
      repoGrant(owner, 'admin'),
      projectGrant(owner, 'read'),
      { ...repoGrant(owner), dryRun: true },
    ]) {
      const answer = await fixture.call('POST', grants(), { body });
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({
        code: 'not_grantable',
        details: { reason: 'workspace-owner', storedRole: 'owner' },
      });
      expect(answer.body.error.message).toMatch(/owners are admin on every project and repository already/);
    }
    expect((await fixture.harness.control<{ total: number }>('GET', '/_simulator/requests')).total).toBe(0);
  });

  it('a revocation is not held to it: it reads Bitbucket and answers as usual', async () => {
    const owner = ws().members.find((m) => m.role === 'owner')!.accountId;
    const repository = ws().repositories.find(
      (r) => !r.userGrants.some((grant) => grant.accountId === owner),
    )!;
    const revoked = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/revocations`, {
      body: repoGrant(owner, 'write', repository.slug),
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ changed: false, previous: null });
    expect(countRequests(await fixture.requestsByRoute(), 'GET', 'permissions-config')).toBe(1);
  });

  it('a refused or never-read members listing proves nothing: the check steps aside and Bitbucket answers', async () => {
    const store = fixture.harness.store;
    const syncState = fixture.harness.syncState;
    const wsId = fixture.workspace.id;
    const at = () => new Date().toISOString();
    const origin = { cause: 'sync' as const, actor: 'test' };
    const members = (await syncState.listScopeStates(wsId)).find((state) => state.scope === 'members')!;
    expect(members.refreshedAt).toBeDefined();
    // Members Bitbucket has, whose roles the store lacks (as when the members listing was refused);
    // and the outsider, seen (say, through a grant listing) but never a member.
    const [gapMember, unreadMember] = [member(10), member(11)];
    const roles = (
      await Promise.all([gapMember, unreadMember].map((id) => store.listGrantsOfPrincipal(wsId, 'user', id)))
    )
      .flat()
      .map((entry) => entry.item)
      .filter((item) => item.resource.type === 'workspace');
    expect(roles).toHaveLength(2);
    const someone = (await store.getResource(wsId, 'user', member(0)))!.item;
    const outsider = {
      ...someone,
      id: OUTSIDER,
      attributes: { ...someone.attributes, displayName: 'Olive Outsider' },
    };
    await store.applyItemChanges(wsId, { remove: roles, upsert: [outsider] }, at(), origin);
    try {
      const gap = {
        since: at(),
        checkedAt: at(),
        status: 403 as const,
        endpoint: 'GET /2.0/workspaces/{workspace}/permissions',
        likelyMissing: ['read:workspace:bitbucket'],
        namedByBitbucket: false,
        message: 'not allowed',
      };
      await syncState.putScopeState(wsId, { ...members, capabilityGap: gap });
      // Before: 422 not-workspace-member from the picture, nothing sent.
      const granted = await fixture.call('POST', grants(), { body: repoGrant(gapMember) });
      expect(granted.status, granted.text).toBe(200);
      expect(granted.body.changed).toBe(true);
      const refused = await fixture.call('POST', grants(), { body: repoGrant(OUTSIDER) });
      expect(refused.status).toBe(422);
      expect(refused.body.error.details).toMatchObject({
        reason: 'refused-by-bitbucket',
        upstreamStatus: 400,
      });
      matchesDocument(GRANTS_PATH, 'POST', 422, refused.body);
      expect(countRequests(await fixture.requestsByRoute(), 'PUT', 'permissions-config')).toBe(2);

      const { refreshedAt: _never, ...neverRead } = members;
      await syncState.putScopeState(wsId, neverRead);
      const unread = await fixture.call('POST', grants(), { body: repoGrant(unreadMember) });
      expect(unread.status, unread.text).toBe(200);
    } finally {
      await syncState.putScopeState(wsId, members);
      await store.applyItemChanges(
        wsId,
        { upsert: roles, remove: [{ kind: 'resource', type: 'user', id: OUTSIDER }] },
        at(),
        origin,
      );
    }
  });

  it('a member Bitbucket has since made an owner (stale picture): its 400 is a 422 with its words, one write sent', async () => {
    const accountId = member(8);
    // Not removed: the plan-limit test below counts the workspace's members.
    await fixture.harness.mutate([{ op: 'setMemberRole', workspace: ws().slug, accountId, role: 'owner' }]);
    const answer = await fixture.call('POST', grants(), { body: repoGrant(accountId) });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'not_grantable',
      details: { reason: 'refused-by-bitbucket', upstreamStatus: 400 },
    });
    expect(answer.body.error.details.upstreamMessage).toMatch(/owner/);
    expect(answer.body.error.message).toMatch(/stored picture may be stale/);
    expect(countRequests(await fixture.requestsByRoute(), 'PUT', 'permissions-config')).toBe(1);
  });
});

describe('422: not grantable', () => {
  it('an OAuth credential cannot write permissions: refused before any write is sent', async () => {
    const oauth = await fixture.variant({
      client: clientFor(fixture.harness, {
        auth: 'oauth-client-credentials',
        clientId: 'generated-client',
        clientSecret: 'generated-secret',
      }),
    });
    const answer = await oauth.call('POST', grants(), { body: repoGrant(member(1)) });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'not_grantable',
      details: { capability: 'writePermissions', credentialKind: 'oauth-client-credentials' },
    });
    expect(countRequests(await fixture.requestsByRoute(), 'PUT', 'permissions-config')).toBe(0);
  });

  it("Bitbucket's refusal of the write (401 for a scope the token lacks, or 403) names the missing scopes", async () => {
    const reader = await fixture.variant({
      client: clientFor(fixture.harness, {
        auth: 'api-token',
        email: 'reader@example.com',
        apiToken: 'reader-token',
      }),
    });
    const answer = await reader.call('POST', grants(), { body: repoGrant(member(2)) });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details).toMatchObject({
      capability: 'writePermissions',
      requiredScopes: ['admin:repository:bitbucket', 'write:permission:bitbucket'],
    });
    // Scoped API tokens get 401 for a missing scope (API-NOTES "Rate limits and errors"); 403 also occurs.
    const refusedWith = answer.body.error.details.upstreamStatus as number;
    expect([401, 403]).toContain(refusedWith);
    expect(answer.body.error.message).toContain('admin:repository:bitbucket');
    const record = await fixture.call('GET', `/v1/requests/${answer.headers.get('x-request-id')}`);
    expect(record.body).toMatchObject({ state: 'completed', answer: { status: 422 } });
    expect(
      record.body.calls.map((c: { method: string; status?: number }) => [c.method, c.status ?? null]),
    ).toEqual([
      ['GET', 404],
      ['PUT', refusedWith],
    ]);
  });

  it('402 from Bitbucket is answered 402 "plan user limit reached", and the key stays free', async () => {
    const accountId = member(3);
    const group = ws().groups.find((g) => !g.members.includes(accountId))!;
    // Bitbucket loses the member; our store still knows the user, and re-adding needs a plan seat.
    await fixture.harness.mutate([{ op: 'removeMember', workspace: ws().slug, accountId }]);
    const answer = await fixture.call('POST', grants(), {
      body: {
        resource: { type: 'group', slug: group.slug },
        principal: { type: 'user', accountId },
        permission: 'member',
      },
      headers: { 'idempotency-key': `plan-${Date.now()}` },
    });
    expect(answer.status).toBe(402);
    expect(answer.body.error.code).toBe('plan_user_limit_reached');
    expect(answer.body.error.message).toContain('plan user limit reached');
    expect(answer.body.error.details).toMatchObject({ upstreamStatus: 402, reason: 'plan-user-limit' });
    expect(answer.body.error.details.upstreamMessage).toMatch(/user limit/);
    matchesDocument(GRANTS_PATH, 'POST', 402, answer.body);
    // A seat may be freed: the request is recorded as failed, so the same key can be sent again.
    const record = await fixture.call('GET', `/v1/requests/${answer.headers.get('x-request-id')}`);
    expect(record.body).toMatchObject({ state: 'failed', answer: { status: 402 } });
  });
});

describe('429 and 502', () => {
  it("Bitbucket's 429 answers 429 with its Retry-After", async () => {
    await fixture.harness.control('POST', '/_simulator/faults', {
      faults: [{ kind: 'status', status: 429, retryAfter: 7, times: 20, match: { method: 'PUT' } }],
    });
    const answer = await fixture.call('POST', grants(), { body: repoGrant(member(4)) });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(answer.body.error).toMatchObject({ code: 'rate_limited', details: { upstreamStatus: 429 } });
  });

  it('our hourly budget answers 429 with Retry-After and sends nothing', async () => {
    const spent = (await fixture.harness.ledger.spentInLastHour(new Date())).total;
    const limited = await fixture.variant({ hourlyRequestLimit: spent + 1 });
    const answer = await limited.call('POST', grants(), { body: repoGrant(member(5)) });
    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(answer.body.error.details).toMatchObject({ limit: spent + 1 });
    expect((await fixture.harness.control<{ total: number }>('GET', '/_simulator/requests')).total).toBe(0);
  });

  it('a Bitbucket 5xx answers 502 with the upstream status; the same key may then be retried', async () => {
    await fixture.harness.control('POST', '/_simulator/faults', {
      faults: [{ kind: 'status', status: 503, times: 6, match: { method: 'PUT' } }],
    });
    const headers = { 'idempotency-key': `upstream-${Date.now()}` };
    const failed = await fixture.call('POST', grants(), { body: repoGrant(member(6)), headers });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatchObject({ code: 'upstream_failure', details: { upstreamStatus: 503 } });
    matchesDocument(GRANTS_PATH, 'POST', 502, failed.body);
    const record = await fixture.call('GET', `/v1/requests/${failed.headers.get('x-request-id')}`);
    expect(record.body.state).toBe('failed');

    await fixture.harness.control('DELETE', '/_simulator/faults');
    const retried = await fixture.call('POST', grants(), { body: repoGrant(member(6)), headers });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.changed).toBe(true);
  });

  it("a refused OAuth credential: the token endpoint's error_description reaches the answer, asked once", async () => {
    const refused = await fixture.variant({
      client: clientFor(fixture.harness, {
        auth: 'oauth-client-credentials',
        clientId: 'generated-client',
        clientSecret: 'not-the-s3cret-value',
      }),
    });
    const answer = await refused.call('POST', grants(), { body: repoGrant(member(9)) });
    expect(answer.status).toBe(502);
    expect(answer.body.error.details).toMatchObject({
      upstreamEndpoint: 'POST /site/oauth2/access_token',
    });
    expect(answer.body.error.message).toContain('the OAuth token request was refused: invalid_client');
    expect(answer.body.error.details.upstreamMessage).toContain('Invalid OAuth client credentials');
    expect(answer.text).not.toContain('not-the-s3cret-value');
    expect(answer.text).not.toContain(
      Buffer.from('generated-client:not-the-s3cret-value').toString('base64'),
    );
    const counts = await fixture.requestsByRoute();
    expect(countRequests(counts, 'POST', '/site/oauth2/access_token')).toBe(1);
    expect(countRequests(counts, 'GET', 'permissions-config')).toBe(0);
  });

  it('409 for a downgrade is recorded and replayed for its key', async () => {
    const accountId = member(7);
    await fixture.call('POST', grants(), { body: repoGrant(accountId, 'admin') });
    const headers = { 'idempotency-key': `downgrade-${Date.now()}` };
    const refused = await fixture.call('POST', grants(), { body: repoGrant(accountId, 'read'), headers });
    expect(refused.status).toBe(409);
    const replay = await fixture.call('POST', grants(), { body: repoGrant(accountId, 'read'), headers });
    expect(replay.status).toBe(409);
    expect(replay.text).toBe(refused.text);
  });
});
