// The campaign page for administrators: progress per reviewer, the unassigned items (no reviewer could be
// assigned: administrators decide them), closing (a dry run first, then for real, warned of undecided
// items) and the report downloads (CSV, JSON, and the manifest naming both files' SHA-256).
import { getBlob, getJson, postJson, seg, type Campaign, type ReviewItem, type Session } from './api.js';
import { announce, formatDate, h, replaceChildren } from './dom.js';
import { guarded, inScreenOrder, itemSections, type ItemsState } from './items-view.js';
import { outcomeSections } from './outcome-view.js';
import { outcomeLabel, resourceLabel } from './words.js';

/** The revokes with what removes each (the plan: which change, what else goes with it) and the outcome. */
function revokeList(items: ReviewItem[]): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'revokes-title' },
    h('h3', { id: 'revokes-title' }, `Revocations (${items.length})`),
    items.length === 0
      ? h('p', {}, 'No item is decided revoke.')
      : h(
          'ul',
          { class: 'items' },
          items.map((item) =>
            h(
              'li',
              { class: 'item', 'data-revoke': item.itemId },
              h('strong', {}, `${item.displayName}: ${item.permission} on ${resourceLabel(item.resource)}`),
              item.decision?.comment ? h('p', {}, `Reviewer: “${item.decision.comment}”`) : null,
              h(
                'ul',
                {},
                (item.plan?.actions ?? []).map((action) =>
                  h(
                    'li',
                    {},
                    action.description,
                    action.alsoRemoves.length > 0 ? ` (also removes: ${action.alsoRemoves.join('; ')})` : '',
                  ),
                ),
                item.plan?.cannotRemove
                  ? h('li', {}, `Cannot be removed here: ${item.plan.cannotRemove.detail}`)
                  : null,
              ),
              // Held back (the access stays anyway): shown so nobody mistakes them for forgotten changes.
              (item.plan?.wouldAlsoNeed ?? []).length > 0
                ? h(
                    'ul',
                    { class: 'not-run', 'aria-label': 'Changes not run' },
                    item.plan!.wouldAlsoNeed!.map((action) =>
                      h(
                        'li',
                        { class: 'muted' },
                        `Not run: ${action.description}`,
                        action.alsoRemoves.length > 0
                          ? ` (would also remove: ${action.alsoRemoves.join('; ')})`
                          : '',
                      ),
                    ),
                  )
                : null,
              item.outcome
                ? h(
                    'p',
                    { class: 'decided' },
                    `Outcome: ${outcomeLabel(item.outcome.status)}${item.outcome.detail ? `: ${item.outcome.detail}` : ''}`,
                  )
                : null,
            ),
          ),
        ),
  );
}

/**
 * Summarises a close answer: counts of outcome statuses when it lists items; for a preview (`raw`) the
 * whole answer as text too (a real close's items are listed by outcome on the page itself).
 */
function closeSummary(answer: unknown, title: string, raw: boolean): HTMLElement {
  const record = (answer ?? {}) as Record<string, unknown>;
  const items = Array.isArray(record.items) ? (record.items as Record<string, unknown>[]) : [];
  const counts = new Map<string, number>();
  for (const item of items) {
    const outcome = item.outcome as { status?: string } | undefined;
    const status = outcome?.status ?? (item.plan ? 'planned' : 'listed');
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return h(
    'section',
    { class: 'close-result', 'aria-labelledby': 'close-result-title' },
    h('h3', { id: 'close-result-title', tabindex: -1 }, title),
    counts.size > 0
      ? h(
          'ul',
          {},
          [...counts].map(([status, count]) => h('li', {}, `${outcomeLabel(status)}: ${count}`)),
        )
      : null,
    raw
      ? h('pre', { tabindex: 0, 'aria-label': `${title}: full answer` }, JSON.stringify(answer, null, 2))
      : null,
  );
}

async function download(id: string, format: 'csv' | 'json' | 'manifest'): Promise<void> {
  const blob = await getBlob(`reviews/${seg(id)}/report?format=${format}`);
  const url = URL.createObjectURL(blob);
  const link = h('a', {
    href: url,
    download: `review-${id}.${format === 'manifest' ? 'manifest.json' : format}`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  announce(`Report (${format}) downloaded.`);
}

function progressTable(campaign: Campaign): HTMLElement {
  return h(
    'table',
    {},
    h('caption', {}, 'Progress per reviewer'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Reviewer'),
        h('th', { scope: 'col' }, 'Decided'),
        h('th', { scope: 'col' }, 'Progress'),
      ),
    ),
    h(
      'tbody',
      {},
      campaign.progress.byReviewer.map((entry) => {
        const name = entry.reviewer ?? 'Unassigned (administrators)';
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, name),
          h('td', {}, `${entry.decided} of ${entry.total}`),
          h(
            'td',
            {},
            h('progress', {
              max: Math.max(entry.total, 1),
              value: entry.decided,
              'aria-label': `${name}: ${entry.decided} of ${entry.total}`,
            }),
          ),
        );
      }),
    ),
  );
}

