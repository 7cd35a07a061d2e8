// The answers of the Admin API endpoints the connector calls (ADMIN-API.md "Endpoints"), as zod schemas.
// Objects tolerate (and drop) fields we do not use; what the connector relies on is required.
import * as z from 'zod';

/** `links.next`: an opaque cursor, or a URL carrying `cursor=`; null or absent on the last page. */
const Links = z.object({ next: z.string().nullish() }).nullish();

/** A cursor-paged answer: `{data: [item…], links: {next}}`. */
export function cursorPage<S extends z.ZodType>(item: S) {
  return z.object({ data: z.array(item), links: Links });
}

/** `GET /admin/v2/orgs/{orgId}/directories` item. */
export const AdminDirectory = z.object({ directoryId: z.string(), name: z.string().nullish() });
export type AdminDirectory = z.infer<typeof AdminDirectory>;

/** What the API key's caller may do with a group (`managementAccess`). */
export const ManagementAccess = z.object({
  readable: z.boolean().optional(),
  modifiable: z.boolean().optional(),
  deletable: z.boolean().optional(),
});

/**
 * An org group (search item, or `data` of `GET …/groups/{groupId}`). `managedByIdentityProvider` is
 * derived: true when `externalSynced` is true or `managementAccess.modifiable` is false (the wire contract
 * for ADMIN-API.md's "group type"); such a group's members can only be changed in the identity provider.
 */
export const AdminGroup = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullish(),
    directoryId: z.string(),
    externalSynced: z.boolean().nullish(),
    managementAccess: ManagementAccess.nullish(),
  })
  .transform((group) => ({
    ...group,
    managedByIdentityProvider: group.externalSynced === true || group.managementAccess?.modifiable === false,
  }));
export type AdminGroup = z.infer<typeof AdminGroup>;

/** `GET …/groups/{groupId}` answers `{data: Group}`. */
export const AdminGroupAnswer = z.object({ data: AdminGroup });

/**
 * `GET …/groups/{groupId}/role-assignments` item: the group (`principalId`) holds `roleId` on `resourceId`.
 * For Bitbucket: `ari:cloud:bitbucket::workspace/<uuid>` and `atlassian/user` or `atlassian/admin`.
 */
export const AdminRoleAssignment = z.object({
  principalId: z.string().nullish(),
  resourceId: z.string(),
  roleId: z.string(),
});
export type AdminRoleAssignment = z.infer<typeof AdminRoleAssignment>;

/** `POST …/users/search` item. `accountStatus` e.g. `active`, `inactive`, `closed` (kept as given). */
export const AdminUser = z.object({
  accountId: z.string(),
  name: z.string().nullish(),
  nickname: z.string().nullish(),
  email: z.string().nullish(),
  accountStatus: z.string(),
});
export type AdminUser = z.infer<typeof AdminUser>;

/** `POST /admin/v2/orgs/{orgId}/workspaces` item, as sent (all product types, not only Bitbucket). */
export const AdminWorkspaceRecord = z.object({
  id: z.string(),
  type: z.string().nullish(),
  attributes: z.object({
    name: z.string().nullish(),
    typeKey: z.string(),
    slug: z.string().nullish(),
    hostUrl: z.string().nullish(),
  }),
});
export type AdminWorkspaceRecord = z.infer<typeof AdminWorkspaceRecord>;

/** Accepts any body (204 answers to membership writes carry none). */
export const NoContent = z.unknown();
