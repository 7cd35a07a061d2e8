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
}

/** Where spending is counted (lib/store's RequestLedger in DynamoDB). */
export interface HourLedger {
  spentInLastHour(now: Date): Promise<HourSpent>;
  record(purpose: BudgetPurpose, requests: number, now: Date): Promise<void>;
}

export interface HourLimits {
  /** Bitbucket's requests per rolling hour for the identity (BITBUCKET_HOURLY_REQUEST_LIMIT, default 1,000). */
  hourlyLimit: number;
  /** The purpose's own share of the hour, if it has one (the sync's SYNC_HOURLY_REQUEST_BUDGET). */
  purposeLimit?: number;
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
}

/** A budget opened for one purpose. Pass `budget` as the call's budget; `close` once the work ends. */
export interface OpenedBudget {
  budget: RequestBudget;
  /** What the hour had spent when the budget opened. */
  spentBefore: HourSpent;
  /** What the hour had left for the purpose when the budget opened (before `cap`). */
  hourLeft: number;
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
  const hourLeft = hourLeftFor(purpose, spentBefore, options);
  const budget = new RequestBudget(Math.min(hourLeft, options.cap ?? Infinity));
  let closed = false;
  return {
    budget,
    spentBefore,
    hourLeft,
    close: async (at = new Date()) => {
      if (closed) return;
      closed = true;
      await ledger.record(purpose, budget.spent, at);
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
