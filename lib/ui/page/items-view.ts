// "My open items": the caller's undecided items of one campaign, grouped by resource, each with its paths
// in plain words, last activity and flags; keep or revoke per item (revoke asks for an optional comment),
// keep-all per resource, and the caller's progress.
import { getJson, postJson, seg, type Campaign, type ReviewItem, type Session } from './api.js';
import { announce, formatDate, h, replaceChildren } from './dom.js';
import { describePath, flagLabel, resourceLabel } from './words.js';

/** A list of items to decide (the caller's own, or the unassigned ones on the campaign page). */
export interface ItemsState {
  campaign: Campaign;
  session: Session;
  items: ReviewItem[];
  /** itemId → the decision made on this page (the row shows it and loses its buttons). */
  decided: Map<string, 'keep' | 'revoke'>;
  /** Prefix of the resource headings' ids, so two lists on one screen do not share ids. */
  idPrefix?: string;
  /** Called after each decision (e.g. the campaign page refreshes its progress). */
  onDecided?: () => void;
}

function pathList(item: ReviewItem): HTMLElement {
  return h(
    'ul',
    { class: 'paths', 'aria-label': `How ${item.displayName} gets ${item.permission}` },
    item.paths.map((path) =>
      h(
        'li',
        {},
        describePath(path).map((phrase) => ('text' in phrase ? phrase.text : h('em', {}, phrase.name))),
      ),
    ),
  );
}

function flagBadges(item: ReviewItem): HTMLElement | null {
  if (item.flags.length === 0) return null;
  return h(
    'ul',
    { class: 'badges', 'aria-label': 'Flags' },
    item.flags.map((flag) => h('li', { class: `badge badge-${flag}` }, flagLabel(flag))),
  );
}

async function decide(
  state: ItemsState,
  decisions: { itemId: string; decision: 'keep' | 'revoke'; comment?: string }[],
  rerender: () => void,
): Promise<void> {
  await postJson(`reviews/${seg(state.campaign.id)}/decisions`, decisions);
  for (const { itemId, decision } of decisions) state.decided.set(itemId, decision);
  state.campaign = await getJson<Campaign>(`reviews/${seg(state.campaign.id)}`);
  const kept = decisions.filter((entry) => entry.decision === 'keep').length;
  const revoked = decisions.length - kept;
  announce(
    [kept ? `${kept} kept` : '', revoked ? `${revoked} to be revoked` : ''].filter(Boolean).join(', ') + '.',
  );
  // Keyboard users continue where they were: the Keep of the next open item, else the screen's title.
  const last = Math.max(
    ...decisions.map(({ itemId }) => state.items.findIndex((item) => item.itemId === itemId)),
  );
  const next = [...state.items.slice(last + 1), ...state.items].find(
    (item) => !state.decided.has(item.itemId),
  );
  rerender();
  state.onDecided?.();
  const button = next
    ? document.querySelector<HTMLElement>(`[data-item="${CSS.escape(next.itemId)}"] button.keep`)
    : null;
  (button ?? document.getElementById('screen-title'))?.focus();
}

function revokeForm(state: ItemsState, item: ReviewItem, cell: HTMLElement, rerender: () => void) {
  const id = `comment-${item.itemId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const comment = h('textarea', { id, rows: 2, maxlength: 2000 });
  const restore = () => renderActions(state, item, cell, rerender);
  const form = h(
    'form',
    {
      class: 'revoke-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const text = comment.value.trim();
        void guarded(
          decide(
            state,
            [{ itemId: item.itemId, decision: 'revoke', ...(text ? { comment: text } : {}) }],
            rerender,
          ),
        );
      },
    },
    h('label', { for: id }, `Why revoke ${item.displayName}'s access? (optional)`),
    comment,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'danger' }, 'Confirm revoke'),
      h('button', { type: 'button', onclick: restore }, 'Cancel'),
    ),
  );
  replaceChildren(cell, form);
  comment.focus();
}

function renderActions(state: ItemsState, item: ReviewItem, cell: HTMLElement, rerender: () => void): void {
  const who = `${item.displayName}: ${item.permission} on ${resourceLabel(item.resource)}`;
  replaceChildren(
    cell,
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          class: 'keep',
          'aria-label': `Keep ${who}`,
          onclick: () => void guarded(decide(state, [{ itemId: item.itemId, decision: 'keep' }], rerender)),
        },
        'Keep',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'aria-label': `Revoke ${who}`,
          onclick: () => revokeForm(state, item, cell, rerender),
        },
        'Revoke…',
      ),
    ),
  );
}

