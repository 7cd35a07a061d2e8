// Closing a campaign (issue 21, "Remediation that works"): every approved revoke runs its plan through the
// provisioning path (idempotent, audited, dry run available), and is then proven by re-reading from
// Bitbucket the scopes the changes touched and recomputing the item's effective access from the store.
// Items are independent: one refusal or failed re-read never stops the others. Campaign persistence
// (status open → closing → closed, writing the outcomes) is the caller's: this takes items in and answers
// outcomes.
import { SharedBudget, sourceOf } from '../bitbucket/index.js';
import { withHourlyBudget } from '../budget/index.js';
import { effectiveUserAccess, type AccessPath } from '../access/index.js';
import { describePaths } from '../api/export-rows.js';
import {
  projectPermissionRank,
  repositoryPermissionRank,
  scopeId,
  type ProjectPermission,
  type RepositoryPermission,
  type ScopeRef,
} from '../model/index.js';
import {
  runProvisioningRequest,
  type BitbucketCallRecord,
  type ProvisioningRequestDependencies,
  type ProvisioningRequestOutcome,
} from '../provisioning/index.js';
import { settledOutcome } from '../requests/settled-outcome.js';
import type { GovernanceSource } from '../source/index.js';
import type { WorkspaceEntry } from '../store/index.js';
import type { SyncStateStore } from '../store/sync-state.js';
import { DEFAULT_SYNC_SETTINGS, refreshScope } from '../sync/index.js';
import { actionRemovesPath, planRemediation } from './remediation-plan.js';
import type {
  ItemOutcome,
  RemediationAction,
  RemediationPlan,
  ReviewCampaign,
  ReviewItem,
} from './review-model.js';

/**
 * What closing needs. From the API's dependencies: `provisioning: provisioningDependenciesOf(api)` (its
 * store, client, ledger, hourly limit and clock serve the re-reads too) and `syncState: api.syncState`.
 */
export interface CampaignCloseDependencies {
  /** The `/revocations` path's collaborators (lib/api/provisioning-handlers.ts `provisioningDependenciesOf`). */
  provisioning: ProvisioningRequestDependencies;
  /** A re-read is recorded as the scope's refresh; one that fails marks the scope dirty for the sync. */
  syncState: Pick<SyncStateStore, 'recordRefresh' | 'markDirty'>;
  /** Where scopes are re-read from; default Bitbucket Cloud through `provisioning.client`. */
  source?: GovernanceSource;
  /**
   * Read after write (API-NOTES): while a removed path still shows, the scopes are read again, up to
   * `attempts` reads in all (default 4), waiting `delayMs` (default 1,000 ms, doubled each time) between.
   */
  verification?: { attempts?: number; delayMs?: number };
  /** Waits between verification reads (default a timer; tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

export interface CloseOptions {
  /** The closing caller (policy principal): the actor of every provisioning request and change record. */
  actor: string;
  /** Run nothing: each distinct action answers the calls it would make (provisioning's dryRun). */
  dryRun?: boolean;
}

/**
 * One distinct change as run. `result`: `removed` (Bitbucket changed), `already-absent` (nothing held:
 * removed meanwhile, or by a replayed first run), `would-remove` / `would-leave` (dry run), `refused`
 * (`status`, `reason` and Bitbucket's or provisioning's `message`).
 */
export interface RemediationRun {
  action: RemediationAction;
  /** The items whose plans hold it (a group removal shared by several items runs once). */
  itemIds: string[];
  /** `review {campaignId} {kind} {resource} {accountId} {permission}`; absent for a dry run (never replayed). */
  idempotencyKey?: string;
  requestId?: string;
  result: 'removed' | 'already-absent' | 'would-remove' | 'would-leave' | 'refused';
  /** True when the key's first run answered it: nothing was sent now. */
  replayed: boolean;
  status?: number;
  reason?: unknown;
  message?: string;
  /** Calls made now (a dry run: the calls it would make, `sent: false`); empty for a replay. */
  calls: BitbucketCallRecord[];
}

/**
 * Where one item ended. `outcome` is absent only in a dry run, for items whose end depends on the run.
 * `plan` is set when the item came decided `revoke` without one and closing planned it from the store.
 */
export interface ClosedItem {
  itemId: string;
  outcome?: ItemOutcome;
  plan?: RemediationPlan;
}

export interface CampaignCloseResult {
  dryRun: boolean;
  /** One per item, in the order given. */
  items: ClosedItem[];
  runs: RemediationRun[];
  /** Scope ids re-read from Bitbucket to verify (`groups`, `repository-grants/{uuid}`…), in order. */
  reread: string[];
}

