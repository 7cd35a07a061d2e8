// Identifiers of the governance model (DESIGN §2). Bitbucket wraps UUIDs in braces and mixes case;
// the model keeps them bare and lower case so one resource has exactly one id everywhere.

// `org-group`: a group of an Atlassian organization's directory (admin.atlassian.com) whose product access
// makes its members workspace members or admins; matched to the Bitbucket group of the same name.
export const RESOURCE_TYPES = ['workspace', 'user', 'group', 'org-group', 'project', 'repository'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const PRINCIPAL_TYPES = ['user', 'group'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/**
 * A resource named by type and id: workspace uuid, account_id, group slug, organization group id (the
 * Admin API's), project or repository uuid.
 */
export interface ResourceRef<T extends ResourceType = ResourceType> {
  type: T;
  id: string;
}

/** Who holds a grant: a user (account_id) or a group (slug). */
export interface PrincipalRef<T extends PrincipalType = PrincipalType> {
  type: T;
  id: string;
}

export class InvalidIdentifierError extends Error {
  constructor(what: string, value: string) {
    super(`invalid ${what}: ${JSON.stringify(value.slice(0, 80))}`);
    this.name = 'InvalidIdentifierError';
  }
}

const BARE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `{6F1C…}` or `6f1c…` → `6f1c…` (no braces, lower case). Throws InvalidIdentifierError otherwise. */
export function normalizeUuid(value: string): string {
  const trimmed = value.trim();
  const bare = (
    trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed
  ).toLowerCase();
  if (!BARE_UUID.test(bare)) throw new InvalidIdentifierError('uuid', value);
  return bare;
}

/** True when the value is a UUID with or without braces (used to tell a workspace uuid from a slug). */
export function isUuid(value: string): boolean {
  try {
    normalizeUuid(value);
    return true;
  } catch {
    return false;
  }
}

export function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}

export function isPrincipalType(value: string): value is PrincipalType {
  return (PRINCIPAL_TYPES as readonly string[]).includes(value);
}

/**
 * One URL path segment from an identifier: `.`, `..` and the empty string are refused (URL parsers collapse
 * them, so `/1.0/groups/acme/devs/members/..` would reach the group itself), everything else is encoded.
 * Throws InvalidIdentifierError naming `what`.
 */
export function pathSegment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..') throw new InvalidIdentifierError(what, value);
  return encodeURIComponent(value);
}
