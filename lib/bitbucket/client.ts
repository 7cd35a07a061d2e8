// The Bitbucket Cloud client: one per credential, a typed method per call the connector makes
// (API-NOTES "Endpoints a governance connector needs"). Methods return the wire shapes; the sync maps
// them to the model. Listings read every page and return all values.
import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/config.js';
import type { Credential, CredentialKind } from '../config/schemas.js';
import { credentialProvider, type SecretProvider } from '../config/secrets.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { probeCapabilities, type CapabilityReport } from './capabilities.js';
import { EndpointCalls, type Query } from './endpoint-calls.js';
import { endpoints, type Endpoint } from './endpoints.js';
import type {
  CurrentUser,
  Group,
  GroupPrivilege,
  Hook,
  HookInput,
  Project,
  ProjectGroupGrant,
  ProjectUserGrant,
  Repository,
  RepositoryGroupGrant,
  RepositoryPermissionCell,
  RepositoryUserGrant,
  UserWorkspaceAccess,
  Workspace,
  WorkspaceMember,
} from './schemas.js';
import { Transport, type CallOptions } from './transport.js';

export type { CallOptions } from './transport.js';

export interface BitbucketClientOptions {
  /** API base without version, e.g. `https://api.bitbucket.org` (BITBUCKET_API_URL). */
  apiUrl: string;
  /** OAuth base, e.g. `https://bitbucket.org` (BITBUCKET_OAUTH_URL). */
  oauthUrl: string;
  credentials: SecretProvider<Credential>;
  /** Requests in flight at once, across every call of this client. Default 4. */
  maxConcurrency?: number;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Source of jitter in [0, 1); Math.random by default. */
  random?: () => number;
}

export type ProjectPermissionValue = 'read' | 'write' | 'create-repo' | 'admin';
export type RepositoryPermissionValue = 'read' | 'write' | 'admin';

export class BitbucketClient {
  readonly #transport: Transport;
  readonly #calls: EndpointCalls;
  readonly #credentials: SecretProvider<Credential> | undefined;

  constructor(transport: Transport, credentials?: SecretProvider<Credential>) {
    this.#transport = transport;
    this.#calls = new EndpointCalls(transport);
    this.#credentials = credentials;
  }

  credentialKind(): Promise<CredentialKind> {
    return this.#transport.credentialKind();
  }

  /** Bitbucket's `X-RateLimit-Limit` as last seen on this client's answers (see Transport), if any. */
  get observedHourlyLimit(): number | undefined {
    return this.#transport.observedHourlyLimit;
  }

  /**
   * 16 hex characters that change when the configured credential changes (a new token, another OAuth
   * consumer): the first 64 bits of a SHA-256 over it, which reveal nothing of the secret. Undefined when
   * the client was built without its credential source. The sync retries capability gaps at once when it
   * differs from the one a gap was recorded with.
   */
  async credentialFingerprint(): Promise<string | undefined> {
    if (!this.#credentials) return undefined;
    const credential = await this.#credentials.current();
    return createHash('sha256').update(JSON.stringify(credential)).digest('hex').slice(0, 16);
  }

  getCurrentUser(call?: CallOptions): Promise<CurrentUser> {
    return this.#calls.one(endpoints.currentUser, {}, call);
  }

  listUserWorkspaces(call?: CallOptions): Promise<UserWorkspaceAccess[]> {
    return this.#calls.all(endpoints.userWorkspaces, {}, {}, call);
  }

  getWorkspace(workspace: string, call?: CallOptions): Promise<Workspace> {
    return this.#calls.one(endpoints.workspace, { workspace }, call);
  }

  listWorkspaceMembers(workspace: string, call?: CallOptions): Promise<WorkspaceMember[]> {
    return this.#calls.all(endpoints.workspaceMembers, { workspace }, {}, call);
  }

  /** Every group with its members, from the 1.0 API (one unpaged answer). Call with the slug. */
  listGroups(workspaceSlug: string, call?: CallOptions): Promise<Group[]> {
    return this.#calls.one(endpoints.groups, { workspace: workspaceSlug }, call);
  }

  /**
   * Every explicit group grant on every repository, from the 1.0 API in one unpaged answer
   * (`GET /1.0/group-privileges/{workspace}?exclude-members=1`). Call with the slug.
   */
  listGroupPrivileges(workspaceSlug: string, call?: CallOptions): Promise<GroupPrivilege[]> {
    return this.#calls.one(endpoints.groupPrivileges, { workspace: workspaceSlug }, call);
  }

  listProjects(workspace: string, call?: CallOptions): Promise<Project[]> {
    return this.#calls.all(endpoints.projects, { workspace }, {}, call);
  }

  /**
   * One project by key (`GET /2.0/workspaces/{ws}/projects/{key}`), or null when Bitbucket answers 404
   * (no such project, or its key changed). Throws the other typed errors (lib/bitbucket/errors).
   */
  getProject(workspace: string, projectKey: string, call?: CallOptions): Promise<Project | null> {
    return this.#calls.oneOrNull(endpoints.project, { workspace, project_key: projectKey }, call);
  }

  /**
   * One repository (`GET /2.0/repositories/{ws}/{repo_slug}`) by slug or by `{uuid}` (braces included;
   * a uuid survives renames), or null when Bitbucket answers 404 (deleted, moved away or not visible).
   */
  getRepository(workspace: string, slugOrUuid: string, call?: CallOptions): Promise<Repository | null> {
    return this.#calls.oneOrNull(endpoints.repository, { workspace, repo_slug: slugOrUuid }, call);
  }

  /**
   * One member with their workspace role: the members listing filtered by BBQL
   * (`GET /2.0/workspaces/{ws}/permissions?q=user.account_id="…"`), first page only. `member` is the row
   * whose account_id matches, or null; `complete` is false when the answer cannot say the member is absent
   * (other rows came back, or more pages follow: the filter was not applied as asked).
   */
  async findWorkspaceMember(
    workspace: string,
    accountId: string,
    call?: CallOptions,
  ): Promise<{ member: WorkspaceMember | null; complete: boolean }> {
    const page = await this.#calls.firstPage(
      endpoints.workspaceMembers,
      { workspace },
      { q: `user.account_id="${bbqlString(accountId)}"` },
      call,
    );
    const member = page.values.find((row) => row.user.account_id === accountId) ?? null;
    return { member, complete: member !== null || (page.values.length === 0 && !page.more) };
  }

