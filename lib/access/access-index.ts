// Lookup tables over AccessFacts so each path question is a few map reads, whatever the workspace size.
import type {
  GroupResource,
  OrgGroupResource,
  ProjectPermission,
  ProjectResource,
  RepositoryPermission,
  RepositoryResource,
  UserResource,
  WorkspaceRole,
} from '../model/index.js';
import type { AccessFacts } from './access-facts.js';
import type { RolePath } from './access-answers.js';

/**
 * Grants of one kind of resource, by principal then resource id: a group granted on every one of
 * 10,000 repositories is one map, not 10,000 (an answer for one user builds this index anew, so its
 * size per grant is what the user query pays).
 */
class GrantsByPrincipal<P> {
  private readonly byPrincipal = new Map<string, Map<string, P>>();

  set(principalId: string, resourceId: string, permission: P): void {
    let grants = this.byPrincipal.get(principalId);
    if (!grants) this.byPrincipal.set(principalId, (grants = new Map()));
    grants.set(resourceId, permission);
  }

  get(principalId: string, resourceId: string): P | undefined {
    return this.byPrincipal.get(principalId)?.get(resourceId);
  }

  principals(): IterableIterator<string> {
    return this.byPrincipal.keys();
  }
}

/** Project or repository grants, to users and to groups. */
interface GrantsOnKind<P> {
  users: GrantsByPrincipal<P>;
  groups: GrantsByPrincipal<P>;
}

const grantsOnKind = <P>(): GrantsOnKind<P> => ({
  users: new GrantsByPrincipal(),
  groups: new GrantsByPrincipal(),
});

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

export class AccessIndex {
  readonly workspaceSlug: string;
  readonly users = new Map<string, UserResource>();
  readonly groups = new Map<string, GroupResource>();
  readonly projects = new Map<string, ProjectResource>();
  readonly repositories = new Map<string, RepositoryResource>();
  readonly roles = new Map<string, WorkspaceRole>();
  readonly groupsOfUser = new Map<string, Set<string>>();
  readonly membersOfGroup = new Map<string, Set<string>>();
  readonly orgGroups = new Map<string, OrgGroupResource>();
  /** Organization groups (Admin API ids) by member account. */
  readonly orgGroupsOfUser = new Map<string, Set<string>>();
  readonly projectGrants = grantsOnKind<ProjectPermission>();
  readonly repositoryGrants = grantsOnKind<RepositoryPermission>();
  private readonly activity = new Map<string, string>();
  // Per account, computed once: an answer asks for them on every project and repository.
  private readonly rolePathsMemo = new Map<string, RolePath[]>();
  private readonly ownerGroupsMemo = new Map<string, string[]>();
  private readonly sortedGroupsMemo = new Map<string, string[]>();

  constructor(facts: AccessFacts) {
    this.workspaceSlug = facts.workspace.slug;
    for (const item of facts.resources) {
      if (item.type === 'user') this.users.set(item.id, item);
      else if (item.type === 'group') this.groups.set(item.id, item);
      else if (item.type === 'org-group') this.orgGroups.set(item.id, item);
      else if (item.type === 'project') this.projects.set(item.id, item);
      else if (item.type === 'repository') this.repositories.set(item.id, item);
    }
    for (const grant of facts.grants) {
      switch (grant.resource.type) {
        case 'workspace':
          this.roles.set(grant.principal.id, grant.entitlement as WorkspaceRole);
          break;
        case 'group':
          addTo(this.groupsOfUser, grant.principal.id, grant.resource.id);
          addTo(this.membersOfGroup, grant.resource.id, grant.principal.id);
          break;
        case 'org-group':
          addTo(this.orgGroupsOfUser, grant.principal.id, grant.resource.id);
          break;
        case 'project':
          this.projectGrants[grant.principal.type === 'user' ? 'users' : 'groups'].set(
            grant.principal.id,
            grant.resource.id,
            grant.entitlement as ProjectPermission,
          );
          break;
        case 'repository':
          this.repositoryGrants[grant.principal.type === 'user' ? 'users' : 'groups'].set(
            grant.principal.id,
            grant.resource.id,
            grant.entitlement as RepositoryPermission,
          );
          break;
      }
    }
    for (const fact of facts.activity) {
      this.activity.set(`${fact.accountId}/${fact.repositoryId}`, fact.lastActivity);
    }
  }

  /** The user's groups, sorted by slug (computed once per account; do not modify). */
  sortedGroupsOf(accountId: string): readonly string[] {
    let groups = this.sortedGroupsMemo.get(accountId);
    if (!groups) {
      groups = [...(this.groupsOfUser.get(accountId) ?? [])].sort(compareStrings);
      this.sortedGroupsMemo.set(accountId, groups);
    }
    return groups;
  }

  /**
   * Why the user holds their workspace role: one path per organization group they are in that has a role
   * on the workspace, named by its Bitbucket slug (its name when none), sorted by that name. Empty for a
   * workspace administered in Bitbucket.
   */
  rolePathsOf(accountId: string): RolePath[] {
    let paths = this.rolePathsMemo.get(accountId);
    if (!paths) {
      paths = [];
      for (const id of this.orgGroupsOfUser.get(accountId) ?? []) {
        const orgGroup = this.orgGroups.get(id);
        // A membership whose group is not stored has no known role: it explains nothing.
        if (!orgGroup) continue;
        const { slug, name, workspaceRole } = orgGroup.attributes;
        paths.push({ via: 'org-group', group: slug ?? name, permission: workspaceRole });
      }
      paths.sort((a, b) => compareStrings(a.group, b.group) || compareStrings(a.permission, b.permission));
      this.rolePathsMemo.set(accountId, paths);
    }
    return paths;
  }

  /** The organization groups with the `admin` role the user is in (what makes them an owner), sorted. */
  ownerGroupsOf(accountId: string): string[] {
    let groups = this.ownerGroupsMemo.get(accountId);
    if (!groups) {
      groups = this.rolePathsOf(accountId)
        .filter((path) => path.permission === 'admin')
        .map((path) => path.group);
      this.ownerGroupsMemo.set(accountId, groups);
    }
    return groups;
  }

  lastActivity(accountId: string, repositoryId: string): string | null {
    return this.activity.get(`${accountId}/${repositoryId}`) ?? null;
  }

  /** Every account the facts mention, sorted. */
  knownAccounts(): string[] {
    const accounts = new Set<string>([
      ...this.users.keys(),
      ...this.roles.keys(),
      ...this.groupsOfUser.keys(),
    ]);
    for (const grants of [this.projectGrants.users, this.repositoryGrants.users]) {
      for (const accountId of grants.principals()) accounts.add(accountId);
    }
    return [...accounts].sort(compareStrings);
  }
}

/** Code-unit order: deterministic and locale-independent. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
