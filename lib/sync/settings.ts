// The sync's settings, their defaults (DESIGN §4), how much one step may spend, and how the validated
// configuration (lib/config) maps onto them.
import { hourLeftFor, type HourLimits } from '../budget/index.js';
import type { AppConfig } from '../config/index.js';
import type { DeletionGuard } from './scope-refresh.js';
import type { SyncIntervals } from './scope-plan.js';

export interface SyncSettings extends SyncIntervals {
  /** The sync's requests per rolling hour (SYNC_HOURLY_REQUEST_BUDGET). */
  hourlyRequestBudget: number;
  /** Bitbucket's limit per identity per rolling hour, shared with webhooks and provisioning. */
  hourlyRequestLimit: number;
  deletionGuard: DeletionGuard;
  /** Grant scopes refreshed at once (the client bounds requests in flight separately). */
  parallelScopes: number;
  /** Wait after a 429 that came without Retry-After. */
  rateLimitPauseMs: number;
  /**
   * How often scheduled steps run. When set, a step spends at most the budget's share of one interval
   * (800/h every 5 min: 67), so every step of the hour has requests for due membership listings and for
   * scopes webhooks marked dirty; otherwise the first step of an hour would spend it all and the rest
   * would wait. Unset (back-to-back steps of the CLI), a step may spend whatever the hour has left.
   */
  stepIntervalMs?: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  membershipIntervalMs: 15 * 60_000,
  listingIntervalMs: 60 * 60_000,
  grantIntervalMs: 60 * 60_000,
  hourlyRequestBudget: 800,
  hourlyRequestLimit: 1000,
  deletionGuard: { maxRemovalShare: 0.25, minimumStoredItems: 20 },
  parallelScopes: 4,
  rateLimitPauseMs: 5 * 60_000,
};

export interface StepAllowance {
  /** What the rolling hour has left: the most the step may spend in all. */
  hourLeft: number;
  /**
   * The step's paced share: new scopes start only while the step has spent less than this. A scope
   * started within it may finish on the hour's remainder, so a listing longer than one share (10,000
   * members are 100 pages; the share of a 5-minute step is 67) still completes instead of failing in
   * every step.
   */
  share: number;
}

/** Requests one step may spend: what the rolling hour has left, paced to the schedule when there is one. */
export function stepAllowance(
  settings: SyncSettings,
  spent: { total: number; byPurpose: Record<string, number> },
): StepAllowance {
  const hourLeft = hourLeftFor('sync', spent, syncHourLimits(settings));
  const share = settings.stepIntervalMs
    ? Math.ceil((settings.hourlyRequestBudget * settings.stepIntervalMs) / 3_600_000)
    : Number.POSITIVE_INFINITY;
  return { hourLeft, share: Math.min(hourLeft, share) };
}

/** The sync's limits in the rolling hour: its own share and the identity's limit. */
export function syncHourLimits(settings: SyncSettings): HourLimits {
  return { hourlyLimit: settings.hourlyRequestLimit, purposeLimit: settings.hourlyRequestBudget };
}

export function syncSettingsFromConfig(config: AppConfig): SyncSettings {
  return {
    ...DEFAULT_SYNC_SETTINGS,
    membershipIntervalMs: config.sync.membershipIntervalMs,
    listingIntervalMs: config.sync.listingIntervalMs,
    // Grant scopes follow the listing interval: both are "how stale may a listing get when budget allows".
    grantIntervalMs: config.sync.listingIntervalMs,
    hourlyRequestBudget: config.sync.hourlyRequestBudget,
    hourlyRequestLimit: config.bitbucket.hourlyRequestLimit,
    deletionGuard: {
      ...DEFAULT_SYNC_SETTINGS.deletionGuard,
      maxRemovalShare: config.sync.deletionGuardShare,
    },
    stepIntervalMs: config.sync.stepIntervalMs,
    capabilityGapRetryMs: config.sync.capabilityGapRetryMs,
  };
}