  listRepositories(
    workspace: string,
    filter: { projectKey?: string } = {},
    call?: CallOptions,
  ): Promise<Repository[]> {
    const query: Query =
      filter.projectKey === undefined ? {} : { q: `project.key="${bbqlString(filter.projectKey)}"` };
    return this.#calls.all(endpoints.repositories, { workspace }, query, call);
  }

  listProjectUserGrants(
    workspace: string,
    projectKey: string,
    call?: CallOptions,
  ): Promise<ProjectUserGrant[]> {
    return this.#calls.all(endpoints.projectUserGrants, { workspace, project_key: projectKey }, {}, call);
  }

  listProjectGroupGrants(
    workspace: string,
    projectKey: string,
    call?: CallOptions,
  ): Promise<ProjectGroupGrant[]> {
    return this.#calls.all(endpoints.projectGroupGrants, { workspace, project_key: projectKey }, {}, call);
  }

  listRepositoryUserGrants(
    workspace: string,
    repoSlug: string,
    call?: CallOptions,
  ): Promise<RepositoryUserGrant[]> {
    return this.#calls.all(endpoints.repositoryUserGrants, { workspace, repo_slug: repoSlug }, {}, call);
  }

  listRepositoryGroupGrants(
    workspace: string,
    repoSlug: string,
    call?: CallOptions,
  ): Promise<RepositoryGroupGrant[]> {
    return this.#calls.all(endpoints.repositoryGroupGrants, { workspace, repo_slug: repoSlug }, {}, call);
  }

  /** Effective (highest) permission per user per repository; workspace admins only. */
  listRepositoryPermissionMatrix(workspace: string, call?: CallOptions): Promise<RepositoryPermissionCell[]> {
    return this.#calls.all(endpoints.repositoryPermissionMatrix, { workspace }, {}, call);
  }

