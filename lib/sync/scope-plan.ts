// Which scopes a step should refresh, in which order (DESIGN §4): scopes marked dirty; membership
// listings older than their interval; project and repository listings older than theirs; then grant
// scopes, stalest first. Pure, so the order is tested without Bitbucket or DynamoDB.
import { scopeId, type ScopeRef } from '../model/index.js';
import type { ScopeState } from '../store/sync-state.js';

export interface SyncIntervals {
  membershipIntervalMs: number;
  listingIntervalMs: number;
  /** Grant scopes younger than this are not refreshed again (small workspaces would re-read constantly). */
  grantIntervalMs: number;
}

export type DueReason = 'dirty' | 'never-refreshed' | 'stale';

export interface DueScope {
  scope: ScopeRef;
  id: string;
  reason: DueReason;
  /** Last refresh, for ordering and reports. */
  refreshedAt?: string;
}

export const LISTING_SCOPES: ScopeRef[] = [
  { kind: 'members' },
  { kind: 'groups' },
  { kind: 'projects' },
  { kind: 'repositories' },
];

/** Every scope of a workspace, given the projects and repositories currently stored. */
export function allScopes(projectIds: readonly string[], repositoryIds: readonly string[]): ScopeRef[] {
  return [
    ...LISTING_SCOPES,
    ...projectIds.map((projectId): ScopeRef => ({ kind: 'project-grants', projectId })),
    ...repositoryIds.map((repositoryId): ScopeRef => ({ kind: 'repository-grants', repositoryId })),
  ];
}

/**
 * Membership refreshes (members, groups) and listing refreshes (projects, repositories) each spend at
 * most this share of the hourly budget; the rest is left for grant scopes.
 */
export const PERIODIC_LISTING_BUDGET_SHARE = 0.25;

/**
 * The intervals to plan with: the configured ones, stretched where re-reading a kind of listing at its
 * interval would cost more than its share of the hourly budget. On 10,000 members (101 requests) and
 * 800/h, membership is re-read every 31 minutes instead of 15, which leaves grant scopes about half the
 * budget instead of a third. Costs are what the last refresh of each scope took.
 */
export function stretchedIntervals(
  intervals: SyncIntervals,
  states: ReadonlyMap<string, ScopeState>,
  hourlyRequestBudget: number,
): SyncIntervals {
  const cost = (...kinds: string[]) =>
    kinds.reduce((sum, kind) => sum + (states.get(kind)?.requests ?? 0), 0);
  const affordable = (configured: number, requests: number) =>
    Math.max(
      configured,
      Math.ceil((requests * 3_600_000) / (PERIODIC_LISTING_BUDGET_SHARE * hourlyRequestBudget)),
    );
  return {
    ...intervals,
    membershipIntervalMs: affordable(intervals.membershipIntervalMs, cost('members', 'groups')),
    listingIntervalMs: affordable(intervals.listingIntervalMs, cost('projects', 'repositories')),
  };
}

function intervalOf(scope: ScopeRef, intervals: SyncIntervals): number {
  switch (scope.kind) {
    case 'members':
    case 'groups':
      return intervals.membershipIntervalMs;
    case 'projects':
    case 'repositories':
      return intervals.listingIntervalMs;
    default:
      return intervals.grantIntervalMs;
  }
}

function dueReason(state: ScopeState | undefined, scope: ScopeRef, now: number, intervals: SyncIntervals) {
  if (state?.dirty) return 'dirty';
  if (!state?.refreshedAt) return 'never-refreshed';
  return now - Date.parse(state.refreshedAt) >= intervalOf(scope, intervals) ? 'stale' : undefined;
}

// Grant scopes share one rank: among them only age counts. Ranking project grants first would let
// their re-reads (200 projects: 400 requests an hour at a 60-minute interval) take all that grant scopes
// get of an 800/h budget on a large workspace, and its repositories would never be read.
const KIND_ORDER: Record<ScopeRef['kind'], number> = {
  members: 0,
  groups: 1,
  projects: 2,
  repositories: 3,
  'project-grants': 4,
  'repository-grants': 4,
};

/**
 * The scopes due now, in refresh order: dirty first, then by kind (membership, listings, grants), and
 * within a kind the never-refreshed and then the stalest first (project and repository grant scopes
 * together).
 */
export function dueScopes(
  scopes: readonly ScopeRef[],
  states: ReadonlyMap<string, ScopeState>,
  now: number,
  intervals: SyncIntervals,
): DueScope[] {
  const due: DueScope[] = [];
  for (const scope of scopes) {
    const id = scopeId(scope);
    const state = states.get(id);
    const reason = dueReason(state, scope, now, intervals);
    if (reason)
      due.push({ scope, id, reason, ...(state?.refreshedAt ? { refreshedAt: state.refreshedAt } : {}) });
  }
  const age = (entry: DueScope) => (entry.refreshedAt ? Date.parse(entry.refreshedAt) : -Infinity);
  return due.sort(
    (a, b) =>
      Number(b.reason === 'dirty') - Number(a.reason === 'dirty') ||
      KIND_ORDER[a.scope.kind] - KIND_ORDER[b.scope.kind] ||
      age(a) - age(b) ||
      a.id.localeCompare(b.id),
  );
}

/** Oldest refresh age per scope kind, in seconds (null: some scope of that kind was never refreshed). */
export function freshnessByKind(
  scopes: readonly ScopeRef[],
  states: ReadonlyMap<string, ScopeState>,
  now: number,
): Record<string, number | null> {
  const oldest: Record<string, number | null> = {};
  for (const scope of scopes) {
    const refreshedAt = states.get(scopeId(scope))?.refreshedAt;
    const age = refreshedAt ? Math.max(0, Math.round((now - Date.parse(refreshedAt)) / 1000)) : null;
    const current = oldest[scope.kind];
    if (current === undefined) oldest[scope.kind] = age;
    else if (current !== null) oldest[scope.kind] = age === null ? null : Math.max(current, age);
  }
  return oldest;
}
