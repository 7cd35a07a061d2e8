// What the credential cannot read, summed up per scope kind from the scopes' sync states: one line per
// kind for the sync status, the completed pass, doctor and the export manifest's coverage.
import { describeGap } from '../bitbucket/capability-gaps.js';
import { parseScopeId } from '../model/index.js';
import type { CapabilityGapSummary, ScopeState } from '../store/sync-state.js';

/**
 * The gaps among `states`, one summary per scope kind (ordered by kind name), naming the earliest
 * `since` and the most recent refusal's endpoint and likely missing scopes. Empty when nothing is refused.
 */
export function summariseGaps(states: Iterable<ScopeState>): CapabilityGapSummary[] {
  const byKind = new Map<string, { summary: CapabilityGapSummary; checkedAt: string }>();
  for (const state of states) {
    const gap = state.capabilityGap;
    if (!gap) continue;
    const kind = parseScopeId(state.scope).kind;
    const current = byKind.get(kind);
    if (!current) {
      byKind.set(kind, {
        checkedAt: gap.checkedAt,
        summary: {
          kind,
          scopes: 1,
          status: gap.status,
          ...(gap.endpoint ? { endpoint: gap.endpoint } : {}),
          likelyMissing: [...gap.likelyMissing],
          since: gap.since,
          message: describeGap(kind, gap),
          bitbucketSaid: gap.message,
        },
      });
      continue;
    }
    current.summary.scopes += 1;
    if (gap.since < current.summary.since) current.summary.since = gap.since;
    if (gap.checkedAt > current.checkedAt && gap.inferredFrom === undefined) {
      current.checkedAt = gap.checkedAt;
      Object.assign(current.summary, {
        status: gap.status,
        likelyMissing: [...gap.likelyMissing],
        message: describeGap(kind, gap),
        bitbucketSaid: gap.message,
        ...(gap.endpoint ? { endpoint: gap.endpoint } : {}),
      });
    }
  }
  return [...byKind.values()].map(({ summary }) => summary).sort((a, b) => a.kind.localeCompare(b.kind));
}

/** Total scopes with a gap in `summaries`. */
export function gapScopeCount(summaries: readonly CapabilityGapSummary[]): number {
  return summaries.reduce((sum, summary) => sum + summary.scopes, 0);
}

/** What an answer built from the stored picture could not see (read-schemas.ts `Coverage`). */
export interface Coverage {
  /** False when some scope of the workspace could not be read. */
  complete: boolean;
  /** One summary per scope kind the credential is refused (summariseGaps). */
  capabilityGaps: CapabilityGapSummary[];
}

/**
 * `{ complete, capabilityGaps }` of a workspace from its scopes' sync states. An access answer or export
 * over a gap understates access (a project admin whose project grants were refused shows only their
 * group's write), so it says so instead of failing.
 */
export function coverageOf(states: Iterable<ScopeState>): Coverage {
  const capabilityGaps = summariseGaps(states);
  return { complete: capabilityGaps.length === 0, capabilityGaps };
}
