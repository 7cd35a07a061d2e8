// One scope's listing as the diff may trust it. Pages are not a snapshot (API-NOTES): one walk can repeat
// an item or skip one that exists. Repeats are merged (observed-items.ts); a stored item the walk did not
// return is removed only once it is confirmed gone: by a direct read answering 404, one per missing
// subject up to a limit; for more than the limit a second walk comes first, and what two agreeing walks
// both miss is gone when the direct reads of a sample of it find none present. What stays unconfirmed is
// kept and the scope is flagged for a re-read. Every request goes through the caller's `call`, so its budget and deadline count
// them. A source whose listing of a kind is one consistent answer (Bitbucket's 1.0 groups) is trusted
// as it is.
import {
  BudgetExhausted,
  DeadlineExceeded,
  RequestBudget,
  SharedBudget,
  type CallOptions,
} from '../bitbucket/index.js';
import { itemIdentity, type GovernanceItem } from '../model/index.js';
import type { ScopeLister, ScopeTarget, SourceWorkspace } from '../source/index.js';
import type { Observed } from '../store/index.js';
import { mergeRepeats, subjectOf } from './observed-items.js';

/** Direct reads one refresh may spend confirming removals (members count once for user and role). */
export const DEFAULT_CONFIRMATION_LIMIT = 10;

/** What drift one refresh met and what confirming it cost. Item counts are model items (a member is two). */
export interface DriftCounts {
  /** Repeated occurrences merged (identical or not), over every walk of this refresh. */
  repeatsMerged: number;
  /** Of those, identities whose repeats differed (the later read was kept). */
  repeatsConflicting: number;
  /**
   * Stored items the walk missed and confirmed gone (a direct read's 404, two agreeing walks, or a
   * snapshot listing): removed unless the deletion guard holds the diff.
   */
  removalsConfirmed: number;
  /** Stored items the walk missed that were not removed (found again, read back, or unconfirmed). */
  removalsKept: number;
  /** Of `removalsKept`, those nothing confirmed either way (kept as stored). */
  removalsUnconfirmed: number;
  /** Requests spent confirming: the second walk's pages and the direct reads. */
  confirmationRequests: number;
  /** Second walks of the listing made (0 or 1). */
  secondWalks: number;
}

export interface ConfirmedListing {
  /** The items to diff against what is stored: one per identity. */
  items: GovernanceItem[];
  drift: DriftCounts;
  /** Set when the listing could not be trusted whole: read the scope again soon. */
  reread?: { reason: string };
}

export interface ListingContext {
  source: ScopeLister;
  workspace: SourceWorkspace;
  /** Every request of the listing and its confirmation is paid from `call.budget`. */
  call: CallOptions;
  /** Direct reads (subjects) at most; above it a second walk comes first. Default 10. */
  confirmationLimit?: number;
}

/** The budget and deadline running out end confirming early; anything else is the source failing. */
const endsConfirming = (error: unknown) =>
  error instanceof BudgetExhausted || error instanceof DeadlineExceeded;

function groupBySubject(items: readonly GovernanceItem[]): Map<string, GovernanceItem[]> {
  const subjects = new Map<string, GovernanceItem[]>();
  for (const item of items) {
    const subject = subjectOf(item);
    subjects.set(subject, [...(subjects.get(subject) ?? []), item]);
  }
  return subjects;
}

/**
 * Lists `target` through `context.source` and settles what the walk missed against `stored` (the scope's
 * stored items). Throws the source's typed errors when the first walk fails (nothing is trusted then);
 * the budget or deadline running out while confirming keeps every unconfirmed item instead of throwing.
 */
