// The home screen: per workspace the caller holds a role on, its campaigns (newest first, from
// GET /v1/workspaces/{ws}/reviews) linking to "my items" and, for its administrators, the campaign page;
// the campaign-id field stays as a fallback (a campaign beyond the listed 50, or a link shared by id).
import { ApiError, getJson, seg, type CampaignSummary, type Session } from './api.js';
import { formatDate, h, replaceChildren } from './dom.js';

type Workspace = Session['workspaces'][number];

/** The campaigns of one workspace as a table, or why they could not be read. */
function campaignTable(workspace: Workspace, answer: CampaignSummary[] | ApiError): HTMLElement {
  if (answer instanceof ApiError)
    return h('p', { class: 'muted' }, `Campaigns not available: ${answer.message}`);
  if (answer.length === 0) return h('p', { class: 'muted' }, 'No campaigns yet.');
  const admin = workspace.roles.includes('administrator');
  return h(
    'table',
    { 'data-campaigns': workspace.slug },
    h('caption', {}, `Campaigns in ${workspace.slug}`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Campaign'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Due'),
        h('th', { scope: 'col' }, 'Decided'),
        admin ? h('th', { scope: 'col' }, 'Administration') : null,
      ),
    ),
    h(
      'tbody',
      {},
      answer.map((campaign) =>
        h(
          'tr',
          { 'data-campaign': campaign.id },
          // The campaign's name is the link to the caller's own items: the usual way in.
          h('th', { scope: 'row' }, h('a', { href: `#/reviews/${seg(campaign.id)}` }, campaign.name)),
          h('td', {}, campaign.status),
          h('td', {}, formatDate(campaign.dueAt)),
          h('td', {}, `${campaign.progress.decided} of ${campaign.progress.total}`),
          admin
            ? h(
                'td',
                {},
                h(
                  'a',
                  { href: `#/reviews/${seg(campaign.id)}/campaign` },
                  'Campaign page',
                  h('span', { class: 'visually-hidden' }, ` for ${campaign.name}`),
                ),
              )
            : null,
        ),
      ),
    ),
  );
}

/** Reads the campaigns of every workspace of the caller (in parallel) and shows the home screen. */
export async function showHome(root: HTMLElement, current: Session): Promise<void> {
  const answers = await Promise.all(
    current.workspaces.map((ws) =>
      getJson<{ reviews: CampaignSummary[] }>(`workspaces/${seg(ws.slug)}/reviews`).then(
        (answer) => answer.reviews,
        // One workspace's refusal must not hide the others: shown in its place. 401 signs out as usual.
        (error: unknown) => {
          if (error instanceof ApiError && error.status !== 401) return error;
          throw error;
        },
      ),
    ),
  );
  const campaign = h('input', { id: 'campaign-id', required: true, autocomplete: 'off' });
  replaceChildren(
    root,
    h('h2', { id: 'screen-title', tabindex: -1 }, 'Access reviews'),
    current.workspaces.length === 0 ? h('p', {}, 'You hold no role on any workspace.') : null,
    current.workspaces.map((ws, index) =>
      h(
        'section',
        { 'aria-labelledby': `workspace-${index}` },
        h('h3', { id: `workspace-${index}` }, `${ws.name} (${ws.slug})`),
        h('p', { class: 'muted' }, `Your roles: ${ws.roles.join(', ') || '—'}`),
        campaignTable(ws, answers[index]!),
      ),
    ),
    h(
      'form',
      {
        id: 'open-campaign',
        onsubmit: (event: Event) => {
          event.preventDefault();
          location.hash = `#/reviews/${encodeURIComponent(campaign.value.trim())}`;
        },
      },
      h('label', { for: 'campaign-id' }, 'Or open a campaign by id'),
      campaign,
      h('button', { type: 'submit' }, 'Open my items'),
    ),
    h(
      'table',
      {},
      h('caption', {}, 'Your workspaces and roles'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Workspace'), h('th', { scope: 'col' }, 'Roles'))),
      h(
        'tbody',
        {},
        current.workspaces.map((ws) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, `${ws.name} (${ws.slug})`),
            h('td', {}, ws.roles.join(', ') || '—'),
          ),
        ),
      ),
    ),
  );
}
