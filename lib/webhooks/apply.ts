// The applier (DESIGN §5): turns a batch of queued webhook events into store changes. Events are
// coalesced (event-plan.ts), then per unit: a created or updated repository or a changed project is
// upserted from the payload (observedAt = the event's time, never later than its receipt, so an older
// event loses) and its grants re-read within the request budget the sync leaves, or marked dirty for the
// next sync step when none is left. A `repo:deleted` or `repo:transfer` is a hint, never the truth: the
// signature covers the body, not the event key, so the repository is read first (404, or held by another
// workspace → removed with its grants; present → stored as read and its grants refreshed) and, without
// budget, the listing is marked dirty. Activity keeps the latest time. An unsigned delivery or an event
// that cannot say which repository or project changed marks the listing dirty. Every message gets an
// outcome, so the caller can report partial batch failures.
import pLimit from 'p-limit';
import {
  BudgetExhausted,
  DeadlineExceeded,
  Forbidden,
  NotFound,
  RateLimited,
  SharedBudget,
  Unauthorized,
  sourceOf,
  type BitbucketClient,
  type RequestBudget,
} from '../bitbucket/index.js';
import { openHourlyBudget, type HourLedger } from '../budget/index.js';
import type { GovernanceSource } from '../source/index.js';
import { normalizeUuid, resource, scopeId, type GovernanceItem } from '../model/index.js';
import { logger } from '../observability/index.js';
import type { ActivityLog, ActivityObservation } from '../store/activity-log.js';
import type { ApplyResult, ChangeOrigin, GovernanceStore, ItemRef } from '../store/index.js';
import type { SyncStateStore } from '../store/sync-state.js';
import { CONFIRMED_EVENTS } from './event-kinds.js';
import type { WebhookEventMessage } from './event-message.js';
import {
  eventTime,
  placeRepository,
  planEvents,
  type ActivityWork,
  type ListingWork,
  type ProjectWork,
  type QueuedEvent,
  type RepositoryWork,
  type WorkspacePlan,
} from './event-plan.js';
import {
  grantScope,
  leastCostOf,
  parentListingOf,
  refreshGrants,
  type GrantTarget,
} from './grant-refresh.js';

export type { QueuedEvent } from './event-plan.js';

export interface ApplyEventsDependencies {
  client: BitbucketClient;
  /** Where grant scopes are re-read from; default Bitbucket Cloud through `client`. */
  source?: GovernanceSource;
  store: GovernanceStore;
  syncState: Pick<SyncStateStore, 'markDirty' | 'deleteScopeState' | 'recordRefresh'>;
  ledger: HourLedger;
  activity: ActivityLog;
  /** Bitbucket's requests per rolling hour for the credential; refreshes spend what others left of it. */
  hourlyRequestLimit: number;
  /** Units worked on at once (default 4). */
  parallelism?: number;
  now?: () => Date;
  /** Epoch ms: no refresh starts after it (the invocation's remaining time). */
  deadlineAt?: number;
}

/**
 * `applied`: done. `deferred`: nothing to read it with now (budget, rate limit, deadline, incomplete
 * payload, a repository placed in another workspace): its scopes are marked dirty for the next sync step.
 * `dropped`: not ours (unknown event key, unknown workspace) or activity whose actor cannot be named.
 * `failed`: retry the message.
 */
export type EventStatus = 'applied' | 'deferred' | 'dropped' | 'failed';

export interface EventOutcome {
  id: string;
  eventKey: string;
  status: EventStatus;
  detail?: string;
}

export interface ApplyReport {
  outcomes: EventOutcome[];
  counts: Record<EventStatus, number>;
  droppedByReason: Record<string, number>;
  /** Grant scopes re-read from Bitbucket. */
  refreshes: number;
  /** Bitbucket requests spent (recorded in the ledger under `webhook`). */
  requests: number;
  /** Store changes that landed (each has a change record). */
  changes: number;
  /** Writes refused because a newer observation is stored. */
  staleSkipped: number;
  activityRecorded: number;
  /**
   * Activity events recorded as nothing because their actor cannot be named (drop reasons `no-actor`
   * and `unknown-actor`): published as WebhookActivitySkipped.
   */
  activitySkipped: number;
  /** Scope ids (`{workspaceUuid}:{scope}`) marked dirty for the next sync step. */
  markedDirty: string[];
  /**
   * Repository events of a governed workspace (same uuid) naming it by another slug: its admins may
   * have renamed it. One entry per workspace and slug.
   */
  workspaceSlugChanges: { workspaceId: string; storedSlug: string; statedSlug: string }[];
}

