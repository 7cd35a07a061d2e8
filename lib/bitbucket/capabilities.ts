// What a credential can do in a workspace, found with the fewest safe calls: a few small reads, never a
// write. What a read cannot prove (write scopes) is inferred from the credential kind where API-NOTES
// settles it (OAuth and access tokens cannot write permissions) and reported as 'unknown' otherwise.
import type { CredentialKind } from '../config/schemas.js';
import type { BitbucketClient } from './client.js';
import { endpoints } from './endpoints.js';
import { BitbucketError, BudgetExhausted, Forbidden, Unauthorized } from './errors.js';
import { RequestBudget } from './request-budget.js';
import type { CallOptions } from './transport.js';

export type CapabilityAnswer = 'yes' | 'no' | 'unknown';

export interface Capability {
  answer: CapabilityAnswer;
  reason: string;
}

export interface CapabilityReport {
  credentialKind: CredentialKind;
  readMembers: Capability;
  readGroups: Capability;
  /** Project or repository permissions, whichever can be read (see the two below). */
  readPermissions: Capability;
  readProjectPermissions: Capability;
  readRepositoryPermissions: Capability;
  writeGroupMembership: Capability;
  writePermissions: Capability;
  manageHooks: Capability;
  /** HTTP requests the probe sent (an OAuth token fetch included). */
  requestsUsed: number;
}

const yes = (reason: string): Capability => ({ answer: 'yes', reason });
const no = (reason: string): Capability => ({ answer: 'no', reason });
const unknown = (reason: string): Capability => ({ answer: 'unknown', reason });

/** Runs one read; a refusal is a 'no', anything else that fails is an 'unknown'. */
async function tryRead<T>(read: () => Promise<T>): Promise<{ value: T } | { failed: Capability }> {
  try {
    return { value: await read() };
  } catch (error) {
    if (error instanceof BudgetExhausted) throw error;
    if (!(error instanceof BitbucketError)) throw error;
    // The message names the call and status and keeps Bitbucket's own words (error.message/detail, an
    // OAuth error_description, a removal's CHANGE id): what the operator needs to act. Already redacted.
    if (error instanceof Forbidden || error instanceof Unauthorized)
      return { failed: no(`refused: ${error.message}`) };
    return { failed: unknown(`could not tell: ${error.message} (${error.name})`) };
  }
}

export async function probeCapabilities(
  client: BitbucketClient,
  workspace: string,
  call: CallOptions = {},
): Promise<CapabilityReport> {
  const budget = call.budget ?? new RequestBudget(Number.POSITIVE_INFINITY);
  const spentBefore = budget.spent;
  const options: CallOptions = { ...call, budget };
  const kind = await client.credentialKind();

  const members = await tryRead(() =>
    client.peek(endpoints.workspaceMembers, { workspace }, 'values.permission', options),
  );
  const readMembers = 'value' in members ? yes('listed workspace members') : members.failed;

  // The 1.0 group listing has no paging and no fields=: one request whatever the size.
  const groups = await tryRead(() => client.listGroups(workspace, options));
  const readGroups = 'value' in groups ? yes('listed groups (1.0 API)') : groups.failed;

  // Project and repository permissions are separate listings with separate scopes: a token without
  // read:project:bitbucket may still read every repository's grants, so each is probed on its own.
  let readProjectPermissions: Capability;
  let readRepositoryPermissions: Capability;
  if (kind === 'access-token') {
    readProjectPermissions = no('access tokens cannot read permissions (API-NOTES)');
    readRepositoryPermissions = readProjectPermissions;
  } else {
    readProjectPermissions = await probeGrantListing(
      'project',
      () => client.peek(endpoints.projects, { workspace }, 'values.key', options),
      (key) =>
        client.peek(
          endpoints.projectUserGrants,
          { workspace, project_key: key },
          'values.permission',
          options,
        ),
    );
    readRepositoryPermissions = await probeGrantListing(
      'repository',
      () => client.peek(endpoints.repositories, { workspace }, 'values.slug', options),
      (slug) =>
        client.peek(
          endpoints.repositoryUserGrants,
          { workspace, repo_slug: slug },
          'values.permission',
          options,
        ),
    );
  }
  const readPermissions = combinedRead(readProjectPermissions, readRepositoryPermissions);

  const hooks = await tryRead(() => client.peek(endpoints.hooks, { workspace }, 'values.uuid', options));
  const manageHooks =
    'value' in hooks
      ? unknown(
          'can list webhooks (workspace owner); creating one also needs the write:webhook scope, not tried',
        )
      : hooks.failed;

  let writePermissions: Capability;
  if (kind !== 'api-token') {
    writePermissions = no(`${kind} credentials cannot change permissions; only an API token can (API-NOTES)`);
  } else if (readPermissions.answer === 'no') {
    writePermissions = no('cannot even read permissions');
  } else {
    writePermissions = unknown(
      'needs the write:permission and delete:permission scopes and admin rights; not tried',
    );
  }

  const writeGroupMembership =
    readGroups.answer === 'no'
      ? no('cannot even read groups')
      : unknown(
          'needs admin:workspace (unsettled) and is read-only in workspaces administered in admin.atlassian.com; not tried',
        );

  return {
    credentialKind: kind,
    readMembers,
    readGroups,
    readPermissions,
    readProjectPermissions,
    readRepositoryPermissions,
    writeGroupMembership,
    writePermissions,
    manageHooks,
    requestsUsed: budget.spent - spentBefore,
  };
}

/** Lists one page of a resource listing, then one page of the first resource's user grants. */
async function probeGrantListing(
  resource: 'project' | 'repository',
  listResources: () => Promise<unknown[]>,
  listGrants: (address: string) => Promise<unknown>,
): Promise<Capability> {
  const resources = await tryRead(listResources);
  if (!('value' in resources)) return resources.failed;
  const address = addressOf(resources.value[0], resource === 'project' ? 'key' : 'slug');
  if (address === undefined) return unknown(`the workspace has no ${resource} to read permissions from`);
  const grants = await tryRead(() => listGrants(address));
  return 'value' in grants ? yes(`listed user permissions of ${resource} ${address}`) : grants.failed;
}

/** Yes when either kind of permission can be read, no when neither, else unknown. */
function combinedRead(projects: Capability, repositories: Capability): Capability {
  const reason = `projects: ${projects.reason}; repositories: ${repositories.reason}`;
  if (projects.answer === 'yes' || repositories.answer === 'yes') return yes(reason);
  if (projects.answer === 'no' && repositories.answer === 'no') return no(reason);
  return unknown(reason);
}

function addressOf(item: unknown, field: 'key' | 'slug'): string | undefined {
  const value = (item as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
