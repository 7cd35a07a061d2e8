// The campaign page for administrators: progress per reviewer, closing (a dry run first, then for real)
// and the report downloads (CSV, JSON, and the manifest naming both files' SHA-256).
import { getBlob, getJson, postJson, seg, type Campaign, type ReviewItem } from './api.js';
import { announce, formatDate, h, replaceChildren } from './dom.js';
import { guarded } from './items-view.js';
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

function render(root: HTMLElement, campaign: Campaign, items: ReviewItem[]): void {
  const revokes = items.filter((item) => item.decision?.decision === 'revoke');
  const result = h('div', { id: 'close-output' });
  const confirm = h('input', { type: 'checkbox', id: 'confirm-close' });
  const closeForm = h(
    'form',
    {
      class: 'close-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        if (!confirm.checked) {
          announce('Tick the confirmation first.');
          confirm.focus();
          return;
        }
        void guarded(
          (async () => {
            const answer = await postJson(`reviews/${seg(campaign.id)}/close`, {});
            await showCampaign(root, campaign.id);
            const output = document.getElementById('close-output');
            if (output) replaceChildren(output, closeSummary(answer, 'Campaign closed', false));
            document.getElementById('close-result-title')?.focus();
          })(),
        );
      },
    },
    h(
      'div',
      { class: 'row' },
      confirm,
      h('label', { for: 'confirm-close' }, 'I have read the preview: execute the revocations'),
    ),
    h('button', { type: 'submit', class: 'danger' }, 'Close campaign'),
  );
  const closing =
    campaign.status === 'open'
      ? h(
          'section',
          { 'aria-labelledby': 'close-title' },
          h('h3', { id: 'close-title' }, 'Close'),
          h(
            'p',
            {},
            'Closing executes every revoke through provisioning and re-reads Bitbucket to verify it.',
          ),
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                void guarded(
                  (async () => {
                    const answer = await postJson(`reviews/${seg(campaign.id)}/close`, { dryRun: true });
                    replaceChildren(result, closeSummary(answer, 'Preview (dry run): nothing changed', true));
                    document.getElementById('close-result-title')?.focus();
                  })(),
                ),
            },
            'Preview close (dry run)',
          ),
          closeForm,
        )
      : null;
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
      h('dd', {}, `${campaign.progress.decided} of ${campaign.progress.total}`),
    ),
    h('progress', {
      max: Math.max(campaign.progress.total, 1),
      value: campaign.progress.decided,
      'aria-label': 'Campaign progress',
    }),
    progressTable(campaign),
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
 * Loads and shows campaign `id` for an administrator: the revokes; once closed, every item, for the kept
 * ones a revoke took too.
 */
export async function showCampaign(root: HTMLElement, id: string): Promise<void> {
  const campaign = await getJson<Campaign>(`reviews/${seg(id)}`);
  const closed = campaign.status === 'closed';
  const { items } = await getJson<{ items: ReviewItem[] }>(
    `reviews/${seg(id)}/items${closed ? '' : '?decision=revoke'}`,
  );
  render(root, campaign, items);
}
