// How the Admin API names Bitbucket things (wire contract of issue 18, ADMIN-API.md "How this maps onto
// Bitbucket's picture"): a workspace is the resource `ari:cloud:bitbucket::workspace/<uuid>` (uuid without
// braces, lower case), and a group's role on it is `atlassian/user` (member) or `atlassian/admin` (admin).

const WORKSPACE_ARI_PREFIX = 'ari:cloud:bitbucket::workspace/';

/** The role a role assignment gives on a Bitbucket workspace. `admin` is Bitbucket's workspace owner. */
export type BitbucketWorkspaceRole = 'member' | 'admin';

/**
 * `{3F2504E0-…}` or `3f2504e0-…` → `ari:cloud:bitbucket::workspace/3f2504e0-…`: the resource id the Admin
 * API uses for a Bitbucket workspace (role assignments' `resourceId`, search filters' `resourceIds`).
 * Throws RangeError for an empty uuid.
 */
export function bitbucketWorkspaceResourceId(workspaceUuid: string): string {
  const bare = workspaceUuid.trim().replace(/^\{/, '').replace(/\}$/, '').toLowerCase();
  if (bare === '') throw new RangeError('a workspace uuid is needed to build its resource id');
  return `${WORKSPACE_ARI_PREFIX}${bare}`;
}

/**
 * `ari:cloud:bitbucket::workspace/3f2504e0-…` → `{3f2504e0-…}` (Bitbucket's braced form), or null when the
 * resource id is not a Bitbucket workspace.
 */
export function workspaceUuidOfResourceId(resourceId: string): string | null {
  if (!resourceId.startsWith(WORKSPACE_ARI_PREFIX)) return null;
  const bare = resourceId.slice(WORKSPACE_ARI_PREFIX.length).toLowerCase();
  return bare === '' || bare.includes('/') ? null : `{${bare}}`;
}

/** `atlassian/user` → `member`, `atlassian/admin` → `admin`; any other role id → null (not Bitbucket's). */
export function bitbucketRoleOf(roleId: string): BitbucketWorkspaceRole | null {
  switch (roleId) {
    case 'atlassian/user':
      return 'member';
    case 'atlassian/admin':
      return 'admin';
    default:
      return null;
  }
}
