// Access reviews through the local HTTP adapter and the real handler, on the demo workspace synced from the
// simulator into DynamoDB Local: a campaign over project CORE freezes one item per (user, resource) with
// every path and its flags, assigns reviewers by rule (named, resource admins, owners, never oneself),
// reports progress, and takes decisions only from the assigned reviewer or an administrator, all or
// nothing; a revoke carries the plan that removes the access. Readers see, never act.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { parseCommandLine, type ParsedCommand } from '../../../lib/local/cli-commands.js';
import { runReviewCommand } from '../../../lib/local/cli-review-commands.js';
import { createReviewCampaign } from '../../../lib/reviews/campaign-creation.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { openApiValidator } from './openapi-validator.js';

let fixture: ApiFixture;
const token = (name: string) => `${name}-token-Rv8XvR2mT5kLw9Yp3Hn7Bc4Jd6Fg1Ks`;
const CALLERS: LocalTokenEntry[] = [
  { token: token('alice'), principal: 'alice', roles: ['administrator'], workspaces: ['*'] },
  {
    token: token('dennis'),
    principal: 'dennis',
    accountId: '557058:dennis',
    roles: ['reader'],
    workspaces: ['*'],
  },
  {
    token: token('margaret'),
    principal: 'margaret',
    accountId: '557058:margaret',
    roles: ['reader'],
    workspaces: ['*'],
  },
  { token: token('ada'), principal: 'ada', accountId: '557058:ada', roles: ['reader'], workspaces: ['*'] },
  { token: token('rita'), principal: 'rita', roles: ['reader'], workspaces: ['*'] },
  {
    token: token('alan'),
    principal: 'alan-admin',
    accountId: '557058:alan',
    roles: ['administrator'],
    workspaces: ['*'],
  },
  { token: token('olga'), principal: 'olga', roles: ['reader'], workspaces: ['elsewhere'] },
];
const as = (name: string) => ({ token: token(name) });

beforeAll(async () => {
  fixture = await startApiFixture('demo', { callers: CALLERS });
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});

const repositoryId = (slug: string) =>
  fixture.seed.workspaces[0]!.repositories.find((r) => r.slug === slug)!
    .uuid.replace(/[{}]/g, '')
    .toLowerCase();
const projectId = (key: string) =>
  fixture.seed.workspaces[0]!.projects.find((p) => p.key === key)!
    .uuid.replace(/[{}]/g, '')
    .toLowerCase();
const itemId = (type: 'project' | 'repository', id: string, nickname: string) =>
  `${type}:${id}:557058:${nickname}`;

let reviewId: string;
let laterReviewId: string;