export async function listConfirmed(
  context: ListingContext,
  target: ScopeTarget,
  stored: readonly Observed[],
): Promise<ConfirmedListing> {
  const { source, workspace, call } = context;
  const limit = context.confirmationLimit ?? DEFAULT_CONFIRMATION_LIMIT;
  const first = mergeRepeats(await source.listScope(workspace, target, call));
  const drift: DriftCounts = {
    repeatsMerged: first.repeatsMerged,
    repeatsConflicting: first.conflicting.length,
    removalsConfirmed: 0,
    removalsKept: 0,
    removalsUnconfirmed: 0,
    confirmationRequests: 0,
    secondWalks: 0,
  };
  const reasons: string[] = [];
  if (first.conflicting.length > 0)
    reasons.push(`${first.conflicting.length} item(s) read twice with different content`);
  const items = new Map(first.items.map((item) => [itemIdentity(item), item]));
  let missing = stored.map(({ item }) => item).filter((item) => !items.has(itemIdentity(item)));
  const settled = (): ConfirmedListing => ({
    items: [...items.values()],
    drift,
    ...(reasons.length > 0 ? { reread: { reason: reasons.join('; ') } } : {}),
  });

  // Bitbucket's groups come in one answer: what it omits is gone.
  if (missing.length === 0 || source.isSnapshot(target.kind)) {
    drift.removalsConfirmed = missing.length;
    return settled();
  }

  // Confirmation requests are counted apart while still paid from the caller's budget.
  const counted = new SharedBudget(call.budget ?? new RequestBudget(Number.POSITIVE_INFINITY));
  const confirmCall: CallOptions = { ...call, budget: counted };
  const keep = (kept: readonly GovernanceItem[], unconfirmed: boolean) => {
    for (const item of kept) items.set(itemIdentity(item), item);
    drift.removalsKept += kept.length;
    if (unconfirmed) drift.removalsUnconfirmed += kept.length;
  };
  const finish = (stopped: unknown) => {
    drift.confirmationRequests = counted.spent;
    if (missing.length > 0) {
      keep(missing, true);
      const why = stopped instanceof Error ? ` (${stopped.name})` : '';
      reasons.push(`${drift.removalsUnconfirmed} missing item(s) not confirmed gone${why}`);
    }
    return settled();
  };

  // Many missing items: one more walk costs less than their direct reads and finds what the first skipped.
  // Two walks that agree (the same identities, nothing repeated) saw a list that did not move: what both
  // miss is gone, once a sample of direct reads finds none of it present.
  let walksAgree = false;
  if (groupBySubject(missing).size > limit) {
    drift.secondWalks = 1;
    try {
      const second = mergeRepeats(await source.listScope(workspace, target, confirmCall));
      drift.repeatsMerged += second.repeatsMerged;
      drift.repeatsConflicting += second.conflicting.length;
      walksAgree =
        first.repeatsMerged === 0 &&
        second.repeatsMerged === 0 &&
        second.items.length === first.items.length &&
        second.items.every((item) => items.has(itemIdentity(item)));
      const found = new Map(second.items.map((item) => [itemIdentity(item), item]));
      // The second walk read later: its content wins for what both walks returned.
      for (const item of second.items) if (items.has(itemIdentity(item))) items.set(itemIdentity(item), item);
      keep(
        missing.flatMap((item) => found.get(itemIdentity(item)) ?? []),
        false,
      );
      missing = missing.filter((item) => !found.has(itemIdentity(item)));
    } catch (error) {
      if (!endsConfirming(error)) throw error;
      return finish(error);
    }
  }

  // One direct read per subject, up to the limit; a subject at a time, so what was read is kept if the
  // budget runs out halfway.
  const subjects = [...groupBySubject(missing).values()].slice(0, limit);
  let sampleFoundPresent = false;
  for (const asked of subjects) {
    let check;
    try {
      check = await source.confirmAbsent(workspace, target, asked, confirmCall);
    } catch (error) {
      if (!endsConfirming(error)) throw error;
      return finish(error);
    }
    const gone = new Set(check.gone);
    const present = new Map(check.present.map((item) => [itemIdentity(item), item]));
    const answered = asked.filter((item) => gone.has(itemIdentity(item)) || present.has(itemIdentity(item)));
    drift.removalsConfirmed += asked.filter((item) => gone.has(itemIdentity(item))).length;
    if (present.size > 0) sampleFoundPresent = true;
    keep(
      asked.flatMap((item) => present.get(itemIdentity(item)) ?? []),
      false,
    );
    const answeredIds = new Set(answered.map(itemIdentity));
    missing = missing.filter((item) => !answeredIds.has(itemIdentity(item)));
  }
  if (walksAgree && !sampleFoundPresent) {
    // Confirmed by the second, consistent walk (the deletion guard still holds a mass removal).
    drift.removalsConfirmed += missing.length;
    missing = [];
  }
  return finish(undefined);
}