type UnitResult =
  { status: 'applied' | 'deferred' | 'dropped'; detail?: string } | { status: 'failed'; error: unknown };

interface WorkspaceContext {
  dependencies: ApplyEventsDependencies;
  source: GovernanceSource;
  workspace: { id: string; slug: string };
  budget: RequestBudget;
  now: () => Date;
  report: ApplyReport;
  /** Bare member uuid → account_id, read once per batch when an actor has no account_id. */
  memberAccounts?: Promise<Map<string, string>>;
}

/** Errors that mean "not now": the next sync step reads the scope instead; retrying would not help. */
function defersRefresh(error: unknown): boolean {
  return (
    error instanceof BudgetExhausted ||
    error instanceof RateLimited ||
    error instanceof DeadlineExceeded ||
    error instanceof Unauthorized ||
    error instanceof Forbidden
  );
}

function originOf(message: WebhookEventMessage): ChangeOrigin {
  return { cause: 'webhook', actor: message.actor?.accountId ?? message.actor?.uuid ?? 'webhook' };
}

function tally(report: ApplyReport, result: ApplyResult): void {
  report.changes += result.changes.length;
  report.staleSkipped += result.skippedStale;
}

async function markDirty(context: WorkspaceContext, scopes: string[], reason: string): Promise<void> {
  await context.dependencies.syncState.markDirty(context.workspace.id, scopes, reason);
  context.report.markedDirty.push(...scopes.map((scope) => `${context.workspace.id}:${scope}`));
}

/** Re-reads a grant scope if the budget and time allow; otherwise marks it dirty. */
async function refreshOrDefer(
  context: WorkspaceContext,
  target: GrantTarget,
  reason: string,
): Promise<UnitResult> {
  const scope = scopeId(grantScope(target));
  const { deadlineAt } = context.dependencies;
  const outOfTime = deadlineAt !== undefined && context.now().getTime() >= deadlineAt;
  if (context.budget.remaining < leastCostOf(target) || outOfTime) {
    await markDirty(context, [scope], `${reason}; no webhook request budget left`);
    return { status: 'deferred', detail: 'request budget exhausted' };
  }
  const refreshBudget = new SharedBudget(context.budget);
  const startedAt = context.now().toISOString();
  try {
    const { result, reread } = await refreshGrants(
      {
        source: context.source,
        store: context.dependencies.store,
        workspace: context.workspace,
        call: { budget: refreshBudget, ...(deadlineAt !== undefined ? { deadlineAt } : {}) },
        now: context.now,
      },
      target,
    );
    await context.dependencies.syncState.recordRefresh(
      context.workspace.id,
      scope,
      startedAt,
      refreshBudget.spent,
    );
    if (reread) await markDirty(context, [scope], `${reason}; ${reread.reason}`);
    context.report.refreshes += 1;
    tally(context.report, result);
    return { status: 'applied' };
  } catch (error) {
    if (error instanceof NotFound) {
      // Renamed or deleted again since the event: the listings will tell.
      await markDirty(context, [parentListingOf(target), scope], `${reason}; grant listing answered 404`);
      return { status: 'deferred', detail: 'grant listing answered 404' };
    }
    if (defersRefresh(error)) {
      await markDirty(context, [scope], `${reason}; ${(error as Error).name}`);
      return { status: 'deferred', detail: (error as Error).name };
    }
    throw error;
  }
}

