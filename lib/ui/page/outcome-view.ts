// A closed campaign's revocations by where they ended: verified gone, still reachable (with the paths
// left), failed (with Bitbucket's reason), or not removable here (with why), and the kept items a revoke
// took too, so an administrator reads the result rather than the close answer's JSON.
import type { ReviewItem } from './api.js';
import { formatDate, h } from './dom.js';
import { outcomeLabel, resourceLabel } from './words.js';

/**
 * Where a revoke can end, done first, then what still needs someone's attention; last the kept (or
 * undecided) items another revoke's change removed or lowered.
 */
const REVOKE_OUTCOMES = [
  'revoked-verified',
  'still-reachable',
  'revoke-failed',
  'cannot-remove',
  'removed-by-another-revoke',
] as const;

/** What the outcome's detail is, in words, per status. */
const DETAIL_WORDS: Record<string, string> = {
  'still-reachable': 'Paths left',
  'revoke-failed': 'Reason',
  'cannot-remove': 'Why',
};

/** The outcome's detail without the "still reachable:" the close writes before the paths it lists. */
function detailText(item: ReviewItem): string | undefined {
  return item.outcome?.detail?.replace(/^still reachable: /, '');
}

function outcomeItem(item: ReviewItem): HTMLElement {
  const status = item.outcome!.status;
  const detail = detailText(item);
  const changedBy = item.outcome!.changedBy;
  const changes = changedBy?.actions ?? (item.plan?.actions ?? []).map((action) => action.description);
  return h(
    'li',
    { class: 'item', 'data-outcome-item': item.itemId },
    h('strong', {}, `${item.displayName}: ${item.permission} on ${resourceLabel(item.resource)}`),
    changes.length > 0 ? h('p', {}, `Change: ${changes.join('; ')}`) : null,
    // changedBy says in parts what a removed-by-another-revoke detail says in one sentence.
    detail && !changedBy ? h('p', {}, `${DETAIL_WORDS[status] ?? 'Detail'}: ${detail}`) : null,
    changedBy
      ? h('p', {}, `Now: ${changedBy.permissionAfter ?? 'no access'} (was ${changedBy.permissionBefore})`)
      : null,
    status === 'revoked-verified' && item.outcome!.verifiedAt
      ? h('p', { class: 'muted' }, `Verified ${formatDate(item.outcome!.verifiedAt)}`)
      : null,
  );
}

/** A closed campaign's items by outcome, one section per revoke outcome (empty ones say so). */
export function outcomeSections(items: ReviewItem[]): HTMLElement {
  const revokes = items.filter((item) => item.decision?.decision === 'revoke');
  return h(
    'section',
    { 'aria-labelledby': 'outcomes-title' },
    h('h3', { id: 'outcomes-title' }, `Revocation outcomes (${revokes.length} revoked)`),
    REVOKE_OUTCOMES.map((status) => {
      const ended = items.filter((item) => item.outcome?.status === status);
      return h(
        'section',
        { 'data-outcome': status, 'aria-labelledby': `outcome-${status}` },
        h('h4', { id: `outcome-${status}` }, `${outcomeLabel(status)} (${ended.length})`),
        ended.length === 0
          ? h('p', { class: 'muted' }, 'None.')
          : h('ul', { class: 'items' }, ended.map(outcomeItem)),
      );
    }),
  );
}
