// Which scopes a step should refresh, in which order (DESIGN §4): scopes marked dirty; membership
// listings older than their interval; project and repository listings older than theirs; then grant
// scopes, stalest first. Pure, so the order is tested without Bitbucket or DynamoDB. Every kind's
// cadence and rank come from its row in scope-kinds.ts.
import { scopeId, type ResourceType, type ScopeRef } from '../model/index.js';
import type { ScopeState } from '../store/sync-state.js';
import {
  listingKindsOf,
  PER_RESOURCE_KINDS,
  scopeKind,
  SCOPE_KINDS,
  type Cadence,
  type ScopeApi,
} from './scope-kinds.js';

export interface SyncIntervals {
  membershipIntervalMs: number;
  listingIntervalMs: number;
  /** Grant scopes younger than this are not refreshed again (small workspaces would re-read constantly). */
  grantIntervalMs: number;
  /**
   * A scope the credential was refused (a capability gap) is tried again after this long, not every step:
   * a missing scope does not come back by itself, and each try costs requests. Default 6 hours.
   */
  capabilityGapRetryMs?: number;
}

/** Retry interval of a capability gap when the settings name none (6 hours). */
export const DEFAULT_CAPABILITY_GAP_RETRY_MS = 6 * 60 * 60_000;

export type DueReason = 'dirty' | 'never-refreshed' | 'stale';

export interface DueScope {
  scope: ScopeRef;
  id: string;
  reason: DueReason;
  /** Last refresh, for ordering and reports. */
  refreshedAt?: string;
}

/** The workspace-wide listing scopes read through `apis`, in rank order. */
export function listingScopesOf(apis: readonly ScopeApi[] = ['bitbucket']): ScopeRef[] {
  return listingKindsOf(apis).map((row) => ({ kind: row.kind }) as ScopeRef);
}

/** The workspace-wide listing scopes Bitbucket lists, in rank order. */
export const LISTING_SCOPES: readonly ScopeRef[] = listingScopesOf(['bitbucket']);

/**
 * Every scope of a workspace, given the ids of the resources stored, by type, and the APIs it is read
 * through (`atlassian-admin` adds `org-groups` for an organization-administered workspace).
 */
export function scopesOf(
  resourceIds: Partial<Record<ResourceType, readonly string[]>>,
  apis: readonly ScopeApi[] = ['bitbucket'],
): ScopeRef[] {
  return [
    ...listingScopesOf(apis),
    ...PER_RESOURCE_KINDS.flatMap((row) =>
      (resourceIds[row.perResource.resourceType] ?? []).map((id) => row.perResource.scopeOf(id)),
    ),
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
  // Only workspace-wide listings are stretched: their scope id is their kind. Only Bitbucket's hour is
  // planned here; the Admin API's listings are paid from their own.
  const cost = (cadence: Cadence) =>
    listingKindsOf(['bitbucket'])
      .filter((row) => row.cadence === cadence)
      .reduce((sum, row) => sum + (states.get(row.kind)?.requests ?? 0), 0);
  const affordable = (configured: number, requests: number) =>
    Math.max(
      configured,
      Math.ceil((requests * 3_600_000) / (PERIODIC_LISTING_BUDGET_SHARE * hourlyRequestBudget)),
    );
  return {
    ...intervals,
    membershipIntervalMs: affordable(intervals.membershipIntervalMs, cost('membership')),
    listingIntervalMs: affordable(intervals.listingIntervalMs, cost('listing')),
  };
}

const INTERVAL_OF: Record<Cadence, 'membershipIntervalMs' | 'listingIntervalMs' | 'grantIntervalMs'> = {
  membership: 'membershipIntervalMs',
  listing: 'listingIntervalMs',
  grants: 'grantIntervalMs',
};

function intervalOf(scope: ScopeRef, intervals: SyncIntervals): number {
  return intervals[INTERVAL_OF[scopeKind(scope.kind).cadence]];
}

function dueReason(state: ScopeState | undefined, scope: ScopeRef, now: number, intervals: SyncIntervals) {
  // A refused scope waits for its retry even when marked dirty: the refusal would not change.
  const gap = state?.capabilityGap;
  // An inferred gap was never called: it is tried again at its kind's interval, like any stale scope.
  const gapRetryMs = gap?.inferredFrom
    ? Math.min(
        intervalOf(scope, intervals),
        intervals.capabilityGapRetryMs ?? DEFAULT_CAPABILITY_GAP_RETRY_MS,
      )
    : (intervals.capabilityGapRetryMs ?? DEFAULT_CAPABILITY_GAP_RETRY_MS);
  if (gap && now - Date.parse(gap.checkedAt) < gapRetryMs) return undefined;
  if (state?.dirty) return 'dirty';
  if (!state?.refreshedAt) return 'never-refreshed';
  return now - Date.parse(state.refreshedAt) >= intervalOf(scope, intervals) ? 'stale' : undefined;
}

const RANK = new Map(SCOPE_KINDS.map((row) => [row.kind, row.rank]));

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
      (RANK.get(a.scope.kind) ?? 0) - (RANK.get(b.scope.kind) ?? 0) ||
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
