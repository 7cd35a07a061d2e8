// Confirming what one listing walk did not return. Bitbucket pages by page number over a list that can
// move between two page reads, so a walk can skip an item that exists (API-NOTES "Pages are not a
// snapshot"). Before such an item is removed, it is read directly: one request per member, project,
// repository or grant principal; a 404 (or an explicit permission of `none`) says it is gone.
import { itemIdentity, type GovernanceItem, type PrincipalRef, type ScopeKind } from '../model/index.js';
import type { AbsenceCheck, ScopeTarget, SourceCall, SourceWorkspace } from '../source/index.js';
import type { BitbucketClient } from './client.js';
import type { BitbucketScopeKind } from './cloud-source.js';
import type { Repository } from './schemas.js';
import {
  observeMembers,
  observeProjectGrants,
  observeProjects,
  observeRepositories,
  observeRepositoryGrants,
} from './observations.js';

/**
 * Reads what Bitbucket states now about the subject of `item` (the member, project, repository or grant
 * principal it is about), as the listing's translation would: an empty array when Bitbucket says it does
 * not exist, null when the answer cannot tell.
 */
type Reread<K extends BitbucketScopeKind> = (
  client: BitbucketClient,
  workspace: SourceWorkspace,
  target: Extract<ScopeTarget, { kind: K }>,
  item: GovernanceItem,
  call: SourceCall,
) => Promise<GovernanceItem[] | null>;

/** A member's user resource and workspace role come from one membership row: one read answers both. */
const accountOf = (item: GovernanceItem): string => (item.kind === 'resource' ? item.id : item.principal.id);

const principalOf = (item: GovernanceItem): PrincipalRef | null =>
  item.kind === 'grant' ? item.principal : null;

const keyOf = (item: GovernanceItem): string => {
  const key = item.kind === 'resource' ? (item.attributes as { key?: unknown }).key : undefined;
  return typeof key === 'string' ? key : '';
};

const REREADS: { [K in BitbucketScopeKind]: Reread<K> } = {
  // GET /2.0/workspaces/{ws}/permissions?q=user.account_id="…": the member with their role, or none.
  members: async (client, workspace, _target, item, call) => {
    const found = await client.findWorkspaceMember(workspace.slug, accountOf(item), call);
    if (!found.complete) return null;
    return found.member ? observeMembers(workspace.id, [found.member]) : [];
  },
  // `GET /1.0/groups/{ws}` is one unpaged answer: what it omits is gone (isSnapshot); nothing to read.
  groups: () => Promise.resolve([]),
  // GET /2.0/workspaces/{ws}/projects/{key}. A key now naming another project (uuid differs) says the
  // stored project is not under its key any more: gone as far as a read can tell; a re-keyed project
  // comes back with the next walk.
  projects: async (client, workspace, _target, item, call) => {
    const key = keyOf(item);
    if (key === '') return null;
    const project = await client.getProject(workspace.slug, key, call);
    return project ? observeProjects([project]) : [];
  },
  // GET /2.0/repositories/{ws}/{uuid}: by uuid, so a repository renamed meanwhile is still found. A uuid
  // resolves whatever the workspace segment, so one transferred to another workspace answers 200 too: it
  // is gone from this workspace (the repo:transfer webhook path relies on this).
  repositories: async (client, workspace, _target, item, call) => {
    if (item.kind !== 'resource') return null;
    const repository = await client.getRepository(workspace.slug, `{${item.id}}`, call);
    return repository && heldBy(workspace, repository) ? observeRepositories([repository]) : [];
  },
  // GET …/projects/{key}/permissions-config/users/{account_id} or /groups/{group_slug}.
  'project-grants': async (client, workspace, target, item, call) => {
    const principal = principalOf(item);
    if (!principal) return null;
    if (principal.type === 'user') {
      const row = await client.getProjectUserGrant(workspace.slug, target.key, principal.id, call);
      return observeProjectGrants(target.projectId, row ? [row] : [], []);
    }
    const row = await client.getProjectGroupGrant(workspace.slug, target.key, principal.id, call);
    return observeProjectGrants(target.projectId, [], row ? [row] : []);
  },
  // GET /2.0/repositories/{ws}/{slug}/permissions-config/users/{account_id} or /groups/{group_slug}.
  'repository-grants': async (client, workspace, target, item, call) => {
    const principal = principalOf(item);
    if (!principal) return null;
    if (principal.type === 'user') {
      const row = await client.getRepositoryUserGrant(workspace.slug, target.slug, principal.id, call);
      return observeRepositoryGrants(target.repositoryId, row ? [row] : [], []);
    }
    const row = await client.getRepositoryGroupGrant(workspace.slug, target.slug, principal.id, call);
    return observeRepositoryGrants(target.repositoryId, [], row ? [row] : []);
  },
};

/**
 * True when `repository` (an answer of `GET /2.0/repositories/{ws}/{uuid}`) is in `workspace`: its
 * `workspace.uuid` when Bitbucket gave one, else the workspace slug that starts its `full_name`
 * (`{workspace slug}/{repo slug}`, OpenAPI `repository.full_name`). Bitbucket answers a repository by uuid
 * under any workspace segment (OpenAPI `repository.uuid`: a uuid URL survives a transfer), so a 200 alone
 * does not say the repository is still governed here.
 */
function heldBy(workspace: SourceWorkspace, repository: Repository): boolean {
  const uuid = repository.workspace?.uuid;
  if (uuid) return sameUuid(uuid, workspace.id);
  const slug = repository.full_name.split('/')[0] ?? '';
  return slug.toLowerCase() === workspace.slug.toLowerCase();
}

const sameUuid = (a: string, b: string) =>
  a.replace(/[{}]/g, '').toLowerCase() === b.replace(/[{}]/g, '').toLowerCase();

/** Items that one read answers together: a member's user and role; every other item alone. */
function subjectKey(kind: ScopeKind, item: GovernanceItem): string {
  return kind === 'members' ? `member/${accountOf(item)}` : itemIdentity(item);
}

/**
 * Confirms `missing` items of one scope against Bitbucket, one read per subject, in order, through `call`
 * (every request paid from its budget, none after its deadline). Each asked item ends in `gone` or
 * `present` (with the content read now), or in neither when the answer could not tell. Throws the
 * client's typed errors (BudgetExhausted, DeadlineExceeded, RateLimited, …); nothing is returned then.
 */
export async function confirmAbsentInBitbucket(
  client: BitbucketClient,
  workspace: SourceWorkspace,
  target: ScopeTarget,
  missing: readonly GovernanceItem[],
  call: SourceCall,
): Promise<AbsenceCheck> {
  const subjects = new Map<string, GovernanceItem[]>();
  for (const item of missing) {
    const key = subjectKey(target.kind, item);
    subjects.set(key, [...(subjects.get(key) ?? []), item]);
  }
  const check: AbsenceCheck = { gone: [], present: [] };
  if (target.kind === 'org-groups') return check; // not Bitbucket's: nothing here can confirm it
  const reread = REREADS[target.kind] as Reread<typeof target.kind>;
  for (const asked of subjects.values()) {
    const now = await reread(client, workspace, target as never, asked[0] as GovernanceItem, call);
    if (now === null) continue;
    const current = new Map(now.map((item) => [itemIdentity(item), item]));
    for (const item of asked) {
      const identity = itemIdentity(item);
      const found = current.get(identity);
      if (found) check.present.push(found);
      else check.gone.push(identity);
    }
  }
  return check;
}
