// The seam between the connector and a system of record for access (Bitbucket Cloud today; the Atlassian
// Admin API and Bitbucket Data Center next): what the sync and the webhook refresh need from it. Each
// source implements it behind its own client; nothing above this seam knows which source answers.
import type { CallOptions } from '../bitbucket/index.js';
import type { GovernanceItem, ScopeKind } from '../model/index.js';

/**
 * A scope to list, with the address a per-resource listing is called by: a project's key, a
 * repository's slug (the store keeps ids; the source's API is addressed by these).
 */
export type ScopeTarget =
  | { kind: 'members' | 'groups' | 'projects' | 'repositories' }
  | { kind: 'project-grants'; projectId: string; key: string }
  | { kind: 'repository-grants'; repositoryId: string; slug: string };

/** The workspace a call is about: its store id (bare lower-case uuid) and its slug (the API's name). */
export interface SourceWorkspace {
  id: string;
  slug: string;
}

/**
 * How much one call may spend: every request takes one unit of `budget`; no attempt outlives
 * `deadlineAt` (epoch ms). The request budget is one for every source.
 */
export type SourceCall = CallOptions;

export interface GovernanceSource {
  /** The scope kinds this source can list. */
  readonly kinds: readonly ScopeKind[];
  /**
   * Reads one scope completely and returns the model items it states (resources and grants), in the
   * source's order. Throws the source's typed errors (lib/bitbucket/errors for Bitbucket) when a page
   * fails; a partial listing is never returned.
   */
  listScope(workspace: SourceWorkspace, target: ScopeTarget, call: SourceCall): Promise<GovernanceItem[]>;
}