/** Whether the caller is an administrator of the campaign's workspace (only they may close it). */
export function administers(session: Session, campaign: Pick<Campaign, 'workspace'>): boolean {
  return session.workspaces.some(
    (ws) => ws.slug === campaign.workspace && ws.roles.includes('administrator'),
  );
}

const undecidedOf = (campaign: Campaign) => campaign.progress.total - campaign.progress.decided;
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The warning about undecided items: how many, and that closing ends them `not-decided`. */
function undecidedWarning(count: number, id?: string): HTMLElement {
  return h(
    'p',
    { class: 'warning', id },
    `${plural(count, 'item is', 'items are')} still undecided: closing now ends ${count === 1 ? 'it' : 'them'} ` +
      'as not-decided (nothing is revoked for them, and the report says nobody decided).',
  );
}

/**
 * Puts the undecided warning and its acknowledgement into `slot` (or empties it when every item is
 * decided). The checkbox remembers the count it acknowledges, so a changed count asks again.
 */
function showUndecided(slot: HTMLElement, count: number): void {
  if (count === 0) return replaceChildren(slot);
  const current = slot.querySelector<HTMLInputElement>('#confirm-undecided');
  if (current && current.dataset.count === String(count)) return;
  const acknowledge = h('input', {
    type: 'checkbox',
    id: 'confirm-undecided',
    'data-count': count,
    'aria-describedby': 'undecided-warning',
  });
  replaceChildren(
    slot,
    undecidedWarning(count, 'undecided-warning'),
    h(
      'div',
      { class: 'row' },
      acknowledge,
      h(
        'label',
        { for: 'confirm-undecided' },
        `I understand: ${plural(count, 'undecided item', 'undecided items')} will end not-decided`,
      ),
    ),
  );
}

/** The close controls: a dry-run preview, then the close behind its confirmations. */
function closingSection(root: HTMLElement, session: Session, campaign: Campaign, result: HTMLElement) {
  const confirm = h('input', { type: 'checkbox', id: 'confirm-close' });
  const undecidedSlot = h('div', { id: 'undecided-slot' });
  const fresh = () => getJson<Campaign>(`reviews/${seg(campaign.id)}`);
  const closeForm = h(
    'form',
    {
      class: 'close-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void guarded(
          (async () => {
            // Counted again now: decisions may have come in since the page (or the preview) was drawn.
            const undecided = undecidedOf(await fresh());
            showUndecided(undecidedSlot, undecided);
            const acknowledge = undecidedSlot.querySelector<HTMLInputElement>('#confirm-undecided');
            if (acknowledge && !acknowledge.checked) {
              announce(`${plural(undecided, 'item is', 'items are')} undecided: acknowledge it first.`);
              acknowledge.focus();
              return;
            }
            if (!confirm.checked) {
              announce('Tick the confirmation first.');
              confirm.focus();
              return;
            }
            const answer = await postJson(`reviews/${seg(campaign.id)}/close`, {});
            await showCampaign(root, session, campaign.id);
            const output = document.getElementById('close-output');
            if (output) replaceChildren(output, closeSummary(answer, 'Campaign closed', false));
            document.getElementById('close-result-title')?.focus();
          })(),
        );
      },
    },
    undecidedSlot,
    h(
      'div',
      { class: 'row' },
      confirm,
      h('label', { for: 'confirm-close' }, 'I have read the preview: execute the revocations'),
    ),
    h('button', { type: 'submit', class: 'danger' }, 'Close campaign'),
  );
  return h(
    'section',
    { 'aria-labelledby': 'close-title' },
    h('h3', { id: 'close-title' }, 'Close'),
    h('p', {}, 'Closing executes every revoke through provisioning and re-reads Bitbucket to verify it.'),
    h(
      'button',
      {
        type: 'button',
        onclick: () =>
          void guarded(
            (async () => {
              const answer = await postJson(`reviews/${seg(campaign.id)}/close`, { dryRun: true });
              const undecided = undecidedOf(await fresh());
              const summary = closeSummary(answer, 'Preview (dry run): nothing changed', true);
              if (undecided > 0)
                summary.insertBefore(undecidedWarning(undecided), summary.children[1] ?? null);

              replaceChildren(result, summary);
              showUndecided(undecidedSlot, undecided);
              document.getElementById('close-result-title')?.focus();
            })(),
          ),
      },
      'Preview close (dry run)',
    ),
    closeForm,
  );
}