interface PlannedItem {
  item: ReviewItem;
  plan: RemediationPlan;
  keys: string[];
}

const actionKey = (campaignId: string, action: RemediationAction) => {
  const { type, id, slug, key } = action.resource;
  return `review ${campaignId} ${action.kind} ${type}:${id ?? slug ?? key ?? ''} ${action.principal.accountId} ${action.permission}`;
};

/** The scope whose listing states what `action` changes. */
function scopeOfAction(action: RemediationAction): ScopeRef | undefined {
  const id = action.resource.id;
  if (action.kind === 'remove-group-member') return { kind: 'groups' };
  if (id === undefined) return undefined;
  return action.resource.type === 'repository'
    ? { kind: 'repository-grants', repositoryId: id }
    : { kind: 'project-grants', projectId: id };
}

/** The scopes an item's verification re-reads: its actions' and its resource's own grants. */
function scopesOfItem(planned: PlannedItem): ScopeRef[] {
  const { type, id } = planned.item.resource;
  const own: ScopeRef =
    type === 'repository'
      ? { kind: 'repository-grants', repositoryId: id }
      : { kind: 'project-grants', projectId: id };
  const all = [own, ...planned.plan.actions.map(scopeOfAction).filter((s): s is ScopeRef => !!s)];
  return [...new Map(all.map((scope) => [scopeId(scope), scope])).values()];
}

/** An item's detail when the only access left is the read every user has on a public repository. */
export const PUBLIC_READ_LEFT = 'read: the repository is public';

/**
 * The actions closing may execute for `plan`. None when the plan holds them back (`wouldAlsoNeed`), nor
 * for a workspace owner: plans stored before `wouldAlsoNeed` existed list an owner's removable paths as
 * actions, and running them changes nothing on the item (admin everywhere) while taking the owner's other
 * access (e.g. a group with admin on other projects).
 */
function runnableActions(plan: RemediationPlan): RemediationAction[] {
  return plan.cannotRemove?.reason === 'workspace-owner' ? [] : plan.actions;
}

/** Rank of a permission on an item's resource (-1: none). */
function rankOn(type: 'project' | 'repository', permission: string | null): number {
  if (permission === null) return -1;
  return type === 'project'
    ? projectPermissionRank(permission as ProjectPermission)
    : repositoryPermissionRank(permission as RepositoryPermission);
}

/** Whether `path` is one the plan's actions remove (still shown: the re-read may lag the write). */
function removedBy(plan: RemediationPlan, path: AccessPath<string>): boolean {
  return plan.actions.some((action) =>
    action.kind === 'remove-group-member'
      ? (path.via === 'group' || path.via === 'project-group') && path.group === action.resource.slug
      : action.kind === 'revoke-project-grant'
        ? path.via === 'project'
        : path.via === 'direct',
  );
}

async function runAction(
  dependencies: CampaignCloseDependencies,
  workspace: WorkspaceEntry,
  action: RemediationAction,
  key: string,
  options: CloseOptions,
): Promise<Omit<RemediationRun, 'action' | 'itemIds'>> {
  const dryRun = options.dryRun === true;
  let outcome: ProvisioningRequestOutcome;
  try {
    outcome = await runProvisioningRequest(dependencies.provisioning, {
      workspace,
      action: 'revoke',
      actor: options.actor,
      // A dry run is never replayed into the real run, nor a stale dry run into a later one.
      idempotencyKey: dryRun ? undefined : key,
      body: {
        resource: action.resource,
        principal: action.principal,
        permission: action.permission,
        replace: false,
        dryRun,
      },
    });
  } catch (error) {
    // In flight elsewhere, the key reused, or a failure provisioning does not know: this action only.
    return { result: 'refused', replayed: false, message: (error as Error).message, calls: [] };
  }
  const settled = settledOutcome(outcome);
  const base = {
    ...(dryRun ? {} : { idempotencyKey: key }),
    requestId: settled.requestId,
    replayed: outcome.kind === 'replayed',
    calls: outcome.kind === 'provisioned' ? outcome.result.calls : [],
  };
  if (!settled.ok) {
    const { status, reason, message } = settled;
    return { ...base, result: 'refused', status, ...(reason === undefined ? {} : { reason }), message };
  }
  const result = dryRun
    ? settled.changed
      ? 'would-remove'
      : 'would-leave'
    : settled.changed
      ? 'removed'
      : 'already-absent';
  return { ...base, result };
}

