// Atlassian Admin API routes (v2, multi-directory): directories, group search and one group, a group's role
// assignments and memberships, user search, and the organization's workspaces. Each organization has one
// directory; `-` as directoryId means every directory.
import * as z from 'zod';
import type { AdminContext, AdminRoute } from '../admin-api.js';
import { AdminApiError, adminBadRequest, adminNotFound, IDP_MANAGED_DETAIL } from '../admin-errors.js';
import { cursorPage, readPageRequest } from '../admin-paging.js';
import {
  addOrgGroupMember,
  orgUsers,
  orgWorkspaces,
  removeOrgGroupMember,
  ROLE_IDS,
  userLimitBreach,
  workspaceAri,
} from '../organizations.js';
import type { SeedUser } from '../seed.js';
import type { OrganizationState, OrgGroupState } from '../state.js';

const ORG = '/admin/v2/orgs/{orgId}';
const DIRECTORY = `${ORG}/directories/{directoryId}`;
const GROUP = `${DIRECTORY}/groups/{groupId}`;

const strings = z.array(z.string()).optional();
/** A filter given as one string or a list of strings. */
const stringOrList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));
const NoFilters = z.object({});
const GroupFilters = z.object({
  searchTerm: z.string().optional(),
  groupIds: strings,
  groupNames: strings,
  accountIds: strings,
  resourceIds: strings,
  roleIds: strings,
});
const UserFilters = z.object({
  groupIds: strings,
  accountIds: strings,
  emails: strings,
  accountStatus: stringOrList,
  expand: stringOrList,
});

/** The JSON body of a search as an object; `{}` when none was sent. */
function searchBody(ctx: AdminContext): Record<string, unknown> {
  if (typeof ctx.body !== 'object' || ctx.body === null || Array.isArray(ctx.body))
    throw adminBadRequest('The request body must be a JSON object.');
  return ctx.body as Record<string, unknown>;
}

/** Cursor and limit of a GET listing, from the query. */
function queryInput(ctx: AdminContext): Record<string, unknown> {
  return { cursor: ctx.query.get('cursor') ?? undefined, limit: ctx.query.get('limit') ?? undefined };
}

/** A cursor is only good for the route and path that issued it. */
const scopeOf = (ctx: AdminContext) => `${ctx.template} ${ctx.url.pathname}`;

function requireDirectory(ctx: AdminContext): void {
  const id = ctx.params.directoryId ?? '';
  if (id !== '-' && id !== ctx.org.directoryId) throw adminNotFound(`Directory ${id} not found.`);
}

function requireGroup(ctx: AdminContext): OrgGroupState {
  requireDirectory(ctx);
  const group = ctx.org.groups.get(ctx.params.groupId ?? '');
  if (!group) throw adminNotFound(`Group ${ctx.params.groupId ?? ''} not found.`);
  return group;
}

function serializeGroup(org: OrganizationState, group: OrgGroupState) {
  return {
    id: group.id,
    name: group.name,
    description: '',
    directoryId: org.directoryId,
    externalSynced: group.idpManaged,
    managementAccess: { readable: true, modifiable: !group.idpManaged, deletable: !group.idpManaged },
  };
}

/** The role assignments of one group: one per workspace it has a role on. */
function roleAssignments(ctx: AdminContext, group: OrgGroupState) {
  return [...group.roles].flatMap(([slug, role]) => {
    const ws = ctx.state.workspaces.get(slug);
    return ws ? [{ principalId: group.id, resourceId: workspaceAri(ws), roleId: ROLE_IDS[role] }] : [];
  });
}

const emailOf = (user: SeedUser) => `${user.nickname ?? user.accountId.replace(/[^\w.-]/g, '-')}@example.com`;
const nonEmpty = (list: string[] | undefined): list is string[] => list !== undefined && list.length > 0;

function refuseIdpManaged(group: OrgGroupState): void {
  if (group.idpManaged)
    throw new AdminApiError(403, IDP_MANAGED_DETAIL, 'GROUP_MANAGED_BY_IDENTITY_PROVIDER');
}

