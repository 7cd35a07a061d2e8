// The one home of the rolling hour (DESIGN §4, §8): Bitbucket allows about 1,000 requests per identity
// per rolling hour, shared by the sync, webhook refreshes, provisioning and workspace discovery. Every
// Bitbucket call is paid from a budget opened here for its purpose, sized from what the ledger says the
// hour has left, and what it spent is recorded in the ledger when it closes.
import { RequestBudget } from '../bitbucket/index.js';

/**
 * What a budget pays for; the ledger counts spending per purpose. `diagnostics`: `bbgov doctor`;
 * `hook-install`: `bbgov webhooks install`.
 */
export type BudgetPurpose =
  'sync' | 'webhook' | 'provisioning' | 'discovery' | 'diagnostics' | 'hook-install';

/** Requests spent in the last 60 minutes, in total and per purpose; `frees`: epoch ms when the oldest leaves. */
export interface HourSpent {
  total: number;
  byPurpose: Record<string, number>;
  frees?: number;
  /**
   * The identity's requests per rolling hour as Bitbucket last stated it (`X-RateLimit-Limit`, sent to
   * access tokens with scaled limits; API-NOTES "Rate limits and errors"), recorded with the spending.
   */
  observedLimit?: number;
}

/** Where spending is counted (lib/store's RequestLedger in DynamoDB), one ledger per identity. */
export interface HourLedger {
  spentInLastHour(now: Date): Promise<HourSpent>;
  /** Adds `requests` to the minute of `now`; `observedLimit` (requests/hour) is kept for later budgets. */
  record(purpose: BudgetPurpose, requests: number, now: Date, observedLimit?: number): Promise<void>;
}

export interface HourLimits {
  /** Bitbucket's requests per rolling hour for the identity (BITBUCKET_HOURLY_REQUEST_LIMIT, default 1,000). */
  hourlyLimit: number;
  /** The purpose's own share of the hour, if it has one (the sync's SYNC_HOURLY_REQUEST_BUDGET). */
  purposeLimit?: number;
}

/**
 * The limits to plan with once Bitbucket has stated the identity's hourly limit: the identity's limit
 * becomes the stated one and the purpose's share scales with it (800 of 1,000 configured, 10,000 stated:
 * 8,000). Without a stated limit, or when it equals the configured one, `limits` as they are.
 */
export function limitsFollowing(limits: HourLimits, observedLimit: number | undefined): HourLimits {
  if (observedLimit === undefined || observedLimit === limits.hourlyLimit) return limits;
  return {
    hourlyLimit: observedLimit,
    ...(limits.purposeLimit === undefined
      ? {}
      : { purposeLimit: Math.floor((limits.purposeLimit * observedLimit) / limits.hourlyLimit) }),
  };
}

/** Requests the rolling hour has left for `purpose`: within its own share and within the identity's limit. */
export function hourLeftFor(purpose: BudgetPurpose, spent: HourSpent, limits: HourLimits): number {
  const ofIdentity = limits.hourlyLimit - spent.total;
  const ofPurpose =
    limits.purposeLimit === undefined ? Infinity : limits.purposeLimit - (spent.byPurpose[purpose] ?? 0);
  return Math.max(0, Math.min(ofIdentity, ofPurpose));
}

export interface OpenBudgetOptions extends HourLimits {
  /** At most this many requests, whatever the hour has left. */
  cap?: number;
  /** The time the budget opens (default now). */
  now?: Date;
  /**
   * Reads the identity's `X-RateLimit-Limit` as its client last saw it (BitbucketClient.observedHourlyLimit);
   * read when the budget closes and recorded with the spending, so later budgets follow it.
   */
  observedLimit?: () => number | undefined;
}

/** A budget opened for one purpose. Pass `budget` as the call's budget; `close` once the work ends. */
export interface OpenedBudget {
  budget: RequestBudget;
  /** What the hour had spent when the budget opened. */
  spentBefore: HourSpent;
  /** What the hour had left for the purpose when the budget opened (before `cap`). */
  hourLeft: number;
  /** The limits the budget was sized with: the configured ones, or those following a stated limit. */
  limits: HourLimits;
  /** Records what the budget spent in the ledger (once; later calls record nothing). */
  close(at?: Date): Promise<void>;
}

/** Opens a budget for `purpose` from what the rolling hour has left. Errors of the ledger propagate. */
export async function openHourlyBudget(
  ledger: HourLedger,
  purpose: BudgetPurpose,
  options: OpenBudgetOptions,
): Promise<OpenedBudget> {
  const openedAt = options.now ?? new Date();
  const spentBefore = await ledger.spentInLastHour(openedAt);
  const limits = limitsFollowing(options, spentBefore.observedLimit);
  const hourLeft = hourLeftFor(purpose, spentBefore, limits);
  const budget = new RequestBudget(Math.min(hourLeft, options.cap ?? Infinity));
  let closed = false;
  return {
    budget,
    spentBefore,
    hourLeft,
    limits,
    close: async (at = new Date()) => {
      if (closed) return;
      closed = true;
      const observed = options.observedLimit?.();
      if (budget.spent > 0 || (observed !== undefined && observed !== spentBefore.observedLimit))
        await ledger.record(purpose, budget.spent, at, observed);
    },
  };
}

/** Runs `work` on a budget opened for `purpose` and records what it spent, also when `work` throws. */
export async function withHourlyBudget<T>(
  ledger: HourLedger,
  purpose: BudgetPurpose,
  options: OpenBudgetOptions,
  work: (opened: OpenedBudget) => Promise<T>,
): Promise<T> {
  const opened = await openHourlyBudget(ledger, purpose, options);
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}
