// Objects as Bitbucket Cloud returns them (type fields, braces in uuids, links), built from state.
import type { SeedUser } from './seed.js';
import type {
  GroupState,
  HookState,
  MemberState,
  ProjectState,
  RepositoryState,
  WorkspaceState,
} from './state.js';

/** Timestamps the seed format does not carry; fixed so responses are reproducible. */
export const EPOCH = '2024-01-15T09:00:00.000000+00:00';

const link = (href: string) => ({ href });
const enc = encodeURIComponent;

export function serializeUser(base: string, user: SeedUser) {
  return {
    type: 'user',
    account_id: user.accountId,
    uuid: user.uuid,
    display_name: user.displayName,
    nickname: user.nickname ?? user.displayName,
    account_status: user.accountStatus ?? 'active',
    created_on: user.createdOn ?? EPOCH,
    links: {
      self: link(`${base}/2.0/users/${enc(user.uuid)}`),
      html: link(`${base}/${enc(user.uuid)}/`),
      avatar: link(`${base}/account/${enc(user.accountId)}/avatar`),
    },
  };
}

/** The bot account behind an access token (Bitbucket answers /user with one too). */
export function serializeTokenUser(base: string, ws: WorkspaceState) {
  return {
    type: 'user',
    account_id: `access-token:${ws.slug}`,
    uuid: `{${ws.uuid.slice(1, -1)}-bot}`,
    display_name: `${ws.name} access token`,
    nickname: `${ws.slug}-access-token`,
    account_status: 'active',
    links: { avatar: link(`${base}/account/${enc(ws.slug)}/avatar`) },
  };
}

export function serializeWorkspace(base: string, ws: WorkspaceState) {
  const api = `${base}/2.0/workspaces/${ws.slug}`;
  return {
    type: 'workspace',
    uuid: ws.uuid,
    name: ws.name,
    slug: ws.slug,
    is_private: true,
    is_privacy_enforced: false,
    forking_mode: 'allow_forks',
    created_on: EPOCH,
    updated_on: EPOCH,
    links: {
      avatar: link(`${base}/workspaces/${ws.slug}/avatar`),
      html: link(`${base}/${ws.slug}/`),
      members: link(`${api}/members`),
      owners: link(`${api}/members?q=permission%3D%22owner%22`),
      projects: link(`${api}/projects`),
      repositories: link(`${base}/2.0/repositories/${ws.slug}`),
      snippets: link(`${base}/2.0/snippets/${ws.slug}`),
      self: link(api),
    },
  };
}

export function serializeWorkspaceBase(base: string, ws: WorkspaceState) {
  return {
    type: 'workspace_base',
    uuid: ws.uuid,
    slug: ws.slug,
    links: {
      avatar: link(`${base}/workspaces/${ws.slug}/avatar`),
      self: link(`${base}/2.0/workspaces/${ws.slug}`),
    },
  };
}

/**
 * One entry of /members (withRole=false) or /permissions (withRole=true). `last_accessed` and `added_on`
 * disappear once a workspace is administered in admin.atlassian.com.
 */
export function serializeMembership(
  base: string,
  ws: WorkspaceState,
  member: MemberState,
  user: SeedUser,
  withRole: boolean,
) {
  return {
    type: 'workspace_membership',
    ...(withRole ? { permission: member.role } : {}),
    ...(withRole && member.lastAccessed && ws.organization === undefined
      ? { last_accessed: member.lastAccessed, added_on: EPOCH }
      : {}),
    user: serializeUser(base, user),
    workspace: serializeWorkspace(base, ws),
    links: { self: link(`${base}/2.0/workspaces/${ws.slug}/members/${enc(user.uuid)}`) },
  };
}

export function serializeProject(base: string, ws: WorkspaceState, project: ProjectState) {
  const repos = [...ws.repositories.values()];
  return {
    type: 'project',
    key: project.key,
    uuid: project.uuid,
    name: project.name,
    description: project.description ?? '',
    is_private: project.isPrivate,
    created_on: EPOCH,
    updated_on: EPOCH,
    has_publicly_visible_repos: repos.some((r) => r.project === project.key && !r.isPrivate),
    owner: { type: 'team', uuid: ws.uuid, display_name: ws.name, username: ws.slug },
    workspace: { type: 'workspace', uuid: ws.uuid, slug: ws.slug, name: ws.name },
    links: {
      html: link(`${base}/${ws.slug}/workspace/projects/${enc(project.key)}`),
      avatar: link(`${base}/${ws.slug}/workspace/projects/${enc(project.key)}/avatar`),
    },
  };
}

/** The short project form Bitbucket embeds in repositories and permission objects. */
export function serializeProjectRef(base: string, ws: WorkspaceState, project: ProjectState) {
  return {
    type: 'project',
    key: project.key,
    uuid: project.uuid,
    name: project.name,
    links: {
      html: link(`${base}/${ws.slug}/workspace/projects/${enc(project.key)}`),
      avatar: link(`${base}/${ws.slug}/workspace/projects/${enc(project.key)}/avatar`),
    },
  };
}

