// What one listing walk returned, made fit for a scope diff. Bitbucket pages by page number over a list
// that can move between two page reads (API-NOTES "Pages are not a snapshot"): an item inserted or
// deleted before the reader's position shifts the rest, so the same item can come back on the next page.
// A repeat is Bitbucket's, not ours: it is merged here, before the diff, and diffScope stays strict, where a
// repeated identity can only be a programming error (a translation that states one fact twice).
import { itemIdentity, type GovernanceItem } from '../model/index.js';
import { sameItem } from '../store/stored-items.js';

export interface MergedListing {
  /** One item per identity, in first-seen order, with the content of its last occurrence. */
  items: GovernanceItem[];
  /** Occurrences dropped because their identity came earlier in the walk (identical or not). */
  repeatsMerged: number;
  /**
   * Identities (`itemIdentity`) whose repeats differed: the later page's content was kept, but either
   * may be stale, so the scope should be read again soon.
   */
  conflicting: string[];
}

/**
 * Merges repeated identities of one listing walk (or of several walks given in read order): identical
 * repeats are dropped and counted; a repeat with other content replaces the earlier one (the later read
 * wins) and is named in `conflicting`. Pure.
 */
export function mergeRepeats(observed: readonly GovernanceItem[]): MergedListing {
  const byIdentity = new Map<string, GovernanceItem>();
  const conflicting = new Set<string>();
  let repeatsMerged = 0;
  for (const item of observed) {
    const identity = itemIdentity(item);
    const earlier = byIdentity.get(identity);
    if (earlier !== undefined) {
      repeatsMerged += 1;
      if (!sameItem(earlier, item)) conflicting.add(identity);
    }
    // Map.set keeps the first position and takes the later content.
    byIdentity.set(identity, item);
  }
  return { items: [...byIdentity.values()], repeatsMerged, conflicting: [...conflicting] };
}

/**
 * What one direct read answers about: a member's user resource and workspace role share their account
 * (one membership row), every other item is its own subject. Used to count and cap confirmation reads.
 */
export function subjectOf(item: GovernanceItem): string {
  if (item.kind === 'grant' && item.resource.type === 'workspace') return `user/${item.principal.id}`;
  if (item.kind === 'resource' && item.type === 'user') return `user/${item.id}`;
  return itemIdentity(item);
}
