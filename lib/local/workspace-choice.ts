// Which workspace a CLI command acts on: the one named with --workspace, or the only one governed.
import { resolveGovernedWorkspaces, type WorkspaceRef } from '../sync/index.js';
import { UsageError } from './cli-commands.js';
import type { LocalConnector } from './connector.js';

/** The workspace a command acts on: the one named, or the only one governed. */
export async function chooseWorkspace(
  connector: LocalConnector,
  slug: string | undefined,
): Promise<WorkspaceRef> {
  const governed = await resolveGovernedWorkspaces(
    connector.sync,
    slug ? [slug] : connector.config.bitbucket.workspaces,
  );
  if (slug) {
    const found = governed.workspaces.find((entry) => entry.slug === slug);
    if (!found) {
      const reason = governed.skipped.find((entry) => entry.slug === slug)?.reason ?? 'unknown workspace';
      throw new Error(`workspace "${slug}": ${reason}`);
    }
    return found;
  }
  const [only, ...others] = governed.workspaces;
  if (!only) throw new Error('no workspace can be governed with this credential (see `bbgov doctor`)');
  if (others.length > 0) {
    throw new UsageError(
      `several workspaces are governed (${governed.workspaces.map((entry) => entry.slug).join(', ')}): choose one`,
      '--workspace SLUG',
    );
  }
  return only;
}
