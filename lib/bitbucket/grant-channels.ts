// Bitbucket Cloud's grant channels (the provisioning half of BitbucketCloudSource): group membership
// through the 1.0 group API, project and repository permissions through `permissions-config`. Each call
// comes with a description (method, route template, concrete path) for dry runs and request records, and
// the capability a refusal means the credential lacks.
import type { Grant } from '../model/index.js';
import { pathSegment } from '../model/ids.js';
import {
  groupMembershipGrant,
  PROJECT_PERMISSIONS,
  projectGrant,
  REPOSITORY_PERMISSIONS,
  repositoryGrant,
} from '../model/index.js';
import type { CallDescription, CapabilityNeed, GrantChannel, ProvisioningTarget } from '../source/index.js';
import type { BitbucketClient, ProjectPermissionValue, RepositoryPermissionValue } from './client.js';
import { endpoints } from './endpoints.js';
import type { CallOptions } from './transport.js';

function describe(method: CallDescription['method'], route: string, params: Record<string, string>) {
  const path = route.replace(/\{(\w+)\}/g, (_, name: string) => pathSegment(params[name] ?? '', name));
  return { method, endpoint: `${method} ${route}`, path };
}

/** One principal's explicit permission on one project or repository, through the typed client. */
interface PermissionCalls<P extends string> {
  read(call: CallOptions): Promise<{ permission: string } | null>;
  write(permission: P, call: CallOptions): Promise<unknown>;
  remove(call: CallOptions): Promise<void>;
}

/** What the project and repository channels differ in; the rest of `permissions-config` is alike. */
interface PermissionsConfigResource<P extends string> {
  ladder: readonly P[];
  /** The admin scope of the resource kind, needed on top of the permission scope. */
  kindScope: string;
  /** The user or group route of the resource kind. */
  route: string;
  params: Record<string, string>;
  calls: PermissionCalls<P>;
  grantItem(permission: P): Grant;
}

function permissionsConfigChannel<P extends string>(resource: PermissionsConfigResource<P>): GrantChannel {
  const { route, params, calls } = resource;
  const need = (permissionScope: string): CapabilityNeed => ({
    capability: 'writePermissions',
    scopes: [resource.kindScope, permissionScope],
  });
  return {
    ladder: resource.ladder,
    readCall: describe('GET', route, params),
    // permissions-config answers 404 for a principal without an explicit permission (API-NOTES).
    readAbsentStatus: 404,
    writeCall: describe('PUT', route, params),
    deleteCall: describe('DELETE', route, params),
    writeNeed: need('write:permission:bitbucket'),
    deleteNeed: need('delete:permission:bitbucket'),
    async readCurrent(call) {
      const grant = await calls.read(call);
      return grant?.permission ?? null;
    },
    async write(permission, call) {
      await calls.write(permission as P, call);
    },
    remove: (call) => calls.remove(call),
    grantItem: (permission) => resource.grantItem(permission as P),
  };
}

/** How one principal's access to one target is read and changed in Bitbucket Cloud. */
export function bitbucketGrantChannel(
  client: BitbucketClient,
  workspaceSlug: string,
  target: ProvisioningTarget,
): GrantChannel {
  const principal = target.principal;
  if (target.kind === 'group-membership') {
    const params = { workspace: workspaceSlug, group_slug: target.group.slug, member: principal.id };
    const need: CapabilityNeed = {
      capability: 'writeGroupMembership',
      scopes: ['admin:workspace:bitbucket'],
    };
    return {
      ladder: ['member'],
      readCall: describe('GET', endpoints.groups.route, params),
      writeCall: describe('PUT', endpoints.addGroupMember.route, params),
      deleteCall: describe('DELETE', endpoints.removeGroupMember.route, params),
      writeNeed: need,
      deleteNeed: need,
      async readCurrent(call) {
        const groups = await client.listGroups(workspaceSlug, call);
        const group = groups.find((entry) => entry.slug === target.group.slug);
        return group?.members.some((member) => member.account_id === principal.id) ? 'member' : null;
      },
      write: (_permission, call) =>
        client.addGroupMember(workspaceSlug, target.group.slug, principal.id, call),
      remove: (call) => client.removeGroupMember(workspaceSlug, target.group.slug, principal.id, call),
      grantItem: () => groupMembershipGrant(target.group.slug, principal.id),
    };
  }

  const byUser = principal.type === 'user';
  const id = principal.id;
  // The route names the principal by whichever of the two parameters it declares.
  const principalParams = { workspace: workspaceSlug, account_id: id, group_slug: id };
  if (target.kind === 'project-permission') {
    const key = target.project.key;
    return permissionsConfigChannel<ProjectPermissionValue>({
      ladder: PROJECT_PERMISSIONS,
      kindScope: 'admin:project:bitbucket',
      route: (byUser ? endpoints.getProjectUserGrant : endpoints.getProjectGroupGrant).route,
      params: { ...principalParams, project_key: key },
      calls: byUser
        ? {
            read: (call) => client.getProjectUserGrant(workspaceSlug, key, id, call),
            write: (value, call) => client.putProjectUserGrant(workspaceSlug, key, id, value, call),
            remove: (call) => client.deleteProjectUserGrant(workspaceSlug, key, id, call),
          }
        : {
            read: (call) => client.getProjectGroupGrant(workspaceSlug, key, id, call),
            write: (value, call) => client.putProjectGroupGrant(workspaceSlug, key, id, value, call),
            remove: (call) => client.deleteProjectGroupGrant(workspaceSlug, key, id, call),
          },
      grantItem: (permission) => projectGrant(target.project.id, principal, permission),
    });
  }

  const slug = target.repository.slug;
  return permissionsConfigChannel<RepositoryPermissionValue>({
    ladder: REPOSITORY_PERMISSIONS,
    kindScope: 'admin:repository:bitbucket',
    route: (byUser ? endpoints.getRepositoryUserGrant : endpoints.getRepositoryGroupGrant).route,
    params: { ...principalParams, repo_slug: slug },
    calls: byUser
      ? {
          read: (call) => client.getRepositoryUserGrant(workspaceSlug, slug, id, call),
          write: (value, call) => client.putRepositoryUserGrant(workspaceSlug, slug, id, value, call),
          remove: (call) => client.deleteRepositoryUserGrant(workspaceSlug, slug, id, call),
        }
      : {
          read: (call) => client.getRepositoryGroupGrant(workspaceSlug, slug, id, call),
          write: (value, call) => client.putRepositoryGroupGrant(workspaceSlug, slug, id, value, call),
          remove: (call) => client.deleteRepositoryGroupGrant(workspaceSlug, slug, id, call),
        },
    grantItem: (permission) => repositoryGrant(target.repository.id, principal, permission),
  });
}
