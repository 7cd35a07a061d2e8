// The diff of one scope: what the observation adds or changes, what it no longer lists, what it
// leaves as is. Pure, so the store's write path is easy to reason about.
import { InvalidItemError, itemIdentity, type GovernanceItem } from '../model/index.js';
import { sameItem, type Observed } from './stored-items.js';

export interface ItemChange {
  before: GovernanceItem | null;
  /** Null for a removal. */
  after: GovernanceItem | null;
}

export interface ScopeDiff {
  changes: ItemChange[];
  unchanged: number;
}

/**
 * The changes that make `stored` match `observed` (one item per identity). Throws InvalidItemError when an
 * identity is observed twice: Bitbucket's pages repeating an item are merged before the diff
 * (lib/sync/observed-items.ts), so a repeat here is a translation stating one fact twice, a programming
 * error. Everything stored that `observed` lacks is removed: callers confirm such removals first
 * (lib/sync/confirmed-listing.ts).
 */
export function diffScope(stored: readonly Observed[], observed: readonly GovernanceItem[]): ScopeDiff {
  const storedByIdentity = new Map(stored.map((entry) => [itemIdentity(entry.item), entry.item]));
  const seen = new Set<string>();
  const changes: ItemChange[] = [];
  let unchanged = 0;
  for (const item of observed) {
    const identity = itemIdentity(item);
    if (seen.has(identity)) throw new InvalidItemError(`observed twice in one scope: ${identity}`);
    seen.add(identity);
    const before = storedByIdentity.get(identity) ?? null;
    if (before !== null && sameItem(before, item)) unchanged += 1;
    else changes.push({ before, after: item });
  }
  for (const [identity, before] of storedByIdentity) {
    if (!seen.has(identity)) changes.push({ before, after: null });
  }
  return { changes, unchanged };
}