/**
 * Re-reads `scopes` from Bitbucket through the sync's refresh (lib/sync/scope-refresh.ts: complete
 * listing, confirmed removals, diff applied with change records), paid from the provisioning hour.
 * Answers the scope ids whose read failed, with why; those are marked dirty for the next sync step.
 */
async function reread(
  dependencies: CampaignCloseDependencies,
  workspace: WorkspaceEntry,
  scopes: ScopeRef[],
): Promise<Map<string, string>> {
  const { provisioning } = dependencies;
  const failed = new Map<string, string>();
  await withHourlyBudget(
    provisioning.ledger,
    'provisioning',
    { hourlyLimit: provisioning.hourlyRequestLimit, cap: 20 * scopes.length, now: provisioning.now() },
    async ({ budget }) => {
      for (const scope of scopes) {
        const id = scopeId(scope);
        const scopeBudget = new SharedBudget(budget);
        const startedAt = provisioning.now().toISOString();
        try {
          await refreshScope(
            {
              source: sourceOf({
                client: provisioning.client,
                ...(dependencies.source ? { source: dependencies.source } : {}),
              }),
              store: provisioning.store,
              workspace: { id: workspace.uuid, slug: workspace.slug },
              call: { budget: scopeBudget },
              guard: DEFAULT_SYNC_SETTINGS.deletionGuard,
              releasedRemovals: undefined,
              now: provisioning.now,
            },
            scope,
          );
          await dependencies.syncState.recordRefresh(workspace.uuid, id, startedAt, scopeBudget.spent);
        } catch (error) {
          failed.set(id, (error as Error).message);
          await dependencies.syncState
            .markDirty(workspace.uuid, [id], 'access review verification could not re-read it')
            .catch(() => undefined);
        }
      }
    },
  );
  return failed;
}

/** The item's remaining paths (public read included), from the store as it is now (empty: none left). */
async function remainingPaths(
  dependencies: CampaignCloseDependencies,
  workspace: WorkspaceEntry,
  item: ReviewItem,
): Promise<AccessPath<string>[]> {
  const facts = await dependencies.provisioning.store.loadUserAccessFacts(workspace.uuid, item.accountId);
  // A public repository is readable by every user (API-NOTES): whether or not the item was frozen with
  // its public path, that read is access the user still has.
  const access = effectiveUserAccess(facts, item.accountId, { includePublic: true });
  if (!access) return [];
  const entries: { uuid: string; paths: AccessPath<string>[] }[] =
    item.resource.type === 'project' ? access.projects : access.repositories;
  return entries.find((entry) => entry.uuid === item.resource.id)?.paths ?? [];
}

/**
 * Verifies the items whose actions all ran: re-reads their scopes, then recomputes each item's access.
 * While a path the plan removed still shows, its scopes are read again (bounded: the write may lag).
 */
async function verify(
  dependencies: CampaignCloseDependencies,
  workspace: WorkspaceEntry,
  pending: PlannedItem[],
  requestIdsOf: (planned: PlannedItem) => string[],
  rereadIds: string[],
): Promise<Map<string, ItemOutcome>> {
  const outcomes = new Map<string, ItemOutcome>();
  const attempts = Math.max(1, dependencies.verification?.attempts ?? 4);
  let delay = dependencies.verification?.delayMs ?? 1_000;
  const sleep = dependencies.sleep ?? ((ms) => new Promise<void>((done) => setTimeout(done, ms)));
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const scopes = [
      ...new Map(pending.flatMap(scopesOfItem).map((scope) => [scopeId(scope), scope])).values(),
    ];
    rereadIds.push(...scopes.map(scopeId).filter((id) => !rereadIds.includes(id)));
    const failed = await reread(dependencies, workspace, scopes);
    const last = attempt >= attempts;
    const again: PlannedItem[] = [];
    for (const planned of pending) {
      const { item, plan } = planned;
      const requestIds = requestIdsOf(planned);
      const end = (status: ItemOutcome['status'], detail?: string, reason?: string) =>
        outcomes.set(item.itemId, {
          status,
          ...(detail === undefined ? {} : { detail }),
          ...(reason === undefined ? {} : { reason }),
          requestIds,
          verifiedAt: dependencies.provisioning.now().toISOString(),
        });
      const unread = scopesOfItem(planned).filter((scope) => failed.has(scopeId(scope)));
      let paths: AccessPath<string>[];
      try {
        if (unread.length > 0)
          throw new Error(unread.map((s) => `${scopeId(s)}: ${failed.get(scopeId(s))}`).join('; '));
        paths = await remainingPaths(dependencies, workspace, item);
      } catch (error) {
        if (!last) again.push(planned);
        // Sent, but not proven: a later close (which replays the changes) verifies it.
        else
          end('revoke-failed', `the change was made but could not be verified: ${(error as Error).message}`);
        continue;
      }
      if (paths.length === 0) end('revoked-verified');
      else if (!last && paths.some((path) => removedBy(plan, path))) again.push(planned);
      else {
        const left = paths.every((path) => path.via === 'public')
          ? PUBLIC_READ_LEFT
          : `still reachable: ${describePaths(paths)}`;
        if (plan.cannotRemove)
          end('cannot-remove', `${plan.cannotRemove.detail}; ${left}`, plan.cannotRemove.reason);
        else end('still-reachable', left);
      }
    }
    pending = again;
    if (pending.length > 0) {
      await sleep(delay);
      delay *= 2;
    }
  }
  return outcomes;
}

