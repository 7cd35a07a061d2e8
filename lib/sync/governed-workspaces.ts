// Which workspaces the sync governs: those named in configuration, or every workspace the credential
// can see. Known workspaces come from the store's directory, so a step spends no request on this; a
// workspace the credential cannot administer is reported, never silently thinned.
import {
  capabilityGapOf,
  credentialVerdict,
  describeGap,
  Forbidden,
  isRefusal,
  OAuthTokenRefused,
  Unauthorized,
  type BitbucketClient,
  type CallOptions,
  type CapabilityGap,
  type CredentialVerdict,
} from '../bitbucket/index.js';
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
 * Workspace discovery was refused (401 or 403 on GET /2.0/user/workspaces, or the OAuth token request).
 * `reason` says whose fault it likely is: `credential-refused` (GET /2.0/user answers 401 too, or the
 * token request was refused: check the credential), `capability-gap` (the credential works, the listing
 * wants a scope it lacks; `gap` names it), or `unknown` (GET /2.0/user could not be asked). The message
 * says so in a line with Bitbucket's own words; `cause` is Bitbucket's error.
 */
export class WorkspaceDiscoveryRefused extends Error {
  override readonly name = 'WorkspaceDiscoveryRefused';
  constructor(
    message: string,
    readonly reason: 'credential-refused' | 'capability-gap' | 'unknown',
    readonly gap: CapabilityGap | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** The credential check's advice: which settings hold the credential, per kind. */
const CHECK_CREDENTIAL =
  'the credential is refused: check BITBUCKET_EMAIL/BITBUCKET_API_TOKEN (or the OAuth client / access token)';

/**
 * What a refused workspace listing means, given what GET /2.0/user said of the same credential
 * (`accepted`, `refused` with a 401, `unknown` when it could not be asked). Bitbucket's words close it.
 */
export function describeDiscoveryRefusal(
  error: Unauthorized | Forbidden,
  user: CredentialVerdict,
  at: string,
): WorkspaceDiscoveryRefused {
  const said = `Bitbucket said: ${error.message}`;
  if (error instanceof OAuthTokenRefused || (error instanceof Unauthorized && user === 'refused')) {
    return new WorkspaceDiscoveryRefused(
      `workspace discovery: ${CHECK_CREDENTIAL}. ${said}`,
      'credential-refused',
      undefined,
      {
        cause: error,
      },
    );
  }
  const gap = capabilityGapOf(error, at);
  const described = gap ? describeGap('workspace discovery', gap) : 'workspace discovery refused';
  const unsure =
    user === 'unknown' ? ' (GET /2.0/user could not be asked, so the credential itself is unchecked)' : '';
  return new WorkspaceDiscoveryRefused(
    `${described}${unsure}. ${said}`,
    user === 'accepted' || error instanceof Forbidden ? 'capability-gap' : 'unknown',
    gap,
    {
      cause: error,
    },
  );
}

/**
 * GET /2.0/user/workspaces; a refusal becomes WorkspaceDiscoveryRefused. A 401 asks GET /2.0/user once
 * (same budget) to tell a dead credential from a token lacking `read:workspace:bitbucket`: only that
 * endpoint's 401 says the credential itself is refused (API-NOTES).
 */
async function listVisibleWorkspaces(
  client: Pick<BitbucketClient, 'listUserWorkspaces' | 'getCurrentUser'>,
  call: CallOptions,
  now: () => Date,
) {
  try {
    return await client.listUserWorkspaces(call);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    // A 403 or a refused token request needs no probe: the first is authenticated, the second is not.
    const user =
      error instanceof Unauthorized && !(error instanceof OAuthTokenRefused)
        ? await credentialVerdict(client, call)
        : 'accepted';
    throw describeDiscoveryRefusal(error, user, now().toISOString());
  }
}

/**
 * The workspaces to govern: `configured` slugs (all known to the store: no request), or what the
 * credential administers, read with at most DISCOVERY_MAX_REQUESTS requests paid from the rolling hour
 * ('discovery' in the ledger). A refused listing throws WorkspaceDiscoveryRefused, saying whether the
 * credential or one of its scopes is the likely cause; Bitbucket's other errors propagate.
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
    ({ budget }) => listVisibleWorkspaces(client, { budget, ...options }, now),
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
