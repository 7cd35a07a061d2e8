// Which workspaces the sync governs: those named in configuration, or every workspace the credential
// can see. Known workspaces come from the store's directory, so a step spends no request on this; a
// workspace the credential cannot administer is reported, never silently thinned.
import type { BitbucketClient, CallOptions } from '../bitbucket/index.js';
import { normalizeUuid } from '../model/index.js';
import type { GovernanceStore } from '../store/index.js';
import type { WorkspaceRef } from './scope-refresh.js';

export interface GovernedWorkspaces {
  workspaces: WorkspaceRef[];
  /** Named or visible workspaces that cannot be governed, with the reason. */
  skipped: { slug: string; reason: string }[];
}

export async function resolveGovernedWorkspaces(
  client: BitbucketClient,
  store: GovernanceStore,
  configured: readonly string[],
  call: CallOptions,
  now: () => Date = () => new Date(),
): Promise<GovernedWorkspaces> {
  const known = new Map((await store.listWorkspaces()).map((entry) => [entry.slug, entry]));
  if (configured.length > 0 && configured.every((slug) => known.has(slug))) {
    return { workspaces: configured.map((slug) => ({ id: known.get(slug)!.uuid, slug })), skipped: [] };
  }
  // One request lists every workspace with whether we administer it (GET /2.0/workspaces is gone: 410).
  const visible = await client.listUserWorkspaces(call);
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
