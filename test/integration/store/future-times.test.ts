// Observation and activity times from the future are refused by the store itself: one written once would
// win every later observedAt guard, or pin an activity time that never ages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../../lib/model/index.js';
import { ActivityLog } from '../../../lib/store/activity-log.js';
import { FutureObservationError, GovernanceStore, MAX_CLOCK_LEAD_MS } from '../../../lib/store/index.js';
import { freshTable } from '../../support/dynamodb.js';
import { ORIGIN, uuidOf } from './store-fixtures.js';

let table: Awaited<ReturnType<typeof freshTable>>;
const NOW = new Date('2026-11-29T12:00:00.000Z');
const WS = uuidOf('w', 1);
const REPO = uuidOf('r', 1);
const repository = resource('repository', REPO, {
  slug: 'api',
  name: 'api',
  fullName: 'acme/api',
  projectUuid: null,
  isPrivate: true,
});

beforeAll(async () => {
  table = await freshTable('future-times');
});
afterAll(() => table.client.destroy());

describe('times from the future', () => {
  it('refuses an observedAt later than now, writes nothing, and still takes a time within the clock lead', async () => {
    const store = new GovernanceStore({ ...table, now: () => NOW });
    await expect(
      store.applyItemChanges(WS, { upsert: [repository] }, '2099-01-01T00:00:00.000Z', ORIGIN),
    ).rejects.toBeInstanceOf(FutureObservationError);
    await expect(
      store.applyScopeDiff(WS, { kind: 'repositories' }, [repository], '2099-01-01T00:00:00.000Z', ORIGIN),
    ).rejects.toThrow('observedAt 2099-01-01T00:00:00.000Z is later than now');
    expect(await store.getResource(WS, 'repository', REPO)).toBeNull();
    // The stored picture can still move: a time within the lead lands, and a later real observation wins.
    const withinLead = new Date(NOW.getTime() + MAX_CLOCK_LEAD_MS).toISOString();
    await store.applyItemChanges(WS, { upsert: [repository] }, withinLead, ORIGIN);
    expect((await store.getResource(WS, 'repository', REPO))?.observedAt).toBe(withinLead);
  });

  it('refuses an activity time later than now', async () => {
    const activity = new ActivityLog({ ...table, now: () => NOW });
    const observation = {
      accountId: '557058:ada',
      actorType: 'user' as const,
      repositoryId: REPO,
      eventKey: 'repo:push',
    };
    await expect(
      activity.record(WS, { ...observation, at: '2099-01-01T00:00:00.000Z' }),
    ).rejects.toBeInstanceOf(FutureObservationError);
    expect(await activity.record(WS, { ...observation, at: NOW.toISOString() })).toBe(true);
  });
});