/**
 * Closes `campaign`: outcomes for every item, in the order given.
 * - undecided → `not-decided`; `keep` → `kept`;
 * - `revoke`: each distinct action of the plans (a plan missing on the item is made from the stored
 *   picture, and answered in `plan`) runs once through `runProvisioningRequest` as `options.actor`
 *   (action `revoke`, idempotency key per distinct action: a retried close replays, sending no write);
 *   an item with a refused action → `revoke-failed` with the refusals (Bitbucket's reason); a plan with
 *   neither actions nor anything removable → `cannot-remove`; otherwise the touched scopes are re-read
 *   and the item is `revoked-verified` (no path left), `cannot-remove` (the plan said some path cannot
 *   go; its detail and the paths left), or `still-reachable` (the paths left, in `detail`).
 * A plan whose `cannotRemove` keeps the whole access (`wouldAlsoNeed`, or any owner plan) runs nothing
 * and ends `cannot-remove` with its `reason`. Afterwards, a `keep` or undecided item of a touched user
 * whose access an executed change removed or lowered ends `removed-by-another-revoke` (recheckKept).
 * A dry run runs every action as provisioning's dry run and re-reads nothing: revoke items get no
 * outcome, `runs` answers the calls that would be made.
 * Throws only what the store throws while resolving the workspace; every per-item failure is an outcome.
 */
export async function closeCampaign(
  dependencies: CampaignCloseDependencies,
  campaign: Pick<ReviewCampaign, 'id' | 'workspaceId' | 'workspaceSlug'>,
  items: readonly ReviewItem[],
  options: CloseOptions,
): Promise<CampaignCloseResult> {
  const { store } = dependencies.provisioning;
  // The stored entry carries the current slug (a workspace can be renamed after the campaign began).
  const workspace: WorkspaceEntry = (await store.resolveWorkspace(campaign.workspaceId)) ?? {
    uuid: campaign.workspaceId,
    slug: campaign.workspaceSlug,
    name: campaign.workspaceSlug,
  };
  const dryRun = options.dryRun === true;
  const closed = new Map<string, ClosedItem>(items.map((item) => [item.itemId, { itemId: item.itemId }]));
  const runs = new Map<string, RemediationRun>();
  const planned: PlannedItem[] = [];

  for (const item of items) {
    const entry = closed.get(item.itemId)!;
    if (!item.decision) entry.outcome = { status: 'not-decided' };
    else if (item.decision.decision === 'keep') entry.outcome = { status: 'kept' };
    else {
      let plan = item.plan;
      if (!plan) {
        try {
          plan = planRemediation(item, await store.loadUserAccessFacts(workspace.uuid, item.accountId));
          entry.plan = plan;
        } catch (error) {
          entry.outcome = { status: 'revoke-failed', detail: `no plan: ${(error as Error).message}` };
          continue;
        }
      }
      // Executed: the runnable actions only (an owner's plan runs nothing, see runnableActions).
      plan = { ...plan, actions: runnableActions(plan) };
      if (plan.actions.length === 0) {
        entry.outcome = plan.cannotRemove
          ? { status: 'cannot-remove', detail: plan.cannotRemove.detail, reason: plan.cannotRemove.reason }
          : { status: 'revoke-failed', detail: 'the plan holds no change to make' };
        continue;
      }
      const keys = plan.actions.map((action) => actionKey(campaign.id, action));
      plan.actions.forEach((action, index) => {
        const run = runs.get(keys[index]!);
        if (run) run.itemIds.push(item.itemId);
        else
          runs.set(keys[index]!, {
            action,
            itemIds: [item.itemId],
            result: 'refused',
            replayed: false,
            calls: [],
          });
      });
      planned.push({ item, plan, keys });
    }
  }

  // One at a time: Bitbucket's hour is shared, and a group removal may affect later reads.
  for (const [key, run] of runs) {
    Object.assign(run, await runAction(dependencies, workspace, run.action, key, options));
  }
  const requestIdsOf = (p: PlannedItem) =>
    p.keys.map((key) => runs.get(key)?.requestId).filter((id): id is string => id !== undefined);

  const verifiable: PlannedItem[] = [];
  for (const p of planned) {
    const refusals = p.keys
      .map((key, index) => ({ run: runs.get(key)!, action: p.plan.actions[index]! }))
      .filter(({ run }) => run.result === 'refused');
    if (refusals.length > 0) {
      const detail = refusals.map(({ run, action }) => `${action.description}: ${run.message ?? 'refused'}`);
      closed.get(p.item.itemId)!.outcome = {
        status: 'revoke-failed',
        detail: detail.join('; '),
        requestIds: requestIdsOf(p),
      };
    } else if (!dryRun) verifiable.push(p);
  }

  const rereadIds: string[] = [];
  if (verifiable.length > 0) {
    const verified = await verify(dependencies, workspace, verifiable, requestIdsOf, rereadIds);
    for (const [itemId, outcome] of verified) closed.get(itemId)!.outcome = outcome;
  }
  if (!dryRun) await recheckKept(dependencies, workspace, items, closed, [...runs.values()], rereadIds);
  return { dryRun, items: [...closed.values()], runs: [...runs.values()], reread: rereadIds };
}