/** Removes a repository and its grants, as observed at `observedAt` (when Bitbucket was read). */
async function applyRepositoryRemoval(
  context: WorkspaceContext,
  work: RepositoryWork,
  observedAt: string,
): Promise<UnitResult> {
  const { store, syncState } = context.dependencies;
  const ws = context.workspace.id;
  const grants = await store.listGrantsOnResource(ws, 'repository', work.repositoryId);
  const remove: ItemRef[] = [
    { kind: 'resource', type: 'repository', id: work.repositoryId },
    ...grants.map(({ item }) => ({ kind: item.kind, resource: item.resource, principal: item.principal })),
  ];
  const result = await store.applyItemChanges(ws, { remove }, observedAt, originOf(work.latest));
  tally(context.report, result);
  await syncState.deleteScopeState(
    ws,
    scopeId({ kind: 'repository-grants', repositoryId: work.repositoryId }),
  );
  return { status: 'applied' };
}

/** Notes (once per workspace and slug) that a workspace is named by another slug than the stored one. */
function noteSlugChange(context: WorkspaceContext, message: WebhookEventMessage, statedSlug: string): void {
  const { id, slug } = context.workspace;
  const changes = context.report.workspaceSlugChanges;
  if (changes.some((entry) => entry.workspaceId === id && entry.statedSlug === statedSlug)) return;
  changes.push({ workspaceId: id, storedSlug: slug, statedSlug });
  logger.warn('workspace slug may have changed', {
    workspaceId: id,
    storedSlug: slug,
    statedSlug,
    hookPath: message.workspace,
    eventKey: message.eventKey,
    deliveryId: message.deliveryId,
  });
}

/**
 * The stored project uuid the payload's `repository.project` stands for: its uuid, or (a payload with
 * only the key) the stored repository's project when that project has the key; undefined when unknown.
 */
async function projectUuidOf(
  context: WorkspaceContext,
  project: NonNullable<WebhookEventMessage['repository']>['project'],
  storedProjectUuid: string | null | undefined,
): Promise<string | null | undefined> {
  if (!project) return storedProjectUuid;
  if (project.uuid !== undefined) return normalizeUuid(project.uuid);
  if (storedProjectUuid === undefined || storedProjectUuid === null || project.key === undefined)
    return undefined;
  const stored = await context.dependencies.store.getResource(
    context.workspace.id,
    'project',
    storedProjectUuid,
  );
  return stored?.item.attributes.key === project.key ? storedProjectUuid : undefined;
}

/**
 * A `repo:deleted` or `repo:transfer`, confirmed by one read of the repository by uuid
 * (`GET /2.0/repositories/{ws}/{uuid}`, through the source's confirmAbsent): gone, or held by another
 * workspace → removed with its grants; present here → stored as read, then its grants re-read; no budget,
 * no time or no answer → the repositories listing is marked dirty. Times are the read's, never the payload's.
 */
async function confirmRepository(context: WorkspaceContext, work: RepositoryWork): Promise<UnitResult> {
  const eventKey = work.latest.eventKey;
  const { store, deadlineAt } = context.dependencies;
  const ws = context.workspace.id;
  const outOfTime = deadlineAt !== undefined && context.now().getTime() >= deadlineAt;
  if (context.budget.remaining < 1 || outOfTime) {
    await markDirty(context, ['repositories'], `${eventKey}: no webhook request budget left to confirm it`);
    return { status: 'deferred', detail: 'request budget exhausted' };
  }
  const stored = (await store.getResource(ws, 'repository', work.repositoryId))?.item;
  // Only the id is read from the asked item; a repository transferred in is not stored yet.
  const asked =
    stored ??
    resource('repository', work.repositoryId, {
      slug: work.repositoryId,
      name: '',
      fullName: '',
      projectUuid: null,
      isPrivate: true,
    });
  const readAt = context.now().toISOString();
  let check;
  try {
    check = await context.source.confirmAbsent(context.workspace, { kind: 'repositories' }, [asked], {
      budget: new SharedBudget(context.budget),
      ...(deadlineAt !== undefined ? { deadlineAt } : {}),
    });
  } catch (error) {
    if (!defersRefresh(error)) throw error;
    await markDirty(
      context,
      ['repositories'],
      `${eventKey}: confirming read failed (${(error as Error).name})`,
    );
    return { status: 'deferred', detail: (error as Error).name };
  }
  if (check.gone.length > 0) {
    if (!stored) return { status: 'applied', detail: 'not held here, not stored' };
    return applyRepositoryRemoval(context, work, readAt);
  }
  const present = check.present.find(
    (item): item is Extract<GovernanceItem, { type: 'repository' }> =>
      item.kind === 'resource' && item.type === 'repository',
  );
  if (!present) {
    await markDirty(context, ['repositories'], `${eventKey}: the confirming read could not tell`);
    return { status: 'deferred', detail: 'unconfirmed' };
  }
  const result = await store.applyItemChanges(ws, { upsert: [present] }, readAt, originOf(work.latest));
  tally(context.report, result);
  const projectUuid = present.attributes.projectUuid;
  if (projectUuid !== null && !(await store.getResource(ws, 'project', projectUuid))) {
    await markDirty(context, ['projects'], `${eventKey} names a project not stored yet`);
  }
  return refreshOrDefer(
    context,
    { kind: 'repository-grants', repositoryId: work.repositoryId, slug: present.attributes.slug },
    eventKey,
  );
}

