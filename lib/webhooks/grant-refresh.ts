// Re-reads one repository's or project's explicit grants (two listings: users and groups) and applies
// the diff, recorded as caused by a webhook. The same translation as the sync (lib/sync/observations),
// but addressed by the slug or key the event names, so a just-renamed repository is read under its
// new name.
import type { BitbucketClient, CallOptions } from '../bitbucket/index.js';
import type { ScopeRef } from '../model/index.js';
import type { ApplyResult, GovernanceStore } from '../store/index.js';
import { observeProjectGrants, observeRepositoryGrants } from '../sync/observations.js';

export type GrantTarget =
  | { kind: 'repository-grants'; repositoryId: string; slug: string }
  | { kind: 'project-grants'; projectId: string; key: string };

/** Requests one refresh costs at least: the user listing and the group listing (one page each). */
export const GRANT_REFRESH_MIN_REQUESTS = 2;

export interface GrantRefreshContext {
  client: BitbucketClient;
  store: GovernanceStore;
  workspace: { id: string; slug: string };
  call: CallOptions;
  now: () => Date;
}

export function grantScope(target: GrantTarget): ScopeRef {
  return target.kind === 'repository-grants'
    ? { kind: 'repository-grants', repositoryId: target.repositoryId }
    : { kind: 'project-grants', projectId: target.projectId };
}

export async function refreshGrants(context: GrantRefreshContext, target: GrantTarget): Promise<ApplyResult> {
  const { client, workspace, call } = context;
  // Observed when the read began: a write that lands meanwhile from a later read wins.
  const observedAt = context.now().toISOString();
  const items =
    target.kind === 'repository-grants'
      ? observeRepositoryGrants(
          target.repositoryId,
          ...(await Promise.all([
            client.listRepositoryUserGrants(workspace.slug, target.slug, call),
            client.listRepositoryGroupGrants(workspace.slug, target.slug, call),
          ])),
        )
      : observeProjectGrants(
          target.projectId,
          ...(await Promise.all([
            client.listProjectUserGrants(workspace.slug, target.key, call),
            client.listProjectGroupGrants(workspace.slug, target.key, call),
          ])),
        );
  return context.store.applyScopeDiff(workspace.id, grantScope(target), items, observedAt, {
    cause: 'webhook',
    actor: 'webhook',
  });
}
