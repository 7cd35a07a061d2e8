// The items a scope holds and the sync observes: resources and grants. Validation here guards the
// seam between the sync (which maps Bitbucket listings) and the store.
import { isProjectPermission, isRepositoryPermission, isWorkspaceRole } from './entitlements.js';
import type { Grant } from './grants.js';
import { checkIdentifier } from './identifiers.js';
import { InvalidIdentifierError, isUuid, type ResourceRef } from './ids.js';
import type { Resource } from './resources.js';

export type GovernanceItem = Resource | Grant;

export class InvalidItemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidItemError';
  }
}

/** Identity of an item within its workspace: `resource/{type}/{id}` or `grant/{type}/{id}/{ptype}/{pid}`. */
export function itemIdentity(item: GovernanceItem): string {
  return item.kind === 'resource'
    ? `resource/${item.type}/${item.id}`
    : `grant/${item.resource.type}/${item.resource.id}/${item.principal.type}/${item.principal.id}`;
}

const UUID_TYPES = new Set(['workspace', 'project', 'repository']);

function checkId(ref: ResourceRef): void {
  // Ids become parts of DynamoDB keys separated by '#'.
  if (ref.id === '' || ref.id.includes('#')) throw new InvalidIdentifierError(`${ref.type} id`, ref.id);
  if (
    UUID_TYPES.has(ref.type) &&
    (!isUuid(ref.id) || ref.id !== ref.id.toLowerCase() || ref.id.startsWith('{'))
  ) {
    throw new InvalidIdentifierError(`${ref.type} uuid (bare, lower case)`, ref.id);
  }
}

/** A user is named by account id and a Bitbucket group by slug: both become key parts and URL segments. */
function checkNamed(ref: ResourceRef): void {
  if (ref.type === 'user') checkIdentifier('account id', ref.id);
  else if (ref.type === 'group') checkIdentifier('group slug', ref.id);
}

/** The attributes a URL is later built from: a repository's slug, a project's key. */
function checkAddress(item: Resource): void {
  if (item.type === 'repository') checkIdentifier('repository slug', item.attributes.slug);
  else if (item.type === 'project') checkIdentifier('project key', item.attributes.key);
}

/**
 * Throws InvalidItemError / InvalidIdentifierError when an item does not fit DESIGN §2 or names something
 * by an identifier Bitbucket's rules do not allow (lib/model/identifiers.ts).
 */
export function validateItem(item: GovernanceItem): void {
  if (item.kind === 'resource') {
    checkId(item);
    checkNamed(item);
    checkAddress(item);
    return;
  }
  checkId(item.resource);
  checkNamed(item.resource);
  checkId({ type: item.principal.type, id: item.principal.id });
  checkNamed({ type: item.principal.type, id: item.principal.id });
  const { resource, principal, entitlement } = item;
  const fits =
    (resource.type === 'workspace' && principal.type === 'user' && isWorkspaceRole(entitlement)) ||
    ((resource.type === 'group' || resource.type === 'org-group') &&
      principal.type === 'user' &&
      entitlement === 'member') ||
    (resource.type === 'project' && isProjectPermission(entitlement)) ||
    (resource.type === 'repository' && isRepositoryPermission(entitlement));
  if (!fits) {
    throw new InvalidItemError(
      `a ${principal.type} cannot hold ${JSON.stringify(entitlement)} on a ${resource.type}`,
    );
  }
}
