// The table of scope kinds (DESIGN §4): one row per kind says how often it is re-read, where it ranks in a
// step, what a refresh costs at least, which mass removal the deletion guard holds, and, for kinds with
// one scope per resource, which listing names those resources. The plan, the refresh, the step and the
// webhook refresh read these rows; none of them names a kind. A new kind is a row here, its listing in a
// source (e.g. lib/bitbucket/cloud-source.ts) and its ownership in lib/model/scopes.ts.
import type { ResourceType, ScopeKind, ScopeRef } from '../model/index.js';
import type { ScopeTarget } from '../source/index.js';

/** Which configured interval a kind is re-read at (SYNC_MEMBERSHIP_INTERVAL_MINUTES, SYNC_LISTING_INTERVAL_MINUTES). */
export type Cadence = 'membership' | 'listing' | 'grants';

/** A kind with one scope per resource of a type (the grants on one project, on one repository). */
export interface PerResourceKind {
  resourceType: Extract<ResourceType, 'project' | 'repository'>;
  /** The listing kind whose items are those resources: re-read when a per-resource listing answers 404. */
  parentListing: ScopeKind;
  /** The scope of one resource. */
  scopeOf(resourceId: string): ScopeRef;
  /** The resource a scope of this kind hangs on. */
  resourceIdOf(scope: ScopeRef): string;
  /** The target to list: the resource's id and its address (key, slug) from its stored attributes. */
  targetOf(resourceId: string, attributes: object): ScopeTarget;
}

/**
 * Which API lists a kind, and so whose hour pays for it: Bitbucket's ~1,000 requests per identity, or the
 * Atlassian Admin API's own limit (ADMIN-API.md "Paging, limits, errors"). `atlassian-admin` kinds exist
 * only for workspaces administered in admin.atlassian.com when an organization credential is configured.
 */
export type ScopeApi = 'bitbucket' | 'atlassian-admin';

export interface ScopeKindRow {
  kind: ScopeKind;
  api: ScopeApi;
  cadence: Cadence;
  /** Order within a step after dirty scopes: lower first; equal ranks are ordered by age alone. */
  rank: number;
  /** Requests one refresh costs at least (one page per listing call). */
  leastCost: number;
  /** The resource type whose disappearance in bulk the deletion guard holds. */
  guardedType?: ResourceType;
  /** Set for kinds with one scope per resource. */
  perResource?: PerResourceKind;
}

/** A stored resource's attribute as text ('' when absent). */
const attribute = (attributes: object, name: string) => {
  const value = (attributes as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
};

const projectGrants: PerResourceKind = {
  resourceType: 'project',
  parentListing: 'projects',
  scopeOf: (projectId) => ({ kind: 'project-grants', projectId }),
  resourceIdOf: (scope) => (scope as { projectId: string }).projectId,
  targetOf: (projectId, attributes) => ({
    kind: 'project-grants',
    projectId,
    key: attribute(attributes, 'key'),
  }),
};

const repositoryGrants: PerResourceKind = {
  resourceType: 'repository',
  parentListing: 'repositories',
  scopeOf: (repositoryId) => ({ kind: 'repository-grants', repositoryId }),
  resourceIdOf: (scope) => (scope as { repositoryId: string }).repositoryId,
  targetOf: (repositoryId, attributes) => ({
    kind: 'repository-grants',
    repositoryId,
    slug: attribute(attributes, 'slug'),
  }),
};

// Grant scopes share one rank: among them only age counts. Ranking project grants first would let their
// re-reads (200 projects: 400 requests an hour at a 60-minute interval) take all that grant scopes get of
// an 800/h budget on a large workspace, and its repositories would never be read.
export const SCOPE_KINDS: readonly ScopeKindRow[] = [
  { kind: 'members', api: 'bitbucket', cadence: 'membership', rank: 0, leastCost: 1, guardedType: 'user' },
  { kind: 'groups', api: 'bitbucket', cadence: 'membership', rank: 1, leastCost: 1 },
  // Groups search, each group's role assignments and members: at least 3 Admin API requests. After
  // `groups`, so each org group finds the Bitbucket group it matches by name on the first pass.
  { kind: 'org-groups', api: 'atlassian-admin', cadence: 'membership', rank: 1.5, leastCost: 3 },
  { kind: 'projects', api: 'bitbucket', cadence: 'listing', rank: 2, leastCost: 1 },
  {
    kind: 'repositories',
    api: 'bitbucket',
    cadence: 'listing',
    rank: 3,
    leastCost: 1,
    guardedType: 'repository',
  },
  {
    kind: 'project-grants',
    api: 'bitbucket',
    cadence: 'grants',
    rank: 4,
    leastCost: 2,
    perResource: projectGrants,
  },
  {
    kind: 'repository-grants',
    api: 'bitbucket',
    cadence: 'grants',
    rank: 4,
    leastCost: 2,
    perResource: repositoryGrants,
  },
];

const BY_KIND = new Map(SCOPE_KINDS.map((row) => [row.kind, row]));

/** The row of a kind. Throws for a kind without a row (a programming error: add the row). */
export function scopeKind(kind: ScopeKind): ScopeKindRow {
  const row = BY_KIND.get(kind);
  if (!row) throw new Error(`no row for scope kind ${kind} in SCOPE_KINDS`);
  return row;
}

/** The per-resource kind whose scopes hang on the resources a listing kind lists, if any. */
export function perResourceKindListedBy(listing: ScopeKind): ScopeKindRow | undefined {
  return SCOPE_KINDS.find((row) => row.perResource?.parentListing === listing);
}

/** Kinds with one scope for the whole workspace (the listings), in rank order. */
export const LISTING_KINDS: readonly ScopeKindRow[] = SCOPE_KINDS.filter((row) => !row.perResource);

/** The listing kinds read for a workspace through `apis` (Bitbucket alone unless organization-administered). */
export function listingKindsOf(apis: readonly ScopeApi[]): readonly ScopeKindRow[] {
  return LISTING_KINDS.filter((row) => apis.includes(row.api));
}

/** Kinds with one scope per resource. */
export const PER_RESOURCE_KINDS: readonly (ScopeKindRow & { perResource: PerResourceKind })[] =
  SCOPE_KINDS.filter((row): row is ScopeKindRow & { perResource: PerResourceKind } => !!row.perResource);