/**
 * A revoke can take access another item kept: removing alan from developers (his CORE item) also takes
 * his shared-libs write, kept by its reviewer. For every `kept` / `not-decided` item of a user whose
 * changes were executed (`removed`, a replay included), when an executed change removes one of its
 * frozen paths: the scopes those changes touched are re-read if verification did not already, the
 * item's access is recomputed, and a lower permission than frozen becomes `removed-by-another-revoke`
 * (`changedBy` and `detail` name the revoke items and changes). An item whose access the re-read leaves
 * whole (another path grants as much), or whose access cannot be recomputed, keeps its outcome.
 */
async function recheckKept(
  dependencies: CampaignCloseDependencies,
  workspace: WorkspaceEntry,
  items: readonly ReviewItem[],
  closed: Map<string, ClosedItem>,
  runs: readonly RemediationRun[],
  rereadIds: string[],
): Promise<void> {
  const executed = runs.filter((run) => run.result === 'removed');
  const affected = items
    .filter((item) => {
      const status = closed.get(item.itemId)?.outcome?.status;
      return status === 'kept' || status === 'not-decided';
    })
    .map((item) => ({
      item,
      by: executed.filter((run) => item.paths.some((path) => actionRemovesPath(run.action, item, path))),
    }))
    .filter(({ by }) => by.length > 0);
  if (affected.length === 0) return;
  // A change whose revoke item went unverified (another of its actions refused) was never re-read.
  const scopes = [
    ...new Map(
      affected
        .flatMap(({ by }) => by.map((run) => scopeOfAction(run.action)))
        .filter((scope): scope is ScopeRef => scope !== undefined && !rereadIds.includes(scopeId(scope)))
        .map((scope) => [scopeId(scope), scope]),
    ).values(),
  ];
  if (scopes.length > 0) {
    rereadIds.push(...scopes.map(scopeId));
    await reread(dependencies, workspace, scopes);
  }
  for (const { item, by } of affected) {
    let paths: AccessPath<string>[];
    try {
      paths = await remainingPaths(dependencies, workspace, item);
    } catch {
      continue;
    }
    const type = item.resource.type;
    const after = paths.reduce<string | null>(
      (best, path) => (rankOn(type, path.permission) > rankOn(type, best) ? path.permission : best),
      null,
    );
    if (rankOn(type, after) >= rankOn(type, item.permission)) continue;
    const entry = closed.get(item.itemId)!;
    const itemIds = [...new Set(by.flatMap((run) => run.itemIds))];
    const actions = by.map((run) => run.action.description);
    entry.outcome = {
      status: 'removed-by-another-revoke',
      detail:
        `${entry.outcome?.status === 'kept' ? 'kept' : 'not decided'}, but ${item.permission} → ${after ?? 'none'}: ` +
        `${actions.join('; ')} (revoke of ${itemIds.join(', ')})` +
        (paths.length > 0 ? `; still reachable: ${describePaths(paths)}` : ''),
      changedBy: { itemIds, actions, permissionBefore: item.permission, permissionAfter: after },
      requestIds: by.map((run) => run.requestId).filter((id): id is string => id !== undefined),
      verifiedAt: dependencies.provisioning.now().toISOString(),
    };
  }
}
