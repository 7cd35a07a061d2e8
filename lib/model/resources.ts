// Resources and the attributes kept for each (DESIGN §2). A resource is stored as one item; the
// attributes are what the scope diff compares.
import type { GroupDefaultPermission } from './entitlements.js';
import type { ResourceRef, ResourceType } from './ids.js';

export interface WorkspaceAttributes {
  slug: string;
  name: string;
}

export interface UserAttributes {
  /** Bitbucket user uuid, no braces, lower case. */
  uuid: string;
  displayName: string;
  nickname: string | null;
  accountStatus: string;
  /** When Bitbucket reports it (absent for workspaces administered in admin.atlassian.com). */
  lastAccessed?: string | null;
}

export interface GroupAttributes {
  name: string;
  /** Copied by Bitbucket onto new repositories as an explicit grant: a risk signal, not a path. */
  defaultPermission: GroupDefaultPermission;
  autoAdd: boolean;
}

/**
 * An organization group with a role on the workspace (Atlassian Admin API, ADMIN-API.md): its role is
 * what makes its members workspace members (`member`, Admin API role `atlassian/user`) or owners
 * (`admin`, `atlassian/admin`). Kept with both ids: the resource id is the Admin API's group id, `slug`
 * the Bitbucket group of the same name that project and repository grants name (null when Bitbucket
 * lists none).
 */
export interface OrgGroupAttributes {
  name: string;
  /** The Bitbucket group slug matched by name, or null. */
  slug: string | null;
  /** The org directory holding the group (Admin API `directoryId`). */
  directoryId: string;
  /** Synced from an identity provider: its members can only be changed there. */
  idpManaged: boolean;
  /** The workspace role its product access gives: `member` or `admin`. */
  workspaceRole: 'member' | 'admin';
}

export interface ProjectAttributes {
  key: string;
  name: string;
  isPrivate: boolean;
}

export interface RepositoryAttributes {
  slug: string;
  name: string;
  fullName: string;
  /** The project's uuid (every Bitbucket Cloud repository belongs to one; null only if unknown). */
  projectUuid: string | null;
  isPrivate: boolean;
}

export interface ResourceAttributesByType {
  workspace: WorkspaceAttributes;
  user: UserAttributes;
  group: GroupAttributes;
  'org-group': OrgGroupAttributes;
  project: ProjectAttributes;
  repository: RepositoryAttributes;
}

export type ResourceOf<T extends ResourceType> = {
  kind: 'resource';
  type: T;
  id: string;
  attributes: ResourceAttributesByType[T];
};

export type WorkspaceResource = ResourceOf<'workspace'>;
export type UserResource = ResourceOf<'user'>;
export type GroupResource = ResourceOf<'group'>;
export type OrgGroupResource = ResourceOf<'org-group'>;
export type ProjectResource = ResourceOf<'project'>;
export type RepositoryResource = ResourceOf<'repository'>;

export type Resource =
  WorkspaceResource | UserResource | GroupResource | OrgGroupResource | ProjectResource | RepositoryResource;

export function resource<T extends ResourceType>(
  type: T,
  id: string,
  attributes: ResourceAttributesByType[T],
): ResourceOf<T> {
  return { kind: 'resource', type, id, attributes };
}

export function resourceRef(item: Resource): ResourceRef {
  return { type: item.type, id: item.id };
}
