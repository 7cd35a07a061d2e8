// What the credential cannot read, summed up per scope kind from the scopes' sync states: one line per
// kind for the sync status, the completed pass, doctor and the export manifest's coverage.
import { describeGap } from '../bitbucket/capability-gaps.js';
import { parseScopeId } from '../model/index.js';
import type { WorkspaceAdministration, CapabilityGapSummary, ScopeState } from '../store/sync-state.js';

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
  /** Scopes the workspace has that were never read, and why (absent: none). */
  unreadScopes?: { scope: string; reason: string }[];
}

/**
 * The `org-groups` scope of a workspace administered in admin.atlassian.com when it has not been read:
 * answers then cannot say which organization group made someone a member or owner.
 */
function unreadOrganizationGroups(
  states: ReadonlyMap<string, ScopeState>,
  administration: WorkspaceAdministration | undefined,
): { scope: string; reason: string } | undefined {
  if (administration?.mode !== 'organization') return undefined;
  if (!administration.orgGroupsRead) {
    return {
      scope: 'org-groups',
      reason:
        'administered in admin.atlassian.com, and no organization credential is configured (ATLASSIAN_ORG_ID + ATLASSIAN_ADMIN_API_KEY): which organization group makes someone a member or owner is not known',
    };
  }
  const state = states.get('org-groups');
  if (state?.refreshedAt !== undefined) return undefined;
  return {
    scope: 'org-groups',
    reason: `its organization groups were not read yet${state?.lastError ? `: ${state.lastError.message}` : ''}`,
  };
}

/**
 * `{ complete, capabilityGaps, unreadScopes? }` of a workspace from its scopes' sync states and its
 * administration. An access answer or export over a gap understates access (a project admin whose project
 * grants were refused shows only their group's write), or over unread organization groups cannot say why
 * someone is a member or owner, so it says so instead of failing.
 */
export function coverageOf(states: Iterable<ScopeState>, administration?: WorkspaceAdministration): Coverage {
  const all = [...states];
  const capabilityGaps = summariseGaps(all);
  const unread = unreadOrganizationGroups(new Map(all.map((state) => [state.scope, state])), administration);
  return {
    complete: capabilityGaps.length === 0 && unread === undefined,
    capabilityGaps,
    ...(unread ? { unreadScopes: [unread] } : {}),
  };
}
