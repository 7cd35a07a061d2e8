// Grants: what Bitbucket states explicitly. One permission per (resource, principal), so that pair is
// the key and the entitlement is the value. A workspace role is a grant on the workspace; a group
// membership is the grant `member` on the group to the user.
import type {
  ProjectPermission,
  RepositoryPermission,
  WorkspaceRole,
  GroupEntitlement,
} from './entitlements.js';
import type { PrincipalRef, PrincipalType, ResourceRef, ResourceType } from './ids.js';

interface GrantOf<R extends ResourceType, P extends PrincipalType, E> {
  kind: 'grant';
  resource: ResourceRef<R>;
  principal: PrincipalRef<P>;
  entitlement: E;
}

export type WorkspaceRoleGrant = GrantOf<'workspace', 'user', WorkspaceRole>;
export type GroupMembershipGrant = GrantOf<'group', 'user', GroupEntitlement>;
/** Membership of an organization group (Admin API), the group named by its Admin API id. */
export type OrgGroupMembershipGrant = GrantOf<'org-group', 'user', GroupEntitlement>;
export type ProjectGrant = GrantOf<'project', PrincipalType, ProjectPermission>;
export type RepositoryGrant = GrantOf<'repository', PrincipalType, RepositoryPermission>;

export type Grant =
  WorkspaceRoleGrant | GroupMembershipGrant | OrgGroupMembershipGrant | ProjectGrant | RepositoryGrant;

export function workspaceRoleGrant(
  workspaceId: string,
  accountId: string,
  role: WorkspaceRole,
): WorkspaceRoleGrant {
  return {
    kind: 'grant',
    resource: { type: 'workspace', id: workspaceId },
    principal: { type: 'user', id: accountId },
    entitlement: role,
  };
}

export function groupMembershipGrant(groupSlug: string, accountId: string): GroupMembershipGrant {
  return {
    kind: 'grant',
    resource: { type: 'group', id: groupSlug },
    principal: { type: 'user', id: accountId },
    entitlement: 'member',
  };
}

export function orgGroupMembershipGrant(orgGroupId: string, accountId: string): OrgGroupMembershipGrant {
  return {
    kind: 'grant',
    resource: { type: 'org-group', id: orgGroupId },
    principal: { type: 'user', id: accountId },
    entitlement: 'member',
  };
}

export function projectGrant(
  projectId: string,
  principal: PrincipalRef,
  permission: ProjectPermission,
): ProjectGrant {
  return { kind: 'grant', resource: { type: 'project', id: projectId }, principal, entitlement: permission };
}

export function repositoryGrant(
  repositoryId: string,
  principal: PrincipalRef,
  permission: RepositoryPermission,
): RepositoryGrant {
  return {
    kind: 'grant',
    resource: { type: 'repository', id: repositoryId },
    principal,
    entitlement: permission,
  };
}

/** Stable identity of a grant: resource and principal (the entitlement is its value). */
export function grantIdentity(grant: Grant): string {
  return `${grant.resource.type}/${grant.resource.id}/${grant.principal.type}/${grant.principal.id}`;
}
