// How each kind of target is read and changed in Bitbucket: group membership through the 1.0 group API,
// project and repository permissions through `permissions-config`. Each call comes with a description
// (method, route template, concrete path) for dry runs and request records, and the capability a
// refusal means the credential lacks.
import {
  endpoints,
  type BitbucketClient,
  type CallOptions,
  type ProjectPermissionValue,
  type RepositoryPermissionValue,
} from '../bitbucket/index.js';
import {
  groupMembershipGrant,
  PROJECT_PERMISSIONS,
  projectGrant,
  REPOSITORY_PERMISSIONS,
  repositoryGrant,
  type Grant,
} from '../model/index.js';
import type { ProvisioningTarget } from './provisioning-target.js';

export interface CallDescription {
  method: 'GET' | 'PUT' | 'DELETE';
  /** `METHOD /route/{template}`. */
  endpoint: string;
  path: string;
}

/** What a refusal of a write means the credential lacks. */
export interface CapabilityNeed {
  capability: 'writeGroupMembership' | 'writePermissions';
  scopes: string[];
}

export interface GrantChannel {
  /** Permissions in rank order, lowest first. */
  ladder: readonly string[];
  readCall: CallDescription;
  writeCall: CallDescription;
  deleteCall: CallDescription;
  writeNeed: CapabilityNeed;
  deleteNeed: CapabilityNeed;
  /** The principal's explicit permission in Bitbucket now, or null. */
  readCurrent(call: CallOptions): Promise<string | null>;
  write(permission: string, call: CallOptions): Promise<void>;
  remove(call: CallOptions): Promise<void>;
  /** The stored item stating `permission`. */
  grantItem(permission: string): Grant;
}

function describe(method: CallDescription['method'], route: string, params: Record<string, string>) {
  const path = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  return { method, endpoint: `${method} ${route}`, path };
}

export function grantChannel(
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

  const onProject = target.kind === 'project-permission';
  const kindScope = onProject ? 'admin:project:bitbucket' : 'admin:repository:bitbucket';
  const writeNeed: CapabilityNeed = {
    capability: 'writePermissions',
    scopes: [kindScope, 'write:permission:bitbucket'],
  };
  const deleteNeed: CapabilityNeed = {
    capability: 'writePermissions',
    scopes: [kindScope, 'delete:permission:bitbucket'],
  };
  const byUser = principal.type === 'user';
  if (onProject) {
    const key = target.project.key;
    const params = {
      workspace: workspaceSlug,
      project_key: key,
      account_id: principal.id,
      group_slug: principal.id,
    };
    const route = byUser ? endpoints.getProjectUserGrant.route : endpoints.getProjectGroupGrant.route;
    return {
      ladder: PROJECT_PERMISSIONS,
      readCall: describe('GET', route, params),
      writeCall: describe('PUT', route, params),
      deleteCall: describe('DELETE', route, params),
      writeNeed,
      deleteNeed,
      async readCurrent(call) {
        const grant = byUser
          ? await client.getProjectUserGrant(workspaceSlug, key, principal.id, call)
          : await client.getProjectGroupGrant(workspaceSlug, key, principal.id, call);
        return grant?.permission ?? null;
      },
      async write(permission, call) {
        const value = permission as ProjectPermissionValue;
        if (byUser) await client.putProjectUserGrant(workspaceSlug, key, principal.id, value, call);
        else await client.putProjectGroupGrant(workspaceSlug, key, principal.id, value, call);
      },
      remove: (call) =>
        byUser
          ? client.deleteProjectUserGrant(workspaceSlug, key, principal.id, call)
          : client.deleteProjectGroupGrant(workspaceSlug, key, principal.id, call),
      grantItem: (permission) =>
        projectGrant(target.project.id, principal, permission as ProjectPermissionValue),
    };
  }

  const slug = target.repository.slug;
  const params = {
    workspace: workspaceSlug,
    repo_slug: slug,
    account_id: principal.id,
    group_slug: principal.id,
  };
  const route = byUser ? endpoints.getRepositoryUserGrant.route : endpoints.getRepositoryGroupGrant.route;
  return {
    ladder: REPOSITORY_PERMISSIONS,
    readCall: describe('GET', route, params),
    writeCall: describe('PUT', route, params),
    deleteCall: describe('DELETE', route, params),
    writeNeed,
    deleteNeed,
    async readCurrent(call) {
      const grant = byUser
        ? await client.getRepositoryUserGrant(workspaceSlug, slug, principal.id, call)
        : await client.getRepositoryGroupGrant(workspaceSlug, slug, principal.id, call);
      return grant?.permission ?? null;
    },
    async write(permission, call) {
      const value = permission as RepositoryPermissionValue;
      if (byUser) await client.putRepositoryUserGrant(workspaceSlug, slug, principal.id, value, call);
      else await client.putRepositoryGroupGrant(workspaceSlug, slug, principal.id, value, call);
    },
    remove: (call) =>
      byUser
        ? client.deleteRepositoryUserGrant(workspaceSlug, slug, principal.id, call)
        : client.deleteRepositoryGroupGrant(workspaceSlug, slug, principal.id, call),
    grantItem: (permission) =>
      repositoryGrant(target.repository.id, principal, permission as RepositoryPermissionValue),
  };
}
