// Review campaigns on DynamoDB Local: a campaign becomes visible only with all its items written; items
// filter by reviewer and decision; decisions land only while the campaign is open; status moves are
// conditional on the status read.
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewCampaign, ReviewItem } from '../../../lib/reviews/review-model.js';
import { ReviewCampaignStore, newReviewCampaignId } from '../../../lib/store/review-campaigns.js';
import { freshTable } from '../../support/dynamodb.js';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: ReviewCampaignStore;
const WS = '0a1b2c3d-0000-4000-8000-000000000001';

beforeAll(async () => {
  table = await freshTable('review-campaigns');
  store = new ReviewCampaignStore(table);
});
afterAll(() => table.client.destroy());

function campaignOf(id: string, createdAt: string, itemCount: number): ReviewCampaign {
  return {
    id,
    workspaceId: WS,
    workspaceSlug: 'acme',
    name: `Q4 ${id}`,
    dueAt: '2026-12-31T00:00:00.000Z',
    scope: { projects: ['CORE'] },
    reviewers: {},
    status: 'open',
    createdBy: 'alice',
    createdAt,
    snapshotAt: createdAt,
    freshnessSeconds: { members: 10, 'repository-grants': null },
    itemCount,
  };
}

function itemOf(campaignId: string, index: number): ReviewItem {
  const accountId = `557058:user-${String(index).padStart(3, '0')}`;
  return {
    campaignId,
    itemId: `repository:repo-1:${accountId}`,
    accountId,
    displayName: `User ${index}`,
    accountStatus: 'active',
    workspaceRole: 'member',
    resource: { type: 'repository', id: 'repo-1', name: 'api', projectKey: 'CORE' },
    permission: 'write',
    paths: [{ via: 'group', group: 'developers', permission: 'write' }],
    lastActivity: null,
    flags: ['inactive-90-days'],
    reviewer: index % 2 === 0 ? 'bob' : null,
    reviewerRule: index % 2 === 0 ? 'resource-admin' : 'unassigned',
  };
}

const decisionBy = (decision: 'keep' | 'revoke', who = 'bob') => ({
  decision,
  decidedBy: who,
  decidedAt: '2026-11-30T10:00:00.000Z',
});

