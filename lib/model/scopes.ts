// Scopes: sets of facts that one Bitbucket listing returns completely (DESIGN §4). Refreshing a scope
// replaces exactly what it owns, so ownership is defined once here and the store turns it into key
// prefixes.
import type { ResourceType } from './ids.js';
import { InvalidItemError, type GovernanceItem } from './items.js';

export type ScopeRef =
  | { kind: 'members' | 'groups' | 'org-groups' | 'projects' | 'repositories' }
  | { kind: 'project-grants'; projectId: string }
  | { kind: 'repository-grants'; repositoryId: string };

export type ScopeKind = ScopeRef['kind'];

/** What a scope owns: every resource of a type, or the grants on resources of a type (on one id, or all). */
export type ScopeSelector =
  | { item: 'resource'; resourceType: ResourceType }
  | { item: 'grant'; resourceType: ResourceType; resourceId?: string };

export class InvalidScopeError extends Error {
  constructor(value: string) {
    super(`not a scope: ${JSON.stringify(value.slice(0, 120))}`);
    this.name = 'InvalidScopeError';
  }
}

/**
 * `members`, `groups`, `org-groups` (organization groups with a role on the workspace and their members,
 * read from the Atlassian Admin API), `projects`, `repositories`, `project-grants/{id}`,
 * `repository-grants/{id}`.
 */
export function scopeId(scope: ScopeRef): string {
  switch (scope.kind) {
    case 'project-grants':
      return `project-grants/${scope.projectId}`;
    case 'repository-grants':
      return `repository-grants/${scope.repositoryId}`;
    default:
      return scope.kind;
  }
}

export function parseScopeId(value: string): ScopeRef {
  if (
    value === 'members' ||
    value === 'groups' ||
    value === 'org-groups' ||
    value === 'projects' ||
    value === 'repositories'
  ) {
    return { kind: value };
  }
  const slash = value.indexOf('/');
  const kind = value.slice(0, slash);
  const id = value.slice(slash + 1);
  if (slash > 0 && id !== '' && !id.includes('/')) {
    if (kind === 'project-grants') return { kind, projectId: id };
    if (kind === 'repository-grants') return { kind, repositoryId: id };
  }
  throw new InvalidScopeError(value);
}

export function scopeSelectors(scope: ScopeRef): ScopeSelector[] {
  switch (scope.kind) {
    case 'members':
      return [
        { item: 'resource', resourceType: 'user' },
        { item: 'grant', resourceType: 'workspace' },
      ];
    case 'groups':
      return [
        { item: 'resource', resourceType: 'group' },
        { item: 'grant', resourceType: 'group' },
      ];
    case 'org-groups':
      return [
        { item: 'resource', resourceType: 'org-group' },
        { item: 'grant', resourceType: 'org-group' },
      ];
    case 'projects':
      return [{ item: 'resource', resourceType: 'project' }];
    case 'repositories':
      return [{ item: 'resource', resourceType: 'repository' }];
    case 'project-grants':
      return [{ item: 'grant', resourceType: 'project', resourceId: scope.projectId }];
    case 'repository-grants':
      return [{ item: 'grant', resourceType: 'repository', resourceId: scope.repositoryId }];
  }
}

/**
 * The scope whose listing reports this item, or null for the workspace resource (owned by no
 * listing; written with the workspace directory).
 */
export function scopeOfItem(item: GovernanceItem): ScopeRef | null {
  if (item.kind === 'resource') {
    switch (item.type) {
      case 'user':
        return { kind: 'members' };
      case 'group':
        return { kind: 'groups' };
      case 'org-group':
        return { kind: 'org-groups' };
      case 'project':
        return { kind: 'projects' };
      case 'repository':
        return { kind: 'repositories' };
      case 'workspace':
        return null;
    }
  }
  switch (item.resource.type) {
    case 'workspace':
      return { kind: 'members' };
    case 'group':
      return { kind: 'groups' };
    case 'org-group':
      return { kind: 'org-groups' };
    case 'project':
      return { kind: 'project-grants', projectId: item.resource.id };
    case 'repository':
      return { kind: 'repository-grants', repositoryId: item.resource.id };
    default:
      throw new InvalidItemError('nothing is granted on a user');
  }
}

export function scopeOwnsItem(scope: ScopeRef, item: GovernanceItem): boolean {
  const owner = scopeOfItem(item);
  return owner !== null && scopeId(owner) === scopeId(scope);
}