async function applyRepositoryChange(context: WorkspaceContext, work: RepositoryWork): Promise<UnitResult> {
  const placement = placeRepository(work.latest, context.workspace);
  if (CONFIRMED_EVENTS.has(work.latest.eventKey)) {
    if (placement.kind === 'same' && placement.renamedSlug !== undefined)
      noteSlugChange(context, work.latest, placement.renamedSlug);
    return confirmRepository(context, work);
  }
  if (placement.kind === 'elsewhere') {
    // A transfer away or a renamed workspace look alike from here; removing on this alone would drop a
    // repository and its grants on an unconfirmed hint. The listing read settles it.
    await markDirty(
      context,
      ['repositories'],
      `${work.latest.eventKey} names ${placement.named}: confirm by reading the listing`,
    );
    return { status: 'deferred', detail: 'repository named in another workspace' };
  }
  if (placement.renamedSlug !== undefined) noteSlugChange(context, work.latest, placement.renamedSlug);
  const { store } = context.dependencies;
  const ws = context.workspace.id;
  const repository = work.latest.repository;
  if (!repository) return { status: 'applied' };
  const stored = (await store.getResource(ws, 'repository', work.repositoryId))?.item.attributes;
  const projectUuid = await projectUuidOf(context, repository.project, stored?.projectUuid);
  const isPrivate = repository.isPrivate ?? stored?.isPrivate;
  const slug = repository.slug ?? stored?.slug;
  if (projectUuid === undefined || isPrivate === undefined || slug === undefined) {
    // Documented payloads carry all three; without them the listing is the safe source.
    const scopes = ['repositories', scopeId({ kind: 'repository-grants', repositoryId: work.repositoryId })];
    await markDirty(context, scopes, `${work.latest.eventKey} payload without project, privacy or slug`);
    return { status: 'deferred', detail: 'incomplete payload' };
  }
  // Under another workspace slug the payload's full name is not the one the sync reads: keep ours.
  const fullName =
    placement.renamedSlug === undefined && repository.fullName !== undefined
      ? repository.fullName
      : (stored?.fullName ?? `${context.workspace.slug}/${slug}`);
  const item: GovernanceItem = resource('repository', work.repositoryId, {
    slug,
    name: repository.name ?? stored?.name ?? slug,
    fullName,
    projectUuid,
    isPrivate,
  });
  const result = await store.applyItemChanges(
    ws,
    { upsert: [item] },
    eventTime(work.latest),
    originOf(work.latest),
  );
  tally(context.report, result);
  if (projectUuid !== null && !(await store.getResource(ws, 'project', projectUuid))) {
    await markDirty(context, ['projects'], `${work.latest.eventKey} names a project not stored yet`);
  }
  // A newer observation may have won over this event: read the grants under the name stored now.
  const currentSlug =
    result.skippedStale > 0
      ? ((await store.getResource(ws, 'repository', work.repositoryId))?.item.attributes.slug ?? slug)
      : slug;
  return refreshOrDefer(
    context,
    { kind: 'repository-grants', repositoryId: work.repositoryId, slug: currentSlug },
    work.latest.eventKey,
  );
}

