// Every Bitbucket call the client makes, in one table: method, route template, the `fields=` trim (what
// the model keeps, DESIGN §2, plus `next`) and the schema of the answer. Change a field here, nowhere else.
import { pathSegment } from '../model/ids.js';
import type { z } from 'zod';
import {
  CurrentUser,
  GroupList,
  GroupPrivilegeList,
  Hook,
  Project,
  ProjectGroupGrant,
  ProjectUserGrant,
  Repository,
  RepositoryGroupGrant,
  RepositoryPermissionCell,
  RepositoryUserGrant,
  UserWorkspaceAccess,
  Workspace,
  WorkspaceMember,
} from './schemas.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface Endpoint<S extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  route: string;
  /** For listings: the schema of one item (the envelope is added by the pager). */
  schema: S;
  fields?: string;
  /** Fixed query parameters the call always sends (e.g. 1.0's `exclude-members=1`). */
  query?: Record<string, string>;
  paged?: boolean;
}

const USER = ['account_id', 'uuid', 'display_name', 'nickname', 'account_status'];
const GROUP = ['slug', 'name'];
const PROJECT = ['uuid', 'key', 'name', 'is_private'];
const REPOSITORY = ['uuid', 'slug', 'name', 'full_name', 'is_private', 'project.key', 'project.uuid'];
const under = (prefix: string, names: string[]) => names.map((name) => `${prefix}.${name}`);
/** A listing's fields: each item field under `values.`, and `next` so paging still works. */
const listFields = (names: string[]) => ['next', ...under('values', names)].join(',');

const userGrantFields = ['permission', ...under('user', USER)];
const groupGrantFields = ['permission', ...under('group', GROUP)];

const PROJECT_USERS = '/2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/users';
const PROJECT_GROUPS = '/2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/groups';
const REPO_USERS = '/2.0/repositories/{workspace}/{repo_slug}/permissions-config/users';
const REPO_GROUPS = '/2.0/repositories/{workspace}/{repo_slug}/permissions-config/groups';
const GROUP_MEMBER = '/1.0/groups/{workspace}/{group_slug}/members/{member}';

function endpoint<S extends z.ZodType>(definition: Endpoint<S>): Endpoint<S> {
  return definition;
}

