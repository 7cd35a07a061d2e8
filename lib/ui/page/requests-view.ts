// The access-request queue for approvers: a workspace's pending requests, each approved or denied with
// an optional comment.
import { getJson, postJson, seg, type AccessRequest } from './api.js';
import { announce, formatDate, h, replaceChildren } from './dom.js';
import { guarded } from './items-view.js';

function describe(selector: Record<string, string>): string {
  const name = selector.slug ?? selector.key ?? selector.accountId ?? selector.id ?? '?';
  return `${selector.type ?? ''} ${name}`.trim();
}

function requestCard(workspace: string, request: AccessRequest, reload: () => void): HTMLElement {
  const id = `req-${request.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const comment = h('textarea', { id: `${id}-comment`, rows: 2, maxlength: 2000 });
  const act = (action: 'approve' | 'deny') =>
    void guarded(
      (async () => {
        const text = comment.value.trim();
        await postJson(`access-requests/${seg(request.id)}/${action}`, text ? { comment: text } : {});
        announce(`Request ${action === 'approve' ? 'approved' : 'denied'}.`);
        reload();
      })(),
    );
  const duration = request.durationMinutes ? ` for ${request.durationMinutes} minutes` : ' until revoked';
  return h(
    'li',
    { class: 'item', 'data-request': request.id },
    h(
      'h3',
      { id },
      `${request.permission} on ${describe(request.resource)} for ${describe(request.principal)}`,
    ),
    h(
      'p',
      {},
      `Asked by ${request.requestedBy} on ${formatDate(request.createdAt)}${duration} (workspace ${workspace})`,
    ),
    h('blockquote', {}, request.reason),
    h('label', { for: `${id}-comment` }, 'Comment (optional)'),
    comment,
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        { type: 'button', class: 'keep', 'aria-describedby': id, onclick: () => act('approve') },
        'Approve',
      ),
      h(
        'button',
        { type: 'button', class: 'danger', 'aria-describedby': id, onclick: () => act('deny') },
        'Deny',
      ),
    ),
  );
}

/** Loads and shows the pending access requests of `workspace`. */
export async function showRequests(root: HTMLElement, workspace: string): Promise<void> {
  const answer = await getJson<{ accessRequests: AccessRequest[] }>(
    `workspaces/${seg(workspace)}/access-requests?status=pending`,
  );
  const reload = () => void guarded(showRequests(root, workspace));
  replaceChildren(
    root,
    h('h2', { id: 'screen-title', tabindex: -1 }, `Pending access requests: ${workspace}`),
    answer.accessRequests.length === 0
      ? h('p', { class: 'empty' }, 'No pending requests.')
      : h(
          'ul',
          { class: 'items' },
          answer.accessRequests.map((request) => requestCard(workspace, request, reload)),
        ),
  );
}