describe('access reviews', () => {
  it('creates a campaign over project CORE with its frozen items', async () => {
    const created = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
      ...as('alice'),
      body: {
        name: 'Q4 CORE review',
        dueAt: '2026-12-31T00:00:00Z',
        scope: { projects: ['CORE'] },
        reviewers: { repositories: { 'shared-libs': ['ada'] } },
      },
    });
    expect(created.status, created.text).toBe(201);
    reviewId = created.body.id;
    // 8 users reach project CORE (owners, margaret, the developers); its repositories add qa's two members
    // on api, billing and auth-service and the vendor on billing and auth-service: 8 + 10 + 11 + 11 + 8.
    expect(created.body).toMatchObject({
      workspace: 'acme',
      name: 'Q4 CORE review',
      status: 'open',
      createdBy: 'alice',
      itemCount: 48,
      dueAt: '2026-12-31T00:00:00.000Z',
      scope: { projects: ['CORE'] },
    });
    expect(Object.keys(created.body.freshnessSeconds)).toContain('members');

    const items = await fixture.call('GET', `/v1/reviews/${reviewId}/items`, as('rita'));
    expect(items.status, items.text).toBe(200);
    expect(items.body.items).toHaveLength(48);
    const byId = new Map(items.body.items.map((item: { itemId: string }) => [item.itemId, item]));
    const api = repositoryId('api');
    expect(byId.get(itemId('repository', api, 'frances'))).toMatchObject({
      displayName: 'Frances Allen',
      accountStatus: 'active',
      workspaceRole: 'member',
      resource: { type: 'repository', name: 'api', projectKey: 'CORE' },
      permission: 'read',
      paths: [{ via: 'group', group: 'qa', permission: 'read' }],
      lastActivity: null,
      flags: ['inactive-90-days', 'group-default-access-only'],
    });
    const alan = byId.get(itemId('repository', api, 'alan')) as { paths: unknown[]; flags: string[] };
    expect(alan.paths).toEqual(
      expect.arrayContaining([
        { via: 'group', group: 'developers', permission: 'write' },
        { via: 'project-group', project: 'CORE', group: 'developers', permission: 'write' },
      ]),
    );
    expect(alan.flags).toEqual(['inactive-90-days']);
    expect((byId.get(itemId('repository', api, 'grace')) as { flags: string[] }).flags).toEqual([
      'inactive-90-days',
      'admin-via-group',
      'owner',
    ]);
    expect([...byId.keys()].some((id) => (id as string).includes(repositoryId('website')))).toBe(false);
  });

  it('assigns reviewers by rule and never to the user reviewed', async () => {
    const items = await fixture.call('GET', `/v1/reviews/${reviewId}/items`, as('alice'));
    const byId = new Map(items.body.items.map((item: { itemId: string }) => [item.itemId, item]));
    const assigned = (id: string) => {
      const { reviewer, reviewerRule } = byId.get(id) as { reviewer: string | null; reviewerRule: string };
      return [reviewer, reviewerRule];
    };
    const [api, libs] = [repositoryId('api'), repositoryId('shared-libs')];
    expect(assigned(itemId('repository', api, 'alan'))).toEqual(['dennis', 'resource-admin']);
    expect(assigned(itemId('repository', api, 'dennis'))).toEqual(['margaret', 'resource-admin']);
    expect(assigned(itemId('project', projectId('CORE'), 'alan'))).toEqual(['margaret', 'resource-admin']);
    expect(assigned(itemId('project', projectId('CORE'), 'margaret'))).toEqual(['ada', 'workspace-owner']);
    expect(assigned(itemId('repository', libs, 'alan'))).toEqual(['ada', 'named']);
    expect(assigned(itemId('repository', libs, 'ada'))).toEqual(['margaret', 'resource-admin']);
    for (const item of items.body.items) expect(item.reviewer).not.toBe(item.accountId.slice(7));
  });

  it('takes decisions from the assigned reviewer or an administrator, all or nothing', async () => {
    const api = repositoryId('api');
    const decide = (who: string, body: unknown) =>
      fixture.call('POST', `/v1/reviews/${reviewId}/decisions`, { ...as(who), body });

    const kept = await decide('dennis', [{ itemId: itemId('repository', api, 'alan'), decision: 'keep' }]);
    expect(kept.status, kept.text).toBe(200);
    expect(kept.body.items[0].decision).toMatchObject({ decision: 'keep', decidedBy: 'dennis' });

    // One item of someone else's in the batch refuses the whole batch, naming it.
    const billing = itemId('repository', repositoryId('billing'), 'alan');
    const mixed = await decide('dennis', [
      { itemId: itemId('repository', api, 'linus'), decision: 'keep' },
      { itemId: billing, decision: 'revoke' },
    ]);
    expect(mixed.status, mixed.text).toBe(403);
    expect(mixed.body.error.details.itemId).toBe(billing);
    const unknown = await decide('alice', [{ itemId: 'repository:nope:557058:alan', decision: 'keep' }]);
    expect(unknown.status, unknown.text).toBe(404);

    const revoked = await decide('dennis', [
      { itemId: itemId('repository', api, 'frances'), decision: 'revoke', comment: 'left QA' },
    ]);
    expect(revoked.status, revoked.text).toBe(200);
    const [frances] = revoked.body.items;
    expect(frances.decision).toMatchObject({ decision: 'revoke', comment: 'left QA', decidedBy: 'dennis' });
    expect(frances.plan.actions).toEqual([
      expect.objectContaining({ kind: 'remove-group-member', resource: { type: 'group', slug: 'qa' } }),
    ]);

    const byAdmin = await decide('alice', [{ itemId: billing, decision: 'keep' }]);
    expect(byAdmin.status, byAdmin.text).toBe(200);

    const undecided = await fixture.call(
      'GET',
      `/v1/reviews/${reviewId}/items?reviewer=dennis&decision=undecided`,
      as('dennis'),
    );
    expect(undecided.body.items).toHaveLength(7);
    const review = await fixture.call('GET', `/v1/reviews/${reviewId}`, as('rita'));
    expect(review.status, review.text).toBe(200);
    expect(review.body.progress).toMatchObject({ decided: 3, total: 48 });
    expect(review.body.progress.byReviewer).toContainEqual({ reviewer: 'dennis', decided: 2, total: 9 });
  });

  it("lists the workspace's campaigns to any role there, newest first with progress, a page at a time", async () => {
    const later = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
      ...as('alice'),
      body: { name: 'api only', dueAt: '2027-01-15T00:00:00Z', scope: { repositories: ['api'] } },
    });
    expect(later.status, later.text).toBe(201);
    laterReviewId = later.body.id;
    const path = `/v1/workspaces/${fixture.workspace.slug}/reviews`;
    const listed = await fixture.call('GET', path, as('rita'));
    expect(listed.status, listed.text).toBe(200);
    const document = await fixture.call('GET', '/v1/openapi.json', as('rita'));
    openApiValidator(document.body)('/v1/workspaces/{workspace}/reviews', 'GET', 200, listed.body);
    expect(listed.body.workspace).toBe('acme');
    expect(listed.body.cursor).toBeUndefined();
    expect(
      listed.body.reviews.map((r: { id: string; status: string; itemCount: number; progress: object }) => [
        r.id,
        r.status,
        r.itemCount,
        r.progress,
      ]),
    ).toEqual([
      [laterReviewId, 'open', later.body.itemCount, { decided: 0, total: later.body.itemCount }],
      [reviewId, 'open', 48, { decided: 3, total: 48 }],
    ]);
    expect(listed.body.reviews[1]).toMatchObject({
      name: 'Q4 CORE review',
      dueAt: '2026-12-31T00:00:00.000Z',
    });

    const first = await fixture.call('GET', `${path}?limit=1`, as('rita'));
    expect(first.body.reviews.map((r: { id: string }) => r.id)).toEqual([laterReviewId]);
    const next = await fixture.call('GET', `${path}?limit=1&cursor=${first.body.cursor}`, as('rita'));
    expect(next.body.reviews.map((r: { id: string }) => r.id)).toEqual([reviewId]);

    expect((await fixture.call('GET', `${path}?limit=51`, as('rita'))).status).toBe(400);
    const badCursor = await fixture.call('GET', `${path}?cursor=bm9wZQ`, as('rita'));
    expect(badCursor.status, badCursor.text).toBe(400);
    expect(badCursor.body.error.details.field).toBe('cursor');
    // No role on the workspace: it does not exist for them.
    expect((await fixture.call('GET', path, as('olga'))).status).toBe(404);
  });

  it('answers `bbgov review` through the same API, as the caller whose token is set', async () => {
    const lines: string[] = [];
    const output = {
      out: (line: string) => lines.push(line),
      err: (line: string) => lines.push(`! ${line}`),
    };
    const env = { BBGOV_API_URL: fixture.url, BBGOV_API_TOKEN: token('dennis') };
    const run = (...argv: string[]) =>
      runReviewCommand(parseCommandLine(['review', ...argv]) as ParsedCommand, env, output);
    expect(await run('show', reviewId)).toBe(0);
    expect(lines[0]).toMatch(
      new RegExp(`^${reviewId}  open +Q4 CORE review \\(acme\\), due .*, 3/48 decided$`),
    );
    expect(lines).toContain('  dennis: 2/9');
    lines.length = 0;
    expect(await run('items', reviewId, '--reviewer', 'dennis', '--decision', 'revoke')).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^revoke {2}Frances Allen: read on repository api {2}reviewer dennis/),
    ]);
    lines.length = 0;
    expect(await run('list', '--workspace', 'acme')).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^${laterReviewId}  open +api only \\(acme\\), due .*, 0/\\d+ decided$`),
      ),
      expect.stringMatching(
        new RegExp(`^${reviewId}  open +Q4 CORE review \\(acme\\), due .*, 3/48 decided$`),
      ),
    ]);
    lines.length = 0;
    const billing = itemId('repository', repositoryId('billing'), 'linus');
    expect(await run('decide', reviewId, '--items', billing, '--decision', 'keep')).toBe(1);
    expect(lines).toEqual([
      `! bbgov review decide: HTTP 403 forbidden: item ${billing} is not assigned to you`,
    ]);
  });

  it('refuses a reader every review POST with 403, and answers 404 for an unknown review or scope entry', async () => {
    const posts: [string, unknown][] = [
      [`/v1/workspaces/${fixture.workspace.slug}/reviews`, { name: 'x', dueAt: '2026-12-31T00:00:00Z' }],
      [`/v1/reviews/${reviewId}/decisions`, {}],
      [`/v1/reviews/${reviewId}/close`, {}],
    ];
    for (const [path, body] of posts) {
      const answer = await fixture.call('POST', path, { ...as('rita'), body });
      expect(answer.status, `${path}: ${answer.text}`).toBe(403);
      expect(answer.body.error.code).toBe('forbidden');
    }
    expect((await fixture.call('GET', '/v1/reviews/rv-unknown', as('alice'))).status).toBe(404);
    const badScope = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
      ...as('alice'),
      body: { name: 'x', dueAt: '2026-12-31T00:00:00Z', scope: { projects: ['NOPE'] } },
    });
    expect(badScope.status, badScope.text).toBe(400);
    expect(badScope.body.error.details.field).toBe('scope.projects[0]');
  });

  it('closes: a dry run changes nothing; the close executes the revoke, records outcomes, then refuses decisions (409)', async () => {
    const close = (body: unknown) =>
      fixture.call('POST', `/v1/reviews/${reviewId}/close`, { ...as('alice'), body });
    const frances = itemId('repository', repositoryId('api'), 'frances');

    const dry = await close({ dryRun: true });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toMatchObject({ status: 'open', dryRun: true });
    expect((await fixture.call('GET', `/v1/reviews/${reviewId}`, as('alice'))).body.status).toBe('open');

    const closed = await close({});
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closedBy: 'alice', dryRun: false });
    const items = await fixture.call('GET', `/v1/reviews/${reviewId}/items`, as('alice'));
    const outcome = (id: string) =>
      items.body.items.find((item: { itemId: string }) => item.itemId === id).outcome;
    expect(outcome(frances)).toMatchObject({ status: 'revoked-verified' });
    expect(outcome(itemId('repository', repositoryId('api'), 'alan'))).toEqual({ status: 'kept' });
    expect(outcome(itemId('repository', repositoryId('api'), 'linus'))).toEqual({ status: 'not-decided' });
    const truth = (await fixture.harness.groundTruth()).workspaces[0]!;
    expect(truth.groups.find((group) => group.slug === 'qa')!.members).not.toContain('557058:frances');

    const late = await fixture.call('POST', `/v1/reviews/${reviewId}/decisions`, {
      ...as('alice'),
      body: [{ itemId: frances, decision: 'keep' }],
    });
    expect(late.status, late.text).toBe(409);
    expect((await close({})).status).toBe(409);
  });

  it('answers the report to any role, the manifest naming the SHA-256 of the exact CSV and JSON bytes', async () => {
    const report = (format: string) =>
      fixture.call('GET', `/v1/reviews/${reviewId}/report?format=${format}`, as('rita'));
    const [csv, json, manifest] = await Promise.all([report('csv'), report('json'), report('manifest')]);
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    expect(manifest.body.files.csv.sha256).toBe(sha256(csv.text));
    expect(manifest.body.files.json.sha256).toBe(sha256(json.text));
    expect(csv.text.split('\n').filter((line) => line !== '').length).toBe(49);
  });

  it('refuses an administrator a decision on their own access', async () => {
    const created = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
      ...as('alice'),
      body: { name: 'own access', dueAt: '2026-12-31T00:00:00Z', scope: { projects: ['CORE'] } },
    });
    const own = itemId('project', projectId('CORE'), 'alan');
    const answer = await fixture.call('POST', `/v1/reviews/${created.body.id}/decisions`, {
      ...as('alan'),
      body: [{ itemId: own, decision: 'keep', comment: 'I keep my own access' }],
    });
    expect(answer.status, answer.text).toBe(403);
    expect(answer.body.error.details).toMatchObject({ itemId: own, reason: 'own-access' });
  });

  it('runs one close at a time: a second close while the first runs answers 409 and records nothing', async () => {
    const created = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
      ...as('alice'),
      body: { name: 'two closes', dueAt: '2026-12-31T00:00:00Z', scope: { projects: ['OPS'] } },
    });
    const id = created.body.id as string;
    const items = (await fixture.call('GET', `/v1/reviews/${id}/items`, as('alice'))).body.items as {
      itemId: string;
      accountId: string;
      flags: string[];
    }[];
    const revokes = items.filter((item) => !item.flags.includes('owner')).slice(0, 3);
    const decided = await fixture.call('POST', `/v1/reviews/${id}/decisions`, {
      ...as('alice'),
      body: revokes.map((item) => ({ itemId: item.itemId, decision: 'revoke' })),
    });
    expect(decided.status, decided.text).toBe(200);

    const answers = await Promise.all(
      [0, 1].map(() => fixture.call('POST', `/v1/reviews/${id}/close`, { ...as('alice'), body: {} })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const refused = answers.find((answer) => answer.status === 409)!;
    expect(refused.body.error.details.reason).toMatch(/^clos(ing|ed)$/);
    const outcomes = (await fixture.call('GET', `/v1/reviews/${id}/items`, as('alice'))).body.items.map(
      (item: { outcome?: { detail?: string } }) => item.outcome?.detail ?? '',
    );
    expect(outcomes.some((detail: string) => detail.includes('in flight'))).toBe(false);
  });

  it('says when a kept item was taken by another revoke, in an answer the OpenAPI document describes', async () => {
    const created = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
      ...as('alice'),
      body: { name: 'keep and revoke', dueAt: '2026-12-31T00:00:00Z', scope: { projects: ['CORE'] } },
    });
    const id = created.body.id as string;
    const libs = itemId('repository', repositoryId('shared-libs'), 'dennis');
    const core = itemId('project', projectId('CORE'), 'dennis');
    const decided = await fixture.call('POST', `/v1/reviews/${id}/decisions`, {
      ...as('alice'),
      body: [
        { itemId: libs, decision: 'keep' },
        { itemId: core, decision: 'revoke' },
      ],
    });
    expect(decided.status, decided.text).toBe(200);
    const closed = await fixture.call('POST', `/v1/reviews/${id}/close`, { ...as('alice'), body: {} });
    expect(closed.status, closed.text).toBe(200);
    const items = await fixture.call('GET', `/v1/reviews/${id}/items`, as('alice'));
    const document = await fixture.call('GET', '/v1/openapi.json', as('alice'));
    openApiValidator(document.body)('/v1/reviews/{id}/items', 'GET', 200, items.body);
    const kept = items.body.items.find((item: { itemId: string }) => item.itemId === libs);
    expect(kept.decision.decision).toBe('keep');
    expect(kept.outcome).toMatchObject({
      status: 'removed-by-another-revoke',
      changedBy: { itemIds: [core] },
    });
  });

  it('refuses a comment with control characters and an oversized item id without echoing it', async () => {
    const created = await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
      ...as('alice'),
      body: { name: 'bad input', dueAt: '2026-12-31T00:00:00Z', scope: { repositories: ['api'] } },
    });
    const decide = (body: unknown) =>
      fixture.call('POST', `/v1/reviews/${created.body.id}/decisions`, { ...as('alice'), body });
    const item = itemId('repository', repositoryId('api'), 'linus');
    const escaped = await decide([{ itemId: item, decision: 'keep', comment: 'ok\u001b[2J' }]);
    expect(escaped.status).toBe(400);
    const huge = 'x'.repeat(100_000);
    const oversized = await decide([{ itemId: huge, decision: 'keep' }]);
    expect(oversized.status).toBe(400);
    expect(oversized.text.length).toBeLessThan(2_000);
  });

  it('refuses a scope that would freeze more items than a campaign holds, writing nothing', async () => {
    const { store, syncState, reviews, authorization } = fixture.dependencies;
    const workspace = (await store.listWorkspaces())[0]!;
    const before = (await reviews.list(workspace.uuid)).campaigns.length;
    await expect(
      createReviewCampaign(
        { store, syncState, reviews, authorization, now: () => new Date(), maxItems: 10 },
        workspace,
        'alice',
        { name: 'too large', dueAt: '2026-12-31T00:00:00Z', scope: { projects: ['CORE'] } },
      ),
    ).rejects.toMatchObject({
      status: 400,
      details: { field: 'scope', items: expect.any(Number), limit: 10 },
    });
    expect((await reviews.list(workspace.uuid)).campaigns.length).toBe(before);
  });
});