export const adminRoutes: AdminRoute[] = [
  {
    method: 'GET',
    template: `${ORG}/directories`,
    handle(ctx) {
      const request = readPageRequest(queryInput(ctx), scopeOf(ctx), NoFilters);
      const directories = [{ directoryId: ctx.org.directoryId, name: `${ctx.org.id} directory` }];
      return { status: 200, body: cursorPage(directories, request, scopeOf(ctx), (d) => d) };
    },
  },
  {
    method: 'POST',
    template: `${DIRECTORY}/groups/search`,
    handle(ctx) {
      requireDirectory(ctx);
      const { filters: f, ...request } = readPageRequest(searchBody(ctx), scopeOf(ctx), GroupFilters);
      const term = f.searchTerm?.toLowerCase();
      const resources = nonEmpty(f.resourceIds)
        ? new Set(f.resourceIds.map((r) => r.toLowerCase()))
        : undefined;
      const groups = [...ctx.org.groups.values()].filter((group) => {
        const assignments = roleAssignments(ctx, group);
        return (
          (term === undefined || group.name.toLowerCase().includes(term)) &&
          (!nonEmpty(f.groupIds) || f.groupIds.includes(group.id)) &&
          (!nonEmpty(f.groupNames) || f.groupNames.includes(group.name)) &&
          (!nonEmpty(f.accountIds) || f.accountIds.some((id) => group.members.has(id))) &&
          (!resources || assignments.some((a) => resources.has(a.resourceId))) &&
          (!nonEmpty(f.roleIds) || assignments.some((a) => f.roleIds?.includes(a.roleId)))
        );
      });
      const page = cursorPage(groups, { ...request, filters: f }, scopeOf(ctx), (g) =>
        serializeGroup(ctx.org, g),
      );
      return { status: 200, body: page };
    },
  },
  {
    method: 'GET',
    template: GROUP,
    handle(ctx) {
      return { status: 200, body: { data: serializeGroup(ctx.org, requireGroup(ctx)) } };
    },
  },
  {
    method: 'GET',
    template: `${GROUP}/role-assignments`,
    handle(ctx) {
      const group = requireGroup(ctx);
      const request = readPageRequest(queryInput(ctx), scopeOf(ctx), NoFilters);
      return { status: 200, body: cursorPage(roleAssignments(ctx, group), request, scopeOf(ctx), (a) => a) };
    },
  },
  {
    method: 'POST',
    template: `${GROUP}/memberships`,
    handle(ctx) {
      const group = requireGroup(ctx);
      const parsed = z.object({ accountId: z.string().min(1) }).safeParse(ctx.body);
      if (!parsed.success) throw adminBadRequest('accountId is required.');
      refuseIdpManaged(group);
      const { accountId } = parsed.data;
      if (!ctx.state.users.has(accountId)) throw adminNotFound(`User ${accountId} not found.`);
      if (group.members.has(accountId)) return { status: 204 };
      const full = userLimitBreach(ctx.state, group, accountId);
      if (full)
        throw adminBadRequest(
          `Adding this user would exceed the user limit (${full.planUserLimit}) of Bitbucket workspace ${full.slug}.`,
          'USER_LIMIT_EXCEEDED',
        );
      addOrgGroupMember(ctx.state, ctx.org, group, accountId);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    template: `${GROUP}/memberships/{accountId}`,
    handle(ctx) {
      const group = requireGroup(ctx);
      refuseIdpManaged(group);
      const accountId = ctx.params.accountId ?? '';
      if (!removeOrgGroupMember(ctx.state, ctx.org, group, accountId))
        throw adminNotFound(`User ${accountId} is not a member of group ${group.id}.`);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: `${DIRECTORY}/users/search`,
    handle(ctx) {
      requireDirectory(ctx);
      const { filters: f, ...request } = readPageRequest(searchBody(ctx), scopeOf(ctx), UserFilters);
      const groups = [...ctx.org.groups.values()];
      const inGroups = nonEmpty(f.groupIds) ? groups.filter((g) => f.groupIds?.includes(g.id)) : undefined;
      const emails = nonEmpty(f.emails) ? new Set(f.emails.map((e) => e.toLowerCase())) : undefined;
      const users = orgUsers(ctx.state, ctx.org).filter(
        (user) =>
          (!inGroups || inGroups.some((g) => g.members.has(user.accountId))) &&
          (!nonEmpty(f.accountIds) || f.accountIds.includes(user.accountId)) &&
          (!emails || emails.has(emailOf(user).toLowerCase())) &&
          (!nonEmpty(f.accountStatus) || f.accountStatus.includes(user.accountStatus ?? 'active')),
      );
      const withGroups = f.expand?.includes('groups') ?? false;
      const page = cursorPage(users, { ...request, filters: f }, scopeOf(ctx), (user) => ({
        accountId: user.accountId,
        name: user.displayName,
        nickname: user.nickname ?? user.displayName,
        email: emailOf(user),
        accountStatus: user.accountStatus ?? 'active',
        ...(withGroups
          ? {
              groups: groups
                .filter((g) => g.members.has(user.accountId))
                .map((g) => ({ id: g.id, name: g.name })),
            }
          : {}),
      }));
      return { status: 200, body: page };
    },
  },
  {
    method: 'POST',
    template: `${ORG}/workspaces`,
    handle(ctx) {
      const request = readPageRequest(searchBody(ctx), scopeOf(ctx), NoFilters);
      const page = cursorPage(orgWorkspaces(ctx.state, ctx.org), request, scopeOf(ctx), (ws) => ({
        id: workspaceAri(ws),
        type: 'workspace',
        attributes: {
          name: ws.name,
          typeKey: 'bitbucket',
          slug: ws.slug,
          hostUrl: `https://bitbucket.org/${ws.slug}`,
        },
      }));
      return { status: 200, body: page };
    },
  },
];