/** The undecided items nobody could be assigned to, decided here by an administrator. */
function unassignedSection(campaign: Campaign, session: Session, items: ReviewItem[]): HTMLElement {
  const list = h('div', {});
  const state: ItemsState = {
    campaign,
    session,
    items: inScreenOrder(items),
    decided: new Map(),
    idPrefix: 'unassigned-',
    onDecided: () => {
      const decided = document.getElementById('campaign-decided');
      if (decided)
        decided.textContent = `${state.campaign.progress.decided} of ${state.campaign.progress.total}`;
      const bar = document.getElementById('campaign-progress');
      if (bar instanceof HTMLProgressElement) bar.value = state.campaign.progress.decided;
    },
  };
  const rerender = () => replaceChildren(list, itemSections(state, rerender));
  rerender();
  return h(
    'section',
    { class: 'unassigned', 'aria-labelledby': 'unassigned-title' },
    h('h3', { id: 'unassigned-title' }, `Unassigned items (${items.length})`),
    items.length === 0
      ? h('p', { class: 'muted' }, 'Every undecided item has a reviewer.')
      : [
          h(
            'p',
            { class: 'muted' },
            'No reviewer could be assigned to these (nobody else administers them): administrators decide.',
          ),
          list,
        ],
  );
}

function render(
  root: HTMLElement,
  session: Session,
  campaign: Campaign,
  items: ReviewItem[],
  unassigned: ReviewItem[] | null,
): void {
  const revokes = items.filter((item) => item.decision?.decision === 'revoke');
  const result = h('div', { id: 'close-output' });
  const admin = administers(session, campaign);
  const closing =
    campaign.status === 'open' && admin ? closingSection(root, session, campaign, result) : null;
  replaceChildren(
    root,
    h('h2', { id: 'screen-title', tabindex: -1 }, `Campaign: ${campaign.name}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Workspace'),
      h('dd', {}, campaign.workspace),
      h('dt', {}, 'Status'),
      h('dd', {}, campaign.status),
      h('dt', {}, 'Due'),
      h('dd', {}, formatDate(campaign.dueAt)),
      h('dt', {}, 'Snapshot'),
      h('dd', {}, formatDate(campaign.snapshotAt)),
      h('dt', {}, 'Decided'),
      h('dd', { id: 'campaign-decided' }, `${campaign.progress.decided} of ${campaign.progress.total}`),
    ),
    h('progress', {
      id: 'campaign-progress',
      max: Math.max(campaign.progress.total, 1),
      value: campaign.progress.decided,
      'aria-label': 'Campaign progress',
    }),
    progressTable(campaign),
    unassigned ? unassignedSection(campaign, session, unassigned) : null,
    campaign.status === 'closed' ? outcomeSections(items) : revokeList(revokes),
    closing,
    result,
    h(
      'section',
      { 'aria-labelledby': 'report-title' },
      h('h3', { id: 'report-title' }, 'Report'),
      h(
        'div',
        { class: 'row' },
        (['csv', 'json', 'manifest'] as const).map((format) =>
          h(
            'button',
            {
              type: 'button',
              'data-format': format,
              onclick: () => void guarded(download(campaign.id, format)),
            },
            `Download ${format === 'manifest' ? 'manifest' : format.toUpperCase()}`,
          ),
        ),
      ),
    ),
    h(
      'p',
      {},
      h('a', { href: `#/reviews/${encodeURIComponent(campaign.id)}` }, 'My open items in this campaign'),
    ),
  );
}

/**
 * Loads and shows campaign `id`: the revokes; once closed, every item, for the kept ones a revoke took
 * too. An administrator of its workspace also gets the unassigned undecided items and the close controls.
 */
export async function showCampaign(root: HTMLElement, session: Session, id: string): Promise<void> {
  const campaign = await getJson<Campaign>(`reviews/${seg(id)}`);
  const closed = campaign.status === 'closed';
  const { items } = await getJson<{ items: ReviewItem[] }>(
    `reviews/${seg(id)}/items${closed ? '' : '?decision=revoke'}`,
  );
  // The items route filters by a named reviewer only: the unassigned ones (reviewer null) are picked here.
  const unassigned =
    !closed && administers(session, campaign)
      ? (await getJson<{ items: ReviewItem[] }>(`reviews/${seg(id)}/items?decision=undecided`)).items.filter(
          (item) => item.reviewer === null,
        )
      : null;
  render(root, session, campaign, items, unassigned);
}
