// A refused listing is a gap in what the credential may read, not a dead credential (API-NOTES "Rate
// limits and errors"): a scoped API token without `read:project:bitbucket` answers 401 on the project
// listing and 200 everywhere else. This module names what a refused listing most likely lacks, from
// Bitbucket's own `X-Accepted-OAuth-Scopes` when it sends it, else from the scopes Atlassian's OpenAPI
// document gives the endpoint (`x-atlassian-oauth2-scopes`).
import type { CapabilityGap } from '../store/sync-state.js';
import type { BitbucketClient } from './client.js';
import { Forbidden, Unauthorized, type BitbucketError } from './errors.js';
import type { CallOptions } from './transport.js';

export type { CapabilityGap };

/**
 * The API-token scopes each listing the sync reads needs, by route template (`METHOD /route`), from
 * `x-atlassian-oauth2-scopes` in Atlassian's OpenAPI document (June 2026). Where API-NOTES calls the
 * read scopes unsettled (permissions-config GETs may need the admin scopes), both are named, read first.
 * `/1.0/groups` is not in the document: its GET needs workspace read and, per API-NOTES, admin rights.
 */
export const LISTING_SCOPES_BY_ENDPOINT: Readonly<Record<string, readonly string[]>> = {
  'GET /2.0/user': ['read:user:bitbucket'],
  'GET /2.0/user/workspaces': ['read:workspace:bitbucket'],
  'GET /2.0/workspaces/{workspace}': ['read:workspace:bitbucket'],
  'GET /2.0/workspaces/{workspace}/permissions': ['read:workspace:bitbucket'],
  'GET /1.0/groups/{workspace}': ['read:workspace:bitbucket', 'admin:workspace:bitbucket'],
  'GET /2.0/workspaces/{workspace}/projects': ['read:project:bitbucket'],
  'GET /2.0/repositories/{workspace}': ['read:repository:bitbucket'],
  'GET /2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/users': [
    'read:project:bitbucket',
    'admin:project:bitbucket',
  ],
  'GET /2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/groups': [
    'read:project:bitbucket',
    'admin:project:bitbucket',
  ],
  'GET /2.0/repositories/{workspace}/{repo_slug}/permissions-config/users': [
    'read:repository:bitbucket',
    'admin:repository:bitbucket',
  ],
  'GET /2.0/repositories/{workspace}/{repo_slug}/permissions-config/groups': [
    'read:repository:bitbucket',
    'admin:repository:bitbucket',
  ],
  'GET /2.0/workspaces/{workspace}/hooks': ['read:webhook:bitbucket'],
};

/** True for the answers that mean "this credential may not read this", as opposed to "it is dead". */
export function isRefusal(error: unknown): error is Unauthorized | Forbidden {
  return error instanceof Unauthorized || error instanceof Forbidden;
}

/**
 * The gap a refusal shows, for a listing refused at `at` (ISO). Returns undefined for any other error.
 * Keeps `since` of `previous` when the same endpoint is still refused.
 */
export function capabilityGapOf(
  error: unknown,
  at: string,
  previous?: CapabilityGap,
): CapabilityGap | undefined {
  if (!isRefusal(error)) return undefined;
  const refusal: BitbucketError = error;
  const accepted = refusal.acceptedScopes;
  const fromTable = refusal.endpoint ? LISTING_SCOPES_BY_ENDPOINT[refusal.endpoint] : undefined;
  const likelyMissing = accepted && accepted.length > 0 ? [...accepted] : [...(fromTable ?? [])];
  return {
    since: previous && previous.endpoint === refusal.endpoint ? previous.since : at,
    checkedAt: at,
    status: refusal.status === 403 ? 403 : 401,
    ...(refusal.endpoint ? { endpoint: refusal.endpoint } : {}),
    likelyMissing,
    namedByBitbucket: Boolean(accepted && accepted.length > 0),
    message: refusal.message,
  };
}

/** One sentence for logs, doctor and the CLI: what was refused and what the credential likely lacks. */
export function describeGap(scope: string, gap: CapabilityGap): string {
  const scopes = gap.likelyMissing.join(' or ');
  const named = gap.namedByBitbucket ? ' (named by Bitbucket)' : '';
  // A 401 on one endpoint is a scope the token lacks; a 403 is usually who the credential is (not a
  // workspace admin, or the workspace is administered in admin.atlassian.com), scopes only second.
  const why =
    gap.status === 403
      ? `refused (403): the credential's account may not be a workspace admin, or the workspace is administered in admin.atlassian.com${scopes ? `; the endpoint wants ${scopes}${named}` : ''}`
      : `refused (401 for this endpoint only: the credential works elsewhere)${scopes ? `; the credential likely lacks ${scopes}${named}` : ''}`;
  const inferred = gap.inferredFrom ? ` [not called: ${gap.inferredFrom}]` : '';
  return `${scope}: ${gap.endpoint ?? 'listing'} ${why}${inferred}`;
}

/** What `GET /2.0/user` says about the credential: refused (401), accepted (200), or nothing. */
export type CredentialVerdict = 'refused' | 'accepted' | 'unknown';

/**
 * Asks `GET /2.0/user` (one request from `call`'s budget) whether the credential itself is refused, after
 * a 401 elsewhere: only this endpoint's 401 says so (API-NOTES "Rate limits and errors"); a 401 on another
 * endpoint is a scope the token lacks. `unknown` when it could not be asked (429, 5xx, budget, network):
 * that says nothing about the credential.
 */
export async function credentialVerdict(
  client: Pick<BitbucketClient, 'getCurrentUser'>,
  call: CallOptions,
): Promise<CredentialVerdict> {
  try {
    await client.getCurrentUser(call);
    return 'accepted';
  } catch (error) {
    return error instanceof Unauthorized ? 'refused' : 'unknown';
  }
}