/** `changes.is_private.new` when the event reports a privacy change. */
function changedPrivacy(message: WebhookEventMessage): boolean | undefined {
  const value = message.changes?.is_private?.new;
  return typeof value === 'boolean' ? value : undefined;
}

async function applyProjectChange(context: WorkspaceContext, work: ProjectWork): Promise<UnitResult> {
  const { store } = context.dependencies;
  const ws = context.workspace.id;
  const project = work.latest.project;
  if (!project) return { status: 'applied' };
  const stored = (await store.getResource(ws, 'project', work.projectId))?.item.attributes;
  const name = project.name ?? stored?.name;
  const isPrivate = changedPrivacy(work.latest) ?? stored?.isPrivate;
  if (name === undefined || isPrivate === undefined) {
    const scopes = ['projects', scopeId({ kind: 'project-grants', projectId: work.projectId })];
    await markDirty(context, scopes, 'project:updated for a project not stored yet');
    return { status: 'deferred', detail: 'project not stored yet' };
  }
  const result = await store.applyItemChanges(
    ws,
    { upsert: [resource('project', work.projectId, { key: project.key, name, isPrivate })] },
    eventTime(work.latest),
    originOf(work.latest),
  );
  tally(context.report, result);
  const key =
    result.skippedStale > 0
      ? ((await store.getResource(ws, 'project', work.projectId))?.item.attributes.key ?? project.key)
      : project.key;
  return refreshOrDefer(
    context,
    { kind: 'project-grants', projectId: work.projectId, key },
    work.latest.eventKey,
  );
}

/** The workspace's members by bare uuid (their stored `uuid` attribute), read once per batch. */
function memberAccounts(context: WorkspaceContext): Promise<Map<string, string>> {
  context.memberAccounts ??= context.dependencies.store
    .readScope(context.workspace.id, { kind: 'members' })
    .then((items) => {
      const accounts = new Map<string, string>();
      for (const { item } of items) {
        if (item.kind === 'resource' && item.type === 'user')
          accounts.set(normalizeUuid(item.attributes.uuid), item.id);
      }
      return accounts;
    });
  return context.memberAccounts;
}

async function applyActivity(context: WorkspaceContext, work: ActivityWork): Promise<UnitResult> {
  const { actor } = work;
  let named: Pick<ActivityObservation, 'accountId' | 'actorType'>;
  if (actor.type === 'team') named = { accountId: actor.uuid, actorType: 'team' };
  else if (actor.accountId !== undefined) named = { accountId: actor.accountId, actorType: actor.type };
  else {
    // An older user object (nickname and uuid, no account_id): a member we know by that uuid, or no one.
    const accountId = (await memberAccounts(context)).get(actor.uuid);
    if (accountId === undefined) {
      context.report.activitySkipped += work.eventIds.length;
      return { status: 'dropped', detail: 'unknown-actor' };
    }
    named = { accountId, actorType: 'user' };
  }
  const observation: ActivityObservation = {
    ...named,
    repositoryId: work.repositoryId,
    at: work.at,
    eventKey: work.eventKey,
  };
  if (await context.dependencies.activity.record(context.workspace.id, observation)) {
    context.report.activityRecorded += 1;
  }
  return { status: 'applied' };
}

/** Marks a listing dirty for events that could only say that something in it changed. */
async function applyListing(context: WorkspaceContext, work: ListingWork): Promise<UnitResult> {
  await markDirty(context, [work.scope], [...work.reasons].join('; '));
  return { status: 'deferred', detail: `${work.scope} listing marked dirty` };
}

type Unit = { eventIds: string[]; run: () => Promise<UnitResult> };