/** Runs an action; a refusal is shown in the alert region instead of failing silently. */
export async function guarded(action: Promise<unknown>): Promise<void> {
  try {
    await action;
  } catch (error) {
    const alert = document.getElementById('alert');
    if (alert) alert.textContent = error instanceof Error ? error.message : String(error);
  }
}

function itemRow(state: ItemsState, item: ReviewItem, rerender: () => void): HTMLElement {
  const decided = state.decided.get(item.itemId);
  const actions = h('div', { class: 'actions' });
  if (decided) {
    actions.append(
      h('p', { class: `decided decided-${decided}` }, decided === 'keep' ? 'Kept' : 'To be revoked'),
    );
  } else renderActions(state, item, actions, rerender);
  return h(
    'li',
    { class: 'item', 'data-item': item.itemId },
    h(
      'div',
      { class: 'who' },
      h('strong', {}, item.displayName),
      ' ',
      h(
        'span',
        { class: 'muted' },
        `${item.permission}${item.workspaceRole ? ` · workspace ${item.workspaceRole}` : ''}`,
      ),
    ),
    pathList(item),
    h('p', { class: 'muted' }, `Last activity: ${formatDate(item.lastActivity)}`),
    flagBadges(item),
    actions,
  );
}

function progressOf(state: ItemsState): HTMLElement {
  const mine = state.campaign.progress.byReviewer.find((entry) => entry.reviewer === state.session.principal);
  const { decided, total } = mine ?? state.campaign.progress;
  return h(
    'div',
    { class: 'progress' },
    h('label', { for: 'my-progress' }, `Your progress: ${decided} of ${total} decided`),
    h('progress', { id: 'my-progress', max: Math.max(total, 1), value: decided }),
  );
}

/** The items grouped by resource (in the order given), with keep/revoke per item and keep-all per resource. */
export function itemSections(state: ItemsState, rerender: () => void): HTMLElement[] {
  const groups = new Map<string, ReviewItem[]>();
  for (const item of state.items) {
    const key = `${item.resource.type}:${item.resource.id}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()].map((items) => {
    const resource = items[0]!.resource;
    const open = items.filter((item) => !state.decided.has(item.itemId));
    const headingId = `${state.idPrefix ?? ''}res-${resource.type}-${resource.id}`.replace(
      /[^A-Za-z0-9_-]/g,
      '_',
    );
    return h(
      'section',
      { class: 'resource', 'aria-labelledby': headingId },
      h('h3', { id: headingId }, resourceLabel(resource)),
      open.length > 1
        ? h(
            'button',
            {
              type: 'button',
              class: 'keep',
              onclick: () =>
                void guarded(
                  decide(
                    state,
                    open.map((item) => ({ itemId: item.itemId, decision: 'keep' as const })),
                    rerender,
                  ),
                ),
            },
            `Keep all ${open.length} on ${resourceLabel(resource)}`,
          )
        : null,
      h(
        'ul',
        { class: 'items' },
        items.map((item) => itemRow(state, item, rerender)),
      ),
    );
  });
}

/** Items in the order the screen shows them (grouped by resource), so "the next item" is the one below. */
export function inScreenOrder(items: ReviewItem[]): ReviewItem[] {
  const groupOrder = new Map<string, number>();
  for (const item of items) {
    const key = `${item.resource.type}:${item.resource.id}`;
    if (!groupOrder.has(key)) groupOrder.set(key, groupOrder.size);
  }
  const position = (item: ReviewItem) => groupOrder.get(`${item.resource.type}:${item.resource.id}`)!;
  return [...items].sort((a, b) => position(a) - position(b));
}

function render(state: ItemsState, root: HTMLElement): void {
  const rerender = () => render(state, root);
  const sections = itemSections(state, rerender);
  replaceChildren(
    root,
    h('h2', { id: 'screen-title', tabindex: -1 }, `My open items: ${state.campaign.name}`),
    h(
      'p',
      {},
      `Due ${formatDate(state.campaign.dueAt)} · snapshot ${formatDate(state.campaign.snapshotAt)} · status ${state.campaign.status}`,
    ),
    progressOf(state),
    state.items.length === 0
      ? h('p', { class: 'empty' }, 'Nothing left for you to decide in this campaign.')
      : null,
    sections,
  );
}

/** Loads and shows the caller's undecided items of campaign `id`. */
export async function showMyItems(root: HTMLElement, session: Session, id: string): Promise<void> {
  const campaign = await getJson<Campaign>(`reviews/${seg(id)}`);
  const answer = await getJson<{ items: ReviewItem[] }>(
    `reviews/${seg(id)}/items?reviewer=${seg(session.principal)}&decision=undecided`,
  );
  render({ campaign, session, items: inScreenOrder(answer.items), decided: new Map() }, root);
}
