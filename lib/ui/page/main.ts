// The reviewer page's entry: sign-in (a bearer token kept for this tab), then a hash router over the
// screens: home (each workspace's campaigns, or a campaign by id), my open items (`#/reviews/{id}`), the
// campaign page (`#/reviews/{id}/campaign`), the request queue.
import { ApiError, clearToken, getJson, storedToken, storeToken, type Session } from './api.js';
import { h, replaceChildren } from './dom.js';
import { guarded, showMyItems } from './items-view.js';
import { showCampaign } from './campaign-view.js';
import { showHome } from './home-view.js';
import { showRequests } from './requests-view.js';

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const alertRegion = document.getElementById('alert')!;
let session: Session | undefined;

function signIn(problem?: string): void {
  replaceChildren(nav);
  const token = h('input', {
    id: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: false,
  });
  replaceChildren(
    main,
    h('h2', { id: 'screen-title', tabindex: -1 }, 'Sign in'),
    h(
      'form',
      {
        id: 'sign-in',
        onsubmit: (event: Event) => {
          event.preventDefault();
          storeToken(token.value.trim());
          session = undefined;
          void route();
        },
      },
      h('label', { for: 'token' }, 'API token'),
      h(
        'p',
        { id: 'token-help', class: 'muted' },
        'Locally: the token npm start prints, or one of LOCAL_API_TOKENS. It is kept for this tab only.',
      ),
      token,
      h('button', { type: 'submit' }, 'Sign in'),
    ),
  );
  token.setAttribute('aria-describedby', 'token-help');
  alertRegion.textContent = problem ?? '';
  token.focus();
}

function signOut(): void {
  clearToken();
  session = undefined;
  location.hash = '#/';
  signIn();
}

function renderNav(current: Session): void {
  const approverOf = current.workspaces.filter((ws) =>
    ws.roles.some((r) => r === 'approver' || r === 'administrator'),
  );
  replaceChildren(
    nav,
    h(
      'ul',
      {},
      h('li', {}, h('a', { href: '#/' }, 'Home')),
      approverOf.map((ws) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `#/workspaces/${encodeURIComponent(ws.slug)}/access-requests` },
            `Requests: ${ws.slug}`,
          ),
        ),
      ),
    ),
    h('p', { class: 'who' }, `Signed in as ${current.principal}`),
    h('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'),
  );
}

function adminLink(current: Session, id: string): HTMLElement | null {
  if (!current.workspaces.some((ws) => ws.roles.includes('administrator'))) return null;
  return h(
    'p',
    {},
    h('a', { href: `#/reviews/${encodeURIComponent(id)}/campaign` }, 'Campaign page (administrators)'),
  );
}

/** Shows the screen the URL's hash names; a missing or refused token leads back to sign-in. */
async function route(): Promise<void> {
  alertRegion.textContent = '';
  if (!storedToken()) return signIn();
  try {
    session ??= await getJson<Session>('session');
    renderNav(session);
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    if (parts[0] === 'reviews' && parts[1] && parts[2] === 'campaign')
      await showCampaign(main, session, parts[1]);
    else if (parts[0] === 'reviews' && parts[1]) {
      await showMyItems(main, session, parts[1]);
      const link = adminLink(session, parts[1]);
      if (link) main.append(link);
    } else if (parts[0] === 'workspaces' && parts[1] && parts[2] === 'access-requests')
      await showRequests(main, parts[1]);
    else await showHome(main, session);
    document.getElementById('screen-title')?.focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      clearToken();
      session = undefined;
      return signIn('That token was refused. Check it and sign in again.');
    }
    throw error;
  }
}

// The skip link focuses the content without touching the hash the router reads.
document.querySelector('a.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => void guarded(route()));
void guarded(route());
