// The campaign report: CSV and JSON of every item, and a manifest whose SHA-256 are those of the exact
// bytes the other two formats answer; formula cells neutralised; the same bytes on every call.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reviewReport } from '../../../lib/reviews/review-report.js';
import type { ReviewCampaign, ReviewItem } from '../../../lib/reviews/review-model.js';

const campaign: ReviewCampaign = {
  id: 'rc-01',
  workspaceId: '0a1b2c3d-0000-4000-8000-000000000001',
  workspaceSlug: 'acme',
  name: 'Q4 review',
  dueAt: '2026-12-31T00:00:00.000Z',
  scope: { projects: ['OPS', 'CORE'] },
  reviewers: {},
  status: 'closed',
  createdBy: 'admin',
  createdAt: '2026-12-01T00:00:00.000Z',
  snapshotAt: '2026-12-01T00:00:00.000Z',
  freshnessSeconds: { repositories: 60, groups: 30, members: null },
  itemCount: 3,
  closedBy: 'admin',
  closedAt: '2026-12-20T00:00:00.000Z',
};

function item(accountId: string, slug: string, overrides: Partial<ReviewItem> = {}): ReviewItem {
  return {
    campaignId: campaign.id,
    itemId: `repository:r-${slug}:${accountId}`,
    accountId,
    displayName: `Name ${accountId}`,
    accountStatus: 'active',
    workspaceRole: 'member',
    resource: { type: 'repository', id: `r-${slug}`, name: slug, projectKey: 'CORE' },
    permission: 'write',
    paths: [{ via: 'group', group: 'developers', permission: 'write' }],
    lastActivity: null,
    flags: [],
    reviewer: 'rita',
    reviewerRule: 'named',
    ...overrides,
  };
}

const ITEMS: ReviewItem[] = [
  item('bob', 'web', {
    decision: {
      decision: 'revoke',
      comment: 'left the team',
      decidedBy: 'rita',
      decidedAt: '2026-12-10T00:00:00Z',
    },
    plan: {
      actions: [
        {
          kind: 'remove-group-member',
          resource: { type: 'group', slug: 'developers' },
          principal: { type: 'user', accountId: 'bob' },
          permission: 'member',
          description: 'remove bob (Name bob) from group developers',
          alsoRemoves: ['read on repository docs'],
        },
      ],
    },
    outcome: { status: 'revoked-verified', requestIds: ['idem-1'], verifiedAt: '2026-12-20T00:00:01Z' },
  }),
  item('ada', 'web', {
    workspaceRole: 'owner',
    paths: [{ via: 'workspace-owner', permission: 'admin' }],
    permission: 'admin',
    flags: ['owner', 'inactive-90-days'],
    reviewer: null,
    reviewerRule: 'unassigned',
    decision: {
      decision: 'keep',
      comment: '=HYPERLINK("http://evil")',
      decidedBy: 'admin',
      decidedAt: '2026-12-11T00:00:00Z',
    },
    outcome: { status: 'kept' },
  }),
  item('carol', 'api', { outcome: { status: 'not-decided' } }),
];

