// Which workspaces the sync governs: those named in configuration, or every workspace the credential
// can see. Known workspaces come from the store's directory, so a step spends no request on this; a
// workspace the credential cannot administer is reported, never silently thinned.
import { withHourlyBudget } from '../budget/index.js';
import { normalizeUuid } from '../model/index.js';
import type { WorkspaceRef } from './scope-refresh.js';
import type { SyncDependencies } from './sync-step.js';

/** Requests discovery may spend: one listing of the credential's workspaces (GET /2.0/user/workspaces). */
export const DISCOVERY_MAX_REQUESTS = 5;

export interface GovernedWorkspaces {
  workspaces: WorkspaceRef[];
  /** Named or visible workspaces that cannot be governed, with the reason. */
  skipped: { slug: string; reason: string }[];
}

/**
 * The workspaces to govern: `configured` slugs (all known to the store: no request), or what the
 * credential administers, read with at most DISCOVERY_MAX_REQUESTS requests paid from the rolling hour
 * ('discovery' in the ledger). Bitbucket's errors propagate.
 */
export async function resolveGovernedWorkspaces(
  dependencies: Pick<SyncDependencies, 'client' | 'store' | 'ledger' | 'settings' | 'now'>,
  configured: readonly string[],
  options: { deadlineAt?: number } = {},
): Promise<GovernedWorkspaces> {
  const { client, store, ledger, settings } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const known = new Map((await store.listWorkspaces()).map((entry) => [entry.slug, entry]));
  if (configured.length > 0 && configured.every((slug) => known.has(slug))) {
    return { workspaces: configured.map((slug) => ({ id: known.get(slug)!.uuid, slug })), skipped: [] };
  }
  // One request lists every workspace with whether we administer it (GET /2.0/workspaces is gone: 410).
  const visible = await withHourlyBudget(
    ledger,
    'discovery',
    { hourlyLimit: settings.hourlyRequestLimit, cap: DISCOVERY_MAX_REQUESTS, now: now() },
    ({ budget }) => client.listUserWorkspaces({ budget, ...options }),
  );
  const wanted = configured.length > 0 ? new Set(configured) : undefined;
  const result: GovernedWorkspaces = { workspaces: [], skipped: [] };
  for (const access of visible) {
    const slug = access.workspace.slug;
    if (wanted && !wanted.has(slug)) continue;
    wanted?.delete(slug);
    if (!access.administrator) {
      result.skipped.push({ slug, reason: 'the credential is not an administrator of this workspace' });
      continue;
    }
    const entry = await store.putWorkspace(
      { uuid: normalizeUuid(access.workspace.uuid), slug, name: access.workspace.name ?? slug },
      now().toISOString(),
      { cause: 'sync', actor: 'sync' },
    );
    result.workspaces.push({ id: entry.uuid, slug });
  }
  for (const slug of wanted ?? []) {
    result.skipped.push({ slug, reason: 'the credential cannot see this workspace' });
  }
  return result;
}