describe('ReviewCampaignStore', () => {
  it('writes more than one batch of items, then the record; get, list and listItems read them back', async () => {
    const id = newReviewCampaignId();
    const items = Array.from({ length: 60 }, (_, index) => itemOf(id, index));
    await store.create(campaignOf(id, '2026-11-30T09:00:00.000Z', items.length), items);
    const older = newReviewCampaignId();
    await store.create(campaignOf(older, '2026-11-01T09:00:00.000Z', 1), [itemOf(older, 0)]);

    const stored = await store.get(id);
    expect(stored).toEqual({ ...campaignOf(id, '2026-11-30T09:00:00.000Z', 60), decidedCount: 0 });
    expect((await store.list(WS)).campaigns.map((campaign) => campaign.id)).toEqual([id, older]);
    expect(await store.list('0a1b2c3d-0000-4000-8000-000000000999')).toEqual({ campaigns: [] });
    // One at a time, newest first: the cursor carries on where the page ended, and only for this listing.
    const firstPage = await store.list(WS, { limit: 1 });
    expect(firstPage.campaigns.map((campaign) => campaign.id)).toEqual([id]);
    const secondPage = await store.list(WS, { limit: 1, cursor: firstPage.cursor! });
    expect(secondPage.campaigns.map((campaign) => campaign.id)).toEqual([older]);
    await expect(
      store.list('0a1b2c3d-0000-4000-8000-000000000999', { cursor: firstPage.cursor! }),
    ).rejects.toThrow('invalid');
    const all = await store.listItems(id);
    expect(all).toHaveLength(60);
    expect(all[0]).toEqual(itemOf(id, 0));
    expect(await store.listItems(id, { reviewer: 'bob' })).toHaveLength(30);
    expect(await store.listItems(id, { reviewer: null })).toHaveLength(30);
    expect(await store.get('rv-missing')).toBeNull();
    expect(await store.get('bad#id')).toBeNull();
  });

  it('records, changes and filters decisions while open; a keep drops the plan of an earlier revoke', async () => {
    const id = newReviewCampaignId();
    const items = Array.from({ length: 3 }, (_, index) => itemOf(id, index));
    await store.create(campaignOf(id, '2026-11-30T09:00:00.000Z', 3), items);
    const plan = { actions: [], cannotRemove: { reason: 'workspace-owner', detail: 'owner' } };
    const [first, second] = items;

    expect(await store.decide(id, first!.itemId, decisionBy('revoke'), plan)).toBe('decided');
    expect(await store.decide(id, second!.itemId, decisionBy('keep'))).toBe('decided');
    expect((await store.listItems(id, { decision: 'revoke' })).map((item) => item.plan)).toEqual([plan]);
    expect(await store.listItems(id, { decision: 'keep' })).toHaveLength(1);
    expect(await store.listItems(id, { decision: 'undecided' })).toHaveLength(1);

    expect(await store.decide(id, first!.itemId, decisionBy('keep', 'alice'))).toBe('decided');
    const changed = (await store.listItems(id)).find((item) => item.itemId === first!.itemId)!;
    expect(changed.decision).toEqual(decisionBy('keep', 'alice'));
    expect(changed.plan).toBeUndefined();
    expect(await store.decide(id, 'repository:repo-1:557058:nobody', decisionBy('keep'))).toBe(
      'unknown-item',
    );
    // Two first decisions, one change (told wrongly it was a first one: re-read, not counted twice).
    expect((await store.get(id))?.decidedCount).toBe(2);
    expect(await store.countDecided(id)).toBe(2);
    const third = items[2]!;
    expect(
      await store.decideAll(id, [
        { itemId: third.itemId, decision: decisionBy('keep') },
        { itemId: second!.itemId, decision: decisionBy('revoke'), plan, wasDecided: true },
      ]),
    ).toBe('decided');
    expect((await store.get(id))?.decidedCount).toBe(3);
    expect(await store.decide('rv-missing', first!.itemId, decisionBy('keep'))).toBe('not-open');
  });

  it('refuses decisions once the campaign is not open, moves status only from the status given, sets outcomes', async () => {
    const id = newReviewCampaignId();
    const [item] = [itemOf(id, 0)];
    await store.create(campaignOf(id, '2026-11-30T09:00:00.000Z', 1), [item!]);

    expect(await store.transition(id, 'closing', 'closed')).toBe(false);
    expect(await store.transition(id, 'open', 'closing', { closedBy: 'alice' })).toBe(true);
    expect(await store.transition(id, 'open', 'closing')).toBe(false);
    expect(await store.decide(id, item!.itemId, decisionBy('revoke'))).toBe('not-open');
    expect((await store.listItems(id))[0]!.decision).toBeUndefined();

    expect(await store.setOutcome(id, item!.itemId, { status: 'not-decided' })).toBe(true);
    expect(await store.setOutcome(id, 'repository:x:557058:none', { status: 'kept' })).toBe(false);
    expect(await store.transition(id, 'closing', 'closed', { closedAt: '2026-12-01T00:00:00.000Z' })).toBe(
      true,
    );
    const closed = await store.get(id);
    expect(closed).toMatchObject({
      status: 'closed',
      closedBy: 'alice',
      closedAt: '2026-12-01T00:00:00.000Z',
    });
    expect((await store.listItems(id))[0]!.outcome).toEqual({ status: 'not-decided' });
  });

  it('keeps a campaign invisible until its record is written (items alone are not a campaign)', async () => {
    // A creation that dies after the items (the record's write fails): nothing is readable or listed.
    const failingRecord = {
      send: (command: object) =>
        command instanceof PutCommand
          ? Promise.reject(new Error('crash before the record'))
          : table.documentClient.send(command as never),
    } as unknown as DynamoDBDocumentClient;
    const crashing = new ReviewCampaignStore({ documentClient: failingRecord, tableName: table.tableName });
    const id = newReviewCampaignId();
    await expect(
      crashing.create(campaignOf(id, '2026-11-30T09:00:00.000Z', 30), [itemOf(id, 1), itemOf(id, 2)]),
    ).rejects.toThrow('crash before the record');
    expect(await store.get(id)).toBeNull();
    expect((await store.list(WS)).campaigns.map((campaign) => campaign.id)).not.toContain(id);
    // A record whose id exists is refused rather than overwritten.
    const existing = newReviewCampaignId();
    await store.create(campaignOf(existing, '2026-11-30T09:00:00.000Z', 0), []);
    await expect(store.create(campaignOf(existing, '2026-11-30T09:00:00.000Z', 1), [])).rejects.toThrow();
    expect((await store.get(existing))?.itemCount).toBe(0);
  });
});