  getProjectUserGrant(workspace: string, projectKey: string, accountId: string, call?: CallOptions) {
    return this.#calls.oneOrNull(
      endpoints.getProjectUserGrant,
      { workspace, project_key: projectKey, account_id: accountId },
      call,
    );
  }

  getProjectGroupGrant(workspace: string, projectKey: string, groupSlug: string, call?: CallOptions) {
    return this.#calls.oneOrNull(
      endpoints.getProjectGroupGrant,
      { workspace, project_key: projectKey, group_slug: groupSlug },
      call,
    );
  }

  getRepositoryUserGrant(workspace: string, repoSlug: string, accountId: string, call?: CallOptions) {
    return this.#calls.oneOrNull(
      endpoints.getRepositoryUserGrant,
      { workspace, repo_slug: repoSlug, account_id: accountId },
      call,
    );
  }

  getRepositoryGroupGrant(workspace: string, repoSlug: string, groupSlug: string, call?: CallOptions) {
    return this.#calls.oneOrNull(
      endpoints.getRepositoryGroupGrant,
      { workspace, repo_slug: repoSlug, group_slug: groupSlug },
      call,
    );
  }

  /** Replaces the user's explicit project permission (a PUT downgrades as readily as it upgrades). */
  putProjectUserGrant(
    workspace: string,
    projectKey: string,
    accountId: string,
    permission: ProjectPermissionValue,
    call?: CallOptions,
  ): Promise<ProjectUserGrant> {
    const params = { workspace, project_key: projectKey, account_id: accountId };
    return this.#calls.one(endpoints.putProjectUserGrant, params, call, { permission });
  }

  deleteProjectUserGrant(
    workspace: string,
    projectKey: string,
    accountId: string,
    call?: CallOptions,
  ): Promise<void> {
    return this.#calls.none(
      endpoints.deleteProjectUserGrant,
      { workspace, project_key: projectKey, account_id: accountId },
      call,
    );
  }

  putProjectGroupGrant(
    workspace: string,
    projectKey: string,
    groupSlug: string,
    permission: ProjectPermissionValue,
    call?: CallOptions,
  ): Promise<ProjectGroupGrant> {
    const params = { workspace, project_key: projectKey, group_slug: groupSlug };
    return this.#calls.one(endpoints.putProjectGroupGrant, params, call, { permission });
  }

  deleteProjectGroupGrant(
    workspace: string,
    projectKey: string,
    groupSlug: string,
    call?: CallOptions,
  ): Promise<void> {
    return this.#calls.none(
      endpoints.deleteProjectGroupGrant,
      { workspace, project_key: projectKey, group_slug: groupSlug },
      call,
    );
  }

  putRepositoryUserGrant(
    workspace: string,
    repoSlug: string,
    accountId: string,
    permission: RepositoryPermissionValue,
    call?: CallOptions,
  ): Promise<RepositoryUserGrant> {
    const params = { workspace, repo_slug: repoSlug, account_id: accountId };
    return this.#calls.one(endpoints.putRepositoryUserGrant, params, call, { permission });
  }

  deleteRepositoryUserGrant(
    workspace: string,
    repoSlug: string,
    accountId: string,
    call?: CallOptions,
  ): Promise<void> {
    return this.#calls.none(
      endpoints.deleteRepositoryUserGrant,
      { workspace, repo_slug: repoSlug, account_id: accountId },
      call,
    );
  }

  putRepositoryGroupGrant(
    workspace: string,
    repoSlug: string,
    groupSlug: string,
    permission: RepositoryPermissionValue,
    call?: CallOptions,
  ): Promise<RepositoryGroupGrant> {
    const params = { workspace, repo_slug: repoSlug, group_slug: groupSlug };
    return this.#calls.one(endpoints.putRepositoryGroupGrant, params, call, { permission });
  }

  deleteRepositoryGroupGrant(
    workspace: string,
    repoSlug: string,
    groupSlug: string,
    call?: CallOptions,
  ): Promise<void> {
    return this.#calls.none(
      endpoints.deleteRepositoryGroupGrant,
      { workspace, repo_slug: repoSlug, group_slug: groupSlug },
      call,
    );
  }

  /** 1.0 PUT with no body. `member` is an account_id or a `{uuid}`. Also makes the user a workspace member. */
  addGroupMember(
    workspaceSlug: string,
    groupSlug: string,
    member: string,
    call?: CallOptions,
  ): Promise<void> {
    return this.#calls.none(
      endpoints.addGroupMember,
      { workspace: workspaceSlug, group_slug: groupSlug, member },
      call,
    );
  }

  removeGroupMember(
    workspaceSlug: string,
    groupSlug: string,
    member: string,
    call?: CallOptions,
  ): Promise<void> {
    return this.#calls.none(
      endpoints.removeGroupMember,
      { workspace: workspaceSlug, group_slug: groupSlug, member },
      call,
    );
  }

  listHooks(workspace: string, call?: CallOptions): Promise<Hook[]> {
    return this.#calls.all(endpoints.hooks, { workspace }, {}, call);
  }

  createHook(workspace: string, hook: HookInput, call?: CallOptions): Promise<Hook> {
    return this.#calls.one(endpoints.createHook, { workspace }, call, hook);
  }

  updateHook(workspace: string, uid: string, hook: HookInput, call?: CallOptions): Promise<Hook> {
    return this.#calls.one(endpoints.updateHook, { workspace, uid }, call, hook);
  }

  /** What this credential can do in the workspace, found with the fewest safe reads (no writes). */
  probeCapabilities(workspaceSlug: string, call?: CallOptions): Promise<CapabilityReport> {
    return probeCapabilities(this, workspaceSlug, call);
  }

  /** One small page of a listing, unchecked items: for probing what a credential may read. */
  peek(
    endpoint: Endpoint,
    params: Record<string, string>,
    fields: string,
    call?: CallOptions,
  ): Promise<unknown[]> {
    return this.#calls.peek(endpoint, params, fields, call);
  }
}

/** A value inside a BBQL double-quoted string. */
function bbqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function createBitbucketClient(options: BitbucketClientOptions): BitbucketClient {
  return new BitbucketClient(
    new Transport({
      apiUrl: options.apiUrl,
      oauthUrl: options.oauthUrl,
      credentials: options.credentials,
      maxConcurrency: options.maxConcurrency ?? 4,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now: options.now ?? Date.now,
      ...(options.random ? { random: options.random } : {}),
    }),
    options.credentials,
  );
}

/**
 * The client the configuration describes. `credentials` stands in for the configured source where the
 * caller has its own (the local connector's simulator credential).
 */
export function bitbucketClientFromConfig(
  config: Pick<AppConfig, 'bitbucket'>,
  credentials: SecretProvider<Credential> = credentialProvider(config.bitbucket.credentials),
): BitbucketClient {
  return createBitbucketClient({
    apiUrl: config.bitbucket.apiUrl,
    oauthUrl: config.bitbucket.oauthUrl,
    credentials,
  });
}