export function serializeRepository(base: string, ws: WorkspaceState, repo: RepositoryState) {
  const api = `${base}/2.0/repositories/${ws.slug}/${repo.slug}`;
  const project = ws.projects.get(repo.project);
  return {
    type: 'repository',
    uuid: repo.uuid,
    slug: repo.slug,
    name: repo.name,
    full_name: `${ws.slug}/${repo.slug}`,
    is_private: repo.isPrivate,
    scm: 'git',
    description: '',
    language: '',
    size: 0,
    has_issues: false,
    has_wiki: false,
    fork_policy: repo.isPrivate ? 'no_public_forks' : 'allow_forks',
    created_on: EPOCH,
    updated_on: EPOCH,
    mainbranch: { type: 'branch', name: 'main' },
    owner: { type: 'team', uuid: ws.uuid, display_name: ws.name, username: ws.slug },
    workspace: { type: 'workspace', uuid: ws.uuid, slug: ws.slug, name: ws.name },
    ...(project ? { project: serializeProjectRef(base, ws, project) } : {}),
    links: {
      self: link(api),
      html: link(`${base}/${ws.slug}/${repo.slug}`),
      avatar: link(`${base}/${ws.slug}/${repo.slug}/avatar`),
      pullrequests: link(`${api}/pullrequests`),
      commits: link(`${api}/commits`),
      forks: link(`${api}/forks`),
      watchers: link(`${api}/watchers`),
      downloads: link(`${api}/downloads`),
      hooks: link(`${api}/hooks`),
      clone: [
        { name: 'https', href: `${base}/${ws.slug}/${repo.slug}.git` },
        { name: 'ssh', href: `ssh://git@bitbucket.org/${ws.slug}/${repo.slug}.git` },
      ],
    },
  };
}

export function serializeGroupRef(base: string, ws: WorkspaceState, group: GroupState) {
  return {
    type: 'group',
    slug: group.slug,
    name: group.name,
    full_slug: `${ws.slug}:${group.slug}`,
    links: {
      self: link(`${base}/1.0/groups/${ws.slug}/${group.slug}`),
      html: link(`${base}/${ws.slug}/workspace/settings/groups/${group.slug}`),
    },
  };
}

/** The 1.0 group object: `permission` is the group's default repository access. */
export function serializeGroupV1(
  base: string,
  ws: WorkspaceState,
  group: GroupState,
  users: Map<string, SeedUser>,
) {
  return {
    name: group.name,
    slug: group.slug,
    permission: group.defaultPermission,
    auto_add: group.autoAdd,
    email_forwarding_disabled: false,
    owner: { display_name: ws.name, uuid: ws.uuid, is_team: true, username: ws.slug },
    members: [...group.members].flatMap((accountId) => {
      const user = users.get(accountId);
      return user ? [serializeUserV1(base, user)] : [];
    }),
  };
}

/**
 * One entry of `GET /1.0/group-privileges/{workspace}`: `repo` (`{workspace}/{slug}`), `privilege`
 * (read|write|admin), the group (with its members unless they are left out) and the repository.
 */
export function serializeGroupPrivilegeV1(
  base: string,
  ws: WorkspaceState,
  repo: RepositoryState,
  group: GroupState,
  privilege: string,
  users: Map<string, SeedUser> | undefined,
) {
  const owner = { display_name: ws.name, uuid: ws.uuid, is_team: true, username: ws.slug };
  const { members, ...groupWithoutMembers } = serializeGroupV1(base, ws, group, users ?? new Map());
  return {
    repo: `${ws.slug}/${repo.slug}`,
    privilege,
    group: users ? { ...groupWithoutMembers, members } : groupWithoutMembers,
    repository: { owner, name: repo.name, slug: repo.slug },
  };
}

export function serializeUserV1(_base: string, user: SeedUser) {
  return {
    display_name: user.displayName,
    account_id: user.accountId,
    uuid: user.uuid,
    nickname: user.nickname ?? user.displayName,
    is_team: false,
    is_active: (user.accountStatus ?? 'active') === 'active',
  };
}

export function serializeHook(base: string, ws: WorkspaceState, hook: HookState) {
  return {
    type: 'webhook_subscription',
    uuid: hook.uuid,
    url: hook.url,
    description: hook.description,
    subject_type: 'workspace',
    subject: { type: 'workspace', uuid: ws.uuid, slug: ws.slug, name: ws.name },
    active: hook.active,
    created_at: hook.createdAt ?? EPOCH,
    events: [...hook.events].sort(),
    secret_set: typeof hook.secret === 'string' && hook.secret !== '',
    links: { self: link(`${base}/2.0/workspaces/${ws.slug}/hooks/${enc(hook.uuid)}`) },
  };
}