function unitsOf(context: WorkspaceContext, plan: WorkspacePlan): Unit[] {
  return [
    ...[...plan.repositories.values()].map((work) => ({
      eventIds: work.eventIds,
      run: () => applyRepositoryChange(context, work),
    })),
    ...[...plan.projects.values()].map((work) => ({
      eventIds: work.eventIds,
      run: () => applyProjectChange(context, work),
    })),
    ...[...plan.activity.values()].map((work) => ({
      eventIds: work.eventIds,
      run: () => applyActivity(context, work),
    })),
    ...[...plan.listings.values()].map((work) => ({
      eventIds: work.eventIds,
      run: () => applyListing(context, work),
    })),
  ];
}

/** Runs the units, `parallelism` at a time; each unit's outcome (or its error as `failed`) is settled. */
async function runUnits(
  units: Unit[],
  parallelism: number,
  settle: (unit: Unit, result: UnitResult) => void,
) {
  await pLimit(parallelism).map(units, async (unit) => {
    let result: UnitResult;
    try {
      result = await unit.run();
    } catch (error) {
      result = { status: 'failed', error };
    }
    settle(unit, result);
  });
}

export async function applyEvents(
  events: readonly QueuedEvent[],
  dependencies: ApplyEventsDependencies,
): Promise<ApplyReport> {
  const now = dependencies.now ?? (() => new Date());
  const report: ApplyReport = {
    outcomes: [],
    counts: { applied: 0, deferred: 0, dropped: 0, failed: 0 },
    droppedByReason: {},
    refreshes: 0,
    requests: 0,
    changes: 0,
    staleSkipped: 0,
    activityRecorded: 0,
    activitySkipped: 0,
    markedDirty: [],
    workspaceSlugChanges: [],
  };
  const keyOf = new Map(events.map((event) => [event.id, event.message.eventKey]));
  const settleIds = (ids: string[], status: EventStatus, detail?: string) => {
    for (const id of ids) {
      report.outcomes.push({
        id,
        eventKey: keyOf.get(id) ?? 'unknown',
        status,
        ...(detail !== undefined ? { detail } : {}),
      });
      report.counts[status] += 1;
      if (status === 'dropped' && detail) {
        report.droppedByReason[detail] = (report.droppedByReason[detail] ?? 0) + 1;
      }
    }
  };

  const plan = planEvents(events);
  for (const dropped of plan.dropped) {
    settleIds([dropped.id], 'dropped', dropped.reason);
    if (dropped.reason === 'no-actor') report.activitySkipped += 1;
  }
  if (plan.workspaces.size === 0) return report;

  // The share left by everyone else in the rolling hour (the sync keeps its own under its budget).
  const hour = await openHourlyBudget(dependencies.ledger, 'webhook', {
    hourlyLimit: dependencies.hourlyRequestLimit,
    now: now(),
  });
  const { budget } = hour;
  const source = sourceOf(dependencies);
  try {
    for (const workspacePlan of plan.workspaces.values()) {
      const entry = await dependencies.store.resolveWorkspace(workspacePlan.slug);
      const units: Unit[] = [];
      if (!entry) {
        // Never synced: its first pass reads everything; there is no picture to update yet.
        const ids = [
          ...[...workspacePlan.repositories.values()].flatMap((work) => work.eventIds),
          ...[...workspacePlan.projects.values()].flatMap((work) => work.eventIds),
          ...[...workspacePlan.activity.values()].flatMap((work) => work.eventIds),
          ...[...workspacePlan.listings.values()].flatMap((work) => work.eventIds),
        ];
        settleIds(ids, 'dropped', 'unknown-workspace');
        continue;
      }
      const context: WorkspaceContext = {
        dependencies,
        source,
        workspace: { id: entry.uuid, slug: entry.slug },
        budget,
        now,
        report,
      };
      units.push(...unitsOf(context, workspacePlan));
      await runUnits(units, dependencies.parallelism ?? 4, (unit, result) => {
        if (result.status === 'failed') {
          const error = result.error;
          settleIds(
            unit.eventIds,
            'failed',
            error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          );
        } else {
          settleIds(unit.eventIds, result.status, result.detail);
        }
      });
    }
  } finally {
    report.requests = budget.spent;
    await hour.close(now());
  }
  return report;
}
