// A small builder of AccessFacts for the access tests: reads like the situation it describes.
import type { AccessFacts } from '../../../lib/access/index.js';
import {
  groupMembershipGrant,
  projectGrant,
  repositoryGrant,
  resource,
  workspaceRoleGrant,
  type GroupDefaultPermission,
  type Grant,
  type ProjectPermission,
  type RepositoryPermission,
  type Resource,
  type WorkspaceRole,
} from '../../../lib/model/index.js';

export const WS = '0a1b2c3d-0000-4000-8000-000000000001';

export class AccessWorld {
  readonly resources: Resource[] = [resource('workspace', WS, { slug: 'acme', name: 'Acme' })];
  readonly grants: Grant[] = [];
  readonly activity: AccessFacts['activity'] = [];

  user(accountId: string, role: WorkspaceRole | null = 'member'): this {
    this.resources.push(
      resource('user', accountId, {
        uuid: `uuid-${accountId}`,
        displayName: `Name ${accountId}`,
        nickname: accountId,
        accountStatus: 'active',
      }),
    );
    if (role) this.grants.push(workspaceRoleGrant(WS, accountId, role));
    return this;
  }

  group(slug: string, members: string[], defaultPermission: GroupDefaultPermission = null): this {
    this.resources.push(
      resource('group', slug, { name: `Group ${slug}`, defaultPermission, autoAdd: false }),
    );
    for (const member of members) this.grants.push(groupMembershipGrant(slug, member));
    return this;
  }

  project(id: string, key: string): this {
    this.resources.push(resource('project', id, { key, name: key, isPrivate: true }));
    return this;
  }

  repository(id: string, slug: string, projectId: string, isPrivate = true): this {
    this.resources.push(
      resource('repository', id, {
        slug,
        name: slug,
        fullName: `acme/${slug}`,
        projectUuid: projectId,
        isPrivate,
      }),
    );
    return this;
  }

  onProject(
    projectId: string,
    principal: `user:${string}` | `group:${string}`,
    permission: ProjectPermission,
  ): this {
    this.grants.push(projectGrant(projectId, principalOf(principal), permission));
    return this;
  }

  onRepository(
    repositoryId: string,
    principal: `user:${string}` | `group:${string}`,
    permission: RepositoryPermission,
  ): this {
    this.grants.push(repositoryGrant(repositoryId, principalOf(principal), permission));
    return this;
  }

  facts(): AccessFacts {
    return {
      workspace: { id: WS, slug: 'acme' },
      resources: [...this.resources],
      grants: [...this.grants],
      activity: [...this.activity],
      itemsRead: 0,
    };
  }
}

function principalOf(value: string) {
  const colon = value.indexOf(':');
  return { type: value.slice(0, colon) as 'user' | 'group', id: value.slice(colon + 1) };
}