/** A small RFC 4180 reader (quoted cells, doubled quotes, CRLF): rows as objects keyed by the header. */
function parse(body: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i]!;
    if (quoted && char === '"' && body[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === ',') {
      record.push(cell);
      cell = '';
    } else if (!quoted && char === '\r' && body[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i += 1;
    } else {
      cell += char;
    }
  }
  const [header, ...rows] = records;
  return rows.map((row) => Object.fromEntries(header!.map((name, index) => [name, row[index] ?? ''])));
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('reviewReport', () => {
  it('the manifest names the SHA-256 and size of the exact csv and json bodies', () => {
    const csv = reviewReport(campaign, ITEMS, 'csv');
    const json = reviewReport(campaign, ITEMS, 'json');
    const manifest = reviewReport(campaign, ITEMS, 'manifest');
    expect(csv.contentType).toBe('text/csv; charset=utf-8');
    expect(json.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(manifest.body).files).toEqual({
      csv: { sha256: sha256(csv.body), bytes: Buffer.byteLength(csv.body) },
      json: { sha256: sha256(json.body), bytes: Buffer.byteLength(json.body) },
    });
  });

  it('is deterministic: the same bytes whatever the order items come in', () => {
    for (const format of ['csv', 'json', 'manifest'] as const) {
      const first = reviewReport(campaign, ITEMS, format).body;
      expect(reviewReport(campaign, [...ITEMS].reverse(), format).body).toBe(first);
      expect(reviewReport(campaign, ITEMS, format).body).toBe(first);
    }
  });

  it('writes one CSV row per item, sorted, with paths, decision, plan and outcome', () => {
    const rows = parse(reviewReport(campaign, ITEMS, 'csv').body) as Record<string, string>[];
    expect(rows.map((row) => row.accountId)).toEqual(['ada', 'bob', 'carol']);
    expect(rows[1]).toMatchObject({
      campaignId: 'rc-01',
      campaignName: 'Q4 review',
      resourceName: 'web',
      paths: 'group:developers=write',
      reviewer: 'rita',
      decision: 'revoke',
      comment: 'left the team',
      plan: 'remove bob (Name bob) from group developers',
      alsoRemoves: 'read on repository docs',
      outcome: 'revoked-verified',
      requestIds: 'idem-1',
    });
    expect(rows[0]).toMatchObject({ flags: 'inactive-90-days; owner', reviewer: '', outcome: 'kept' });
    expect(rows[2]).toMatchObject({ decision: '', outcome: 'not-decided' });
  });

  it('neutralises cells a spreadsheet would evaluate', () => {
    const body = reviewReport(campaign, ITEMS, 'csv').body;
    const rows = parse(body) as Record<string, string>[];
    expect(rows[0]!.comment).toBe(`'=HYPERLINK("http://evil")`);
    expect(body).not.toMatch(/(^|,)"?=HYPERLINK/m);
  });

  it('the JSON holds the campaign and the same items, structured', () => {
    const document = JSON.parse(reviewReport(campaign, ITEMS, 'json').body);
    expect(document.campaign).toMatchObject({ id: 'rc-01', name: 'Q4 review', workspace: { slug: 'acme' } });
    expect(document.items).toHaveLength(3);
    expect(document.items[1]).toMatchObject({
      accountId: 'bob',
      paths: [{ via: 'group', group: 'developers', permission: 'write' }],
      plan: { actions: [{ kind: 'remove-group-member', alsoRemoves: ['read on repository docs'] }] },
      outcome: 'revoked-verified',
    });
    // The comment is data in JSON: kept as written.
    expect(document.items[0].comment).toBe('=HYPERLINK("http://evil")');
  });

  it('the manifest counts reviewers, decisions and outcomes, with scope and freshness', () => {
    const manifest = JSON.parse(reviewReport(campaign, ITEMS, 'manifest').body);
    expect(manifest).toMatchObject({
      campaign: { id: 'rc-01', status: 'closed', closedBy: 'admin' },
      scope: { projects: ['CORE', 'OPS'], repositories: [], groups: [] },
      snapshotAt: '2026-12-01T00:00:00.000Z',
      freshnessSeconds: { groups: 30, members: null, repositories: 60 },
      items: 3,
      reviewers: [
        { principal: null, items: 1, decided: 1 },
        { principal: 'rita', items: 2, decided: 1 },
      ],
      decisions: { keep: 1, revoke: 1, undecided: 1 },
      outcomes: {
        kept: 1,
        'not-decided': 1,
        'revoked-verified': 1,
        'still-reachable': 0,
        'revoke-failed': 0,
        'cannot-remove': 0,
        pending: 0,
      },
    });
    expect(Object.keys(manifest.freshnessSeconds)).toEqual(['groups', 'members', 'repositories']);
  });
});
