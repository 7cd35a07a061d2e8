// The step's plan: which scopes are due, in which order, and how listing intervals stretch so that
// re-reading a large workspace's members and listings never starves its grant scopes.
import { describe, expect, it } from 'vitest';
import type { ScopeState } from '../../../lib/store/sync-state.js';
import type { SyncIntervals } from '../../../lib/sync/scope-plan.js';
import {
  scopesOf,
  DEFAULT_SYNC_SETTINGS,
  dueScopes,
  PERIODIC_LISTING_BUDGET_SHARE,
  stretchedIntervals,
} from '../../../lib/sync/index.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-11-28T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * MINUTE).toISOString();
const states = (entries: ScopeState[]) => new Map(entries.map((state) => [state.scope, state]));

describe('stretchedIntervals', () => {
  it('keeps the configured intervals while a kind of listing fits its share of the budget', () => {
    // 1,000 members (10 pages) and one groups call every 15 minutes: 44 of 800 an hour.
    const small = states([
      { scope: 'members', requests: 10 },
      { scope: 'groups', requests: 1 },
      { scope: 'projects', requests: 1 },
      { scope: 'repositories', requests: 20 },
    ]);
    expect(stretchedIntervals(DEFAULT_SYNC_SETTINGS, small, 800)).toEqual(DEFAULT_SYNC_SETTINGS);
  });

  it("stretches an interval so that kind's refreshes cost at most its share of the hourly budget", () => {
    // 10,000 members: 100 pages + 1 groups call; at 15 minutes that would be 404 of 800 an hour.
    const large = states([
      { scope: 'members', requests: 100 },
      { scope: 'groups', requests: 1 },
      { scope: 'projects', requests: 2 },
      { scope: 'repositories', requests: 100 },
    ]);
    const intervals = stretchedIntervals(DEFAULT_SYNC_SETTINGS, large, 800);
    const perHour = (requests: number, intervalMs: number) => (requests * 60 * MINUTE) / intervalMs;
    expect(intervals.membershipIntervalMs).toBeGreaterThan(DEFAULT_SYNC_SETTINGS.membershipIntervalMs);
    expect(perHour(101, intervals.membershipIntervalMs)).toBeCloseTo(PERIODIC_LISTING_BUDGET_SHARE * 800, 0);
    // 102 requests an hour at the configured 60 minutes already fit 200: unchanged.
    expect(intervals.listingIntervalMs).toBe(DEFAULT_SYNC_SETTINGS.listingIntervalMs);
    expect(intervals.grantIntervalMs).toBe(DEFAULT_SYNC_SETTINGS.grantIntervalMs);
  });
});

describe('dueScopes', () => {
  const scopes = scopesOf({ project: ['p1'], repository: ['r1', 'r2', 'r3'] });

  it('orders dirty scopes first, then membership, listings, and grant scopes never read or stalest first', () => {
    const due = dueScopes(
      scopes,
      states([
        { scope: 'members', refreshedAt: at(20) },
        { scope: 'groups', refreshedAt: at(5) },
        { scope: 'projects', refreshedAt: at(61) },
        { scope: 'repositories', refreshedAt: at(10) },
        { scope: 'project-grants/p1', refreshedAt: at(70) },
        { scope: 'repository-grants/r1', refreshedAt: at(90) },
        { scope: 'repository-grants/r2', refreshedAt: at(5), dirty: true },
      ]),
      NOW,
      DEFAULT_SYNC_SETTINGS,
    );
    expect(due.map((entry) => `${entry.id}:${entry.reason}`)).toEqual([
      'repository-grants/r2:dirty',
      'members:stale',
      'projects:stale',
      'repository-grants/r3:never-refreshed',
      'repository-grants/r1:stale',
      'project-grants/p1:stale',
    ]);
  });

  it('leaves membership alone until its stretched interval has passed', () => {
    const refreshed = states([
      { scope: 'members', refreshedAt: at(20), requests: 100 },
      { scope: 'groups', refreshedAt: at(20), requests: 1 },
    ]);
    const dueIds = (intervals: SyncIntervals) =>
      dueScopes(scopes.slice(0, 2), refreshed, NOW, intervals).map((entry) => entry.id);
    expect(dueIds(DEFAULT_SYNC_SETTINGS)).toEqual(['members', 'groups']);
    expect(dueIds(stretchedIntervals(DEFAULT_SYNC_SETTINGS, refreshed, 800))).toEqual([]);
  });

  it('waits the gap retry interval before trying a refused scope again, even when it is marked dirty', () => {
    const gap = (minutesAgo: number) => ({
      since: at(600),
      checkedAt: at(minutesAgo),
      status: 401 as const,
      likelyMissing: ['read:project:bitbucket'],
      namedByBitbucket: false,
      message: 'refused',
    });
    const refused = (minutesAgo: number) =>
      states([{ scope: 'projects', dirty: true, refreshedAt: at(700), capabilityGap: gap(minutesAgo) }]);
    const projects = [{ kind: 'projects' as const }];
    const dueIds = (state: ReturnType<typeof refused>, intervals: SyncIntervals = DEFAULT_SYNC_SETTINGS) =>
      dueScopes(projects, state, NOW, intervals).map((entry) => entry.id);
    expect(dueIds(refused(10))).toEqual([]);
    expect(dueIds(refused(6 * 60))).toEqual(['projects']);
    expect(dueIds(refused(10), { ...DEFAULT_SYNC_SETTINGS, capabilityGapRetryMs: 5 * MINUTE })).toEqual([
      'projects',
    ]);
  });
});
