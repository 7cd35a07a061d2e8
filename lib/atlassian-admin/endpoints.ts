// Every Admin API call the client makes, in one table (ADMIN-API.md "Endpoints"): method, route template,
// how it pages, and the schema of its answer (of one item, for paged ones). Change a route here only.
import { pathSegment } from '../model/ids.js';
import type { z } from 'zod';
import {
  AdminDirectory,
  AdminGroup,
  AdminGroupAnswer,
  AdminRoleAssignment,
  AdminUser,
  AdminWorkspaceRecord,
  NoContent,
} from './schemas.js';

export type AdminHttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * How an endpoint pages: `query` (GET, `?cursor=&limit=`), `body` (search POST, `{cursor, limit}` in the
 * JSON body) or `none` (one answer).
 */
export type AdminPaging = 'query' | 'body' | 'none';

export interface AdminEndpoint<S extends z.ZodType = z.ZodType> {
  method: AdminHttpMethod;
  /** Path template under the API base; `{name}` placeholders are filled (URI-encoded) from the params. */
  route: string;
  paging: AdminPaging;
  /** For paged endpoints the schema of one item (the `{data, links}` envelope is added by the pager). */
  schema: S;
  /**
   * Safe to send again after a 429, 5xx or network failure. Reads are; so are the membership POST/DELETE
   * (adding a member twice or removing one twice leaves the same membership).
   */
  idempotent: boolean;
}

const ORG = '/admin/v2/orgs/{orgId}';
const GROUP = `${ORG}/directories/{directoryId}/groups/{groupId}`;

function endpoint<S extends z.ZodType>(definition: AdminEndpoint<S>): AdminEndpoint<S> {
  return definition;
}

export const adminEndpoints = {
  listDirectories: endpoint({
    method: 'GET',
    route: `${ORG}/directories`,
    paging: 'query',
    schema: AdminDirectory,
    idempotent: true,
  }),
  searchGroups: endpoint({
    method: 'POST',
    route: `${ORG}/directories/{directoryId}/groups/search`,
    paging: 'body',
    schema: AdminGroup,
    idempotent: true,
  }),
  getGroup: endpoint({
    method: 'GET',
    route: GROUP,
    paging: 'none',
    schema: AdminGroupAnswer,
    idempotent: true,
  }),
  groupRoleAssignments: endpoint({
    method: 'GET',
    route: `${GROUP}/role-assignments`,
    paging: 'query',
    schema: AdminRoleAssignment,
    idempotent: true,
  }),
  addGroupMember: endpoint({
    method: 'POST',
    route: `${GROUP}/memberships`,
    paging: 'none',
    schema: NoContent,
    idempotent: true,
  }),
  removeGroupMember: endpoint({
    method: 'DELETE',
    route: `${GROUP}/memberships/{accountId}`,
    paging: 'none',
    schema: NoContent,
    idempotent: true,
  }),
  searchUsers: endpoint({
    method: 'POST',
    route: `${ORG}/directories/{directoryId}/users/search`,
    paging: 'body',
    schema: AdminUser,
    idempotent: true,
  }),
  listWorkspaces: endpoint({
    method: 'POST',
    route: `${ORG}/workspaces`,
    paging: 'body',
    schema: AdminWorkspaceRecord,
    idempotent: true,
  }),
} as const;

export type AdminEndpointName = keyof typeof adminEndpoints;

/** `POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/search`: method and route template. */
export function adminEndpointName(endpoint: AdminEndpoint): string {
  return `${endpoint.method} ${endpoint.route}`;
}

/**
 * The route with each `{name}` replaced by its URI-encoded value; a missing value throws (a bug), an empty,
 * `.` or `..` value InvalidIdentifierError (pathSegment).
 */
export function expandAdminRoute(route: string, params: Readonly<Record<string, string>>): string {
  return route.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${route}`);
    return pathSegment(value, name);
  });
}

/** A call as audit records and dry runs show it: nothing secret, no base URL. */
export interface AdminCallDescription {
  method: AdminHttpMethod;
  /** Route template, e.g. `DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships/{accountId}`. */
  endpoint: string;
  /** Concrete path with the orgId and ids filled in, e.g. `/admin/v2/orgs/o-1/directories/-/groups/g-1/memberships`. */
  path: string;
}

/**
 * Describes one call of the table without sending it. `params` must hold every placeholder of the route,
 * `orgId` included. Throws Error when one is missing.
 */
export function describeAdminCall(
  name: AdminEndpointName,
  params: Readonly<Record<string, string>>,
): AdminCallDescription {
  const endpoint: AdminEndpoint = adminEndpoints[name];
  return {
    method: endpoint.method,
    endpoint: adminEndpointName(endpoint),
    path: expandAdminRoute(endpoint.route, params),
  };
}