export const endpoints = {
  currentUser: endpoint({ method: 'GET', route: '/2.0/user', schema: CurrentUser, fields: USER.join(',') }),
  userWorkspaces: endpoint({
    method: 'GET',
    route: '/2.0/user/workspaces',
    schema: UserWorkspaceAccess,
    paged: true,
    fields: listFields(['administrator', 'workspace.uuid', 'workspace.slug', 'workspace.name']),
  }),
  workspace: endpoint({
    method: 'GET',
    route: '/2.0/workspaces/{workspace}',
    schema: Workspace,
    fields: 'uuid,slug,name',
  }),
  workspaceMembers: endpoint({
    method: 'GET',
    route: '/2.0/workspaces/{workspace}/permissions',
    schema: WorkspaceMember,
    paged: true,
    fields: listFields(['permission', 'last_accessed', 'added_on', ...under('user', USER)]),
  }),
  /** 1.0: one unpaged array with every group and its members; `fields=` is not supported there. */
  groups: endpoint({ method: 'GET', route: '/1.0/groups/{workspace}', schema: GroupList }),
  /**
   * 1.0: one unpaged array with every explicit group grant on every repository of the workspace (members
   * left out: the groups listing has them). One request where the 2.0 listings take one per repository.
   */
  groupPrivileges: endpoint({
    method: 'GET',
    route: '/1.0/group-privileges/{workspace}',
    schema: GroupPrivilegeList,
    query: { 'exclude-members': '1' },
  }),
  projects: endpoint({
    method: 'GET',
    route: '/2.0/workspaces/{workspace}/projects',
    schema: Project,
    paged: true,
    fields: listFields(PROJECT),
  }),
  repositories: endpoint({
    method: 'GET',
    route: '/2.0/repositories/{workspace}',
    schema: Repository,
    paged: true,
    fields: listFields(REPOSITORY),
  }),
  // Single-item reads: they confirm that an item one listing walk did not return is really gone
  // (404), or give its current content (pages are not a snapshot, API-NOTES).
  /** One project by key; 404 when the workspace has no project with that key. */
  project: endpoint({
    method: 'GET',
    route: '/2.0/workspaces/{workspace}/projects/{project_key}',
    schema: Project,
    fields: PROJECT.join(','),
  }),
  /**
   * One repository by slug or `{uuid}` (Bitbucket accepts both); 404 when absent or not visible. A `{uuid}`
   * resolves whatever the workspace segment (a repository transferred away is answered in its new
   * workspace), so `workspace.uuid` is asked for to tell which workspace holds it.
   */
  repository: endpoint({
    method: 'GET',
    route: '/2.0/repositories/{workspace}/{repo_slug}',
    schema: Repository,
    fields: [...REPOSITORY, 'workspace.uuid'].join(','),
  }),
  repositoryPermissionMatrix: endpoint({
    method: 'GET',
    route: '/2.0/workspaces/{workspace}/permissions/repositories',
    schema: RepositoryPermissionCell,
    paged: true,
    fields: listFields([
      'permission',
      ...under('user', USER),
      'repository.uuid',
      'repository.full_name',
      'repository.name',
    ]),
  }),
  projectUserGrants: endpoint({
    method: 'GET',
    route: PROJECT_USERS,
    schema: ProjectUserGrant,
    paged: true,
    fields: listFields(userGrantFields),
  }),
  projectGroupGrants: endpoint({
    method: 'GET',
    route: PROJECT_GROUPS,
    schema: ProjectGroupGrant,
    paged: true,
    fields: listFields(groupGrantFields),
  }),
  repositoryUserGrants: endpoint({
    method: 'GET',
    route: REPO_USERS,
    schema: RepositoryUserGrant,
    paged: true,
    fields: listFields(userGrantFields),
  }),
  repositoryGroupGrants: endpoint({
    method: 'GET',
    route: REPO_GROUPS,
    schema: RepositoryGroupGrant,
    paged: true,
    fields: listFields(groupGrantFields),
  }),

  getProjectUserGrant: endpoint({
    method: 'GET',
    route: `${PROJECT_USERS}/{account_id}`,
    schema: ProjectUserGrant,
    fields: userGrantFields.join(','),
  }),
  putProjectUserGrant: endpoint({
    method: 'PUT',
    route: `${PROJECT_USERS}/{account_id}`,
    schema: ProjectUserGrant,
    fields: userGrantFields.join(','),
  }),
  deleteProjectUserGrant: endpoint({
    method: 'DELETE',
    route: `${PROJECT_USERS}/{account_id}`,
    schema: ProjectUserGrant,
  }),
  getProjectGroupGrant: endpoint({
    method: 'GET',
    route: `${PROJECT_GROUPS}/{group_slug}`,
    schema: ProjectGroupGrant,
    fields: groupGrantFields.join(','),
  }),
  putProjectGroupGrant: endpoint({
    method: 'PUT',
    route: `${PROJECT_GROUPS}/{group_slug}`,
    schema: ProjectGroupGrant,
    fields: groupGrantFields.join(','),
  }),
  deleteProjectGroupGrant: endpoint({
    method: 'DELETE',
    route: `${PROJECT_GROUPS}/{group_slug}`,
    schema: ProjectGroupGrant,
  }),
  getRepositoryUserGrant: endpoint({
    method: 'GET',
    route: `${REPO_USERS}/{account_id}`,
    schema: RepositoryUserGrant,
    fields: userGrantFields.join(','),
  }),
  putRepositoryUserGrant: endpoint({
    method: 'PUT',
    route: `${REPO_USERS}/{account_id}`,
    schema: RepositoryUserGrant,
    fields: userGrantFields.join(','),
  }),
  deleteRepositoryUserGrant: endpoint({
    method: 'DELETE',
    route: `${REPO_USERS}/{account_id}`,
    schema: RepositoryUserGrant,
  }),
  getRepositoryGroupGrant: endpoint({
    method: 'GET',
    route: `${REPO_GROUPS}/{group_slug}`,
    schema: RepositoryGroupGrant,
    fields: groupGrantFields.join(','),
  }),
  putRepositoryGroupGrant: endpoint({
    method: 'PUT',
    route: `${REPO_GROUPS}/{group_slug}`,
    schema: RepositoryGroupGrant,
    fields: groupGrantFields.join(','),
  }),
  deleteRepositoryGroupGrant: endpoint({
    method: 'DELETE',
    route: `${REPO_GROUPS}/{group_slug}`,
    schema: RepositoryGroupGrant,
  }),

  addGroupMember: endpoint({ method: 'PUT', route: GROUP_MEMBER, schema: GroupList }),
  removeGroupMember: endpoint({ method: 'DELETE', route: GROUP_MEMBER, schema: GroupList }),

  hooks: endpoint({
    method: 'GET',
    route: '/2.0/workspaces/{workspace}/hooks',
    schema: Hook,
    paged: true,
    fields: listFields(['uuid', 'url', 'description', 'active', 'events']),
  }),
  createHook: endpoint({ method: 'POST', route: '/2.0/workspaces/{workspace}/hooks', schema: Hook }),
  updateHook: endpoint({ method: 'PUT', route: '/2.0/workspaces/{workspace}/hooks/{uid}', schema: Hook }),
} as const;

/** `GET /2.0/workspaces/{workspace}/projects`: how the endpoint is named in errors. */
export function endpointName(definition: Endpoint): string {
  return `${definition.method} ${definition.route}`;
}

/**
 * Fills a route template; every value is one encoded path segment. Throws TypeError for a missing value
 * (a bug) and InvalidIdentifierError for `.` or `..` (pathSegment).
 */
export function expandRoute(route: string, params: Record<string, string>): string {
  return route.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new TypeError(`${route}: missing path parameter ${name}`);
    return pathSegment(value, name);
  });
}
