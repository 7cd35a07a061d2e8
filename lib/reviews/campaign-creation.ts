// Starting a campaign (issue 21): freeze the items of its scope from the stored picture, assign each its
// reviewer, note how fresh the picture was (per scope kind, as the export's manifest does), and store the
// campaign with its items. Deciding an item records the plan that would remove its access.
import type { AuthorizationPolicy } from '../authz/index.js';
import { AccessDenied, Conflict, NotFound, ValidationError } from '../errors/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';
import type { ReviewCampaignStore } from '../store/review-campaigns.js';
import { newReviewCampaignId } from '../store/review-campaigns.js';
import type { SyncStateStore } from '../store/sync-state.js';
import { freshnessByKind, scopeApisOf, storedScopes } from '../sync/index.js';
import {
  freezeReviewItems,
  loadReviewPicture,
  resourceAdmins,
  workspaceOwners,
  type ReviewPicture,
} from './campaign-items.js';
import { planRemediation } from './remediation-plan.js';
import type {
  ReviewCampaign,
  ReviewDecision,
  ReviewerRules,
  ReviewItem,
  ReviewScope,
} from './review-model.js';
import { assignReviewers } from './reviewer-assignment.js';

/**
 * The most items one campaign freezes. Creation is one synchronous request: on the bench machine a project
 * of the 1,000-user, 2,000-repository workspace froze 83,391 items in 74 s, the whole workspace ~900,000 in
 * 8–10 minutes. A scope past this is refused before anything is written (400 naming the count); in AWS the
 * API function's 28 s end a creation well below it (moving creation to a background job is left to the
 * performance work).
 */
export const MAX_CAMPAIGN_ITEMS = 100_000;

export interface ReviewDependencies {
  store: GovernanceStore;
  syncState: Pick<SyncStateStore, 'listScopeStates' | 'getStatus'>;
  reviews: ReviewCampaignStore;
  authorization: AuthorizationPolicy;
  now: () => Date;
  /** The most items a campaign may freeze (default MAX_CAMPAIGN_ITEMS). */
  maxItems?: number;
}

/** What an administrator asks for (the body of `POST /v1/workspaces/{ws}/reviews`). */
export interface CampaignRequest {
  name: string;
  /** ISO 8601. */
  dueAt: string;
  scope?: ReviewScope;
  reviewers?: ReviewerRules;
}

const workspaceOf = (campaign: Pick<ReviewCampaign, 'workspaceId' | 'workspaceSlug'>) => ({
  uuid: campaign.workspaceId,
  slug: campaign.workspaceSlug,
});

/** @throws ValidationError (400) naming the first scope entry the picture does not hold. */
function checkScope(scope: ReviewScope, picture: ReviewPicture): void {
  const known: [keyof ReviewScope, ReadonlySet<string> | ReadonlyMap<string, unknown>, string][] = [
    ['projects', picture.projectKeys, 'project'],
    ['repositories', picture.repositorySlugs, 'repository'],
    ['groups', picture.groupDefaults, 'group'],
  ];
  for (const [field, names, what] of known) {
    const index = (scope[field] ?? []).findIndex((name) => !names.has(name));
    if (index >= 0) {
      throw new ValidationError(`scope.${field}: no ${what} ${scope[field]![index]} in this workspace`, {
        field: `scope.${field}[${index}]`,
      });
    }
  }
}

/** @throws ValidationError (400) naming a named reviewer who holds no role on the workspace. */
function checkNamedReviewers(
  rules: ReviewerRules,
  workspace: WorkspaceEntry,
  authorization: AuthorizationPolicy,
): void {
  for (const kind of ['projects', 'repositories'] as const) {
    for (const [name, principals] of Object.entries(rules[kind] ?? {})) {
      const index = principals.findIndex((principal) => !authorization.hasAnyRole(principal, workspace));
      if (index >= 0) {
        throw new ValidationError(
          `reviewers.${kind}.${name}: ${principals[index]} holds no role on workspace ${workspace.slug}`,
          { field: `reviewers.${kind}.${name}[${index}]` },
        );
      }
    }
  }
}

/**
 * Freezes and stores a campaign over `workspace` for `caller` (whose administrator role the API checked).
 * Returns the stored campaign (status `open`).
 * @throws ValidationError (400) for a scope entry the workspace does not hold or a named reviewer with no
 * role on it.
 */
export async function createReviewCampaign(
  dependencies: ReviewDependencies,
  workspace: WorkspaceEntry,
  caller: string,
  request: CampaignRequest,
): Promise<{ campaign: ReviewCampaign; items: ReviewItem[] }> {
  const scope = request.scope ?? {};
  const rules = request.reviewers ?? {};
  checkNamedReviewers(rules, workspace, dependencies.authorization);
  const snapshotAt = dependencies.now();
  const [picture, states, status] = await Promise.all([
    loadReviewPicture(dependencies.store, workspace.uuid),
    dependencies.syncState.listScopeStates(workspace.uuid),
    dependencies.syncState.getStatus(workspace.uuid),
  ]);
  checkScope(scope, picture);
  const scopes = await storedScopes(dependencies.store, workspace.uuid, scopeApisOf(status?.administration));
  const id = newReviewCampaignId();
  const items = assignReviewers(freezeReviewItems(picture, id, scope, snapshotAt), {
    rules,
    admins: resourceAdmins(picture),
    owners: workspaceOwners(picture),
    directory: dependencies.authorization,
    canReview: (principal) => dependencies.authorization.hasAnyRole(principal, workspace),
  });
  const limit = dependencies.maxItems ?? MAX_CAMPAIGN_ITEMS;
  if (items.length > limit) {
    throw new ValidationError(
      `this scope freezes ${items.length.toLocaleString('en-US')} items; a campaign holds at most ${limit.toLocaleString('en-US')}: narrow scope.projects, scope.repositories or scope.groups`,
      { field: 'scope', items: items.length, limit },
    );
  }
  const at = snapshotAt.toISOString();
  const campaign: ReviewCampaign = {
    id,
    workspaceId: workspace.uuid,
    workspaceSlug: workspace.slug,
    name: request.name,
    dueAt: new Date(request.dueAt).toISOString(),
    scope,
    reviewers: rules,
    status: 'open',
    createdBy: caller,
    createdAt: at,
    snapshotAt: at,
    freshnessSeconds: freshnessByKind(
      scopes,
      new Map(states.map((state) => [state.scope, state])),
      snapshotAt.getTime(),
    ),
    itemCount: items.length,
  };
  await dependencies.reviews.create(campaign, items);
  return { campaign, items };
}

/**
 * The campaign `id` when `caller` holds any role on its workspace.
 * @throws NotFound (404) when there is no such campaign or the caller may not see it.
 */
export async function visibleCampaign(
  dependencies: Pick<ReviewDependencies, 'reviews' | 'authorization'>,
  id: string,
  caller: string,
): Promise<ReviewCampaign> {
  const campaign = await dependencies.reviews.get(id);
  if (!campaign || !dependencies.authorization.hasAnyRole(caller, workspaceOf(campaign))) {
    throw new NotFound(`no review ${id}`, { field: 'id' });
  }
  return campaign;
}

/** True when `caller` is an administrator of the campaign's workspace. */
export function administers(
  authorization: AuthorizationPolicy,
  caller: string,
  campaign: Pick<ReviewCampaign, 'workspaceId' | 'workspaceSlug'>,
): boolean {
  return authorization.holds(caller, workspaceOf(campaign), 'administrator');
}

/** One decision as asked (`POST /v1/reviews/{id}/decisions`). */
export interface DecisionRequest {
  itemId: string;
  decision: ReviewDecision;
  comment?: string;
}

function notOpen(campaign: ReviewCampaign): Conflict {
  return new Conflict(`review ${campaign.id} is ${campaign.status}: decisions are closed`, {
    reason: 'not-open',
    status: campaign.status,
  });
}

/**
 * Records decisions, all or none validated first: each item must exist and be assigned to `caller`
 * unless the caller administers the workspace. A `revoke` stores the plan that removes the access,
 * computed from the stored picture now. Returns the decided items as stored.
 * @throws AccessDenied (403: the caller reviews none of the items, or not this one, named in details),
 * NotFound (404: an item the campaign does not hold), Conflict (409: the campaign is not open).
 */
export async function decideReviewItems(
  dependencies: ReviewDependencies,
  campaign: ReviewCampaign,
  caller: string,
  decisions: readonly DecisionRequest[],
): Promise<ReviewItem[]> {
  if (campaign.status !== 'open') throw notOpen(campaign);
  const admin = administers(dependencies.authorization, caller, campaign);
  const callerAccount = dependencies.authorization.accountIdOf(caller);
  const items = new Map(
    (await dependencies.reviews.listItems(campaign.id)).map((item) => [item.itemId, item]),
  );
  for (const [index, entry] of decisions.entries()) {
    const item = items.get(entry.itemId);
    if (!item) {
      throw new NotFound(`no item ${entry.itemId} in review ${campaign.id}`, {
        field: `[${index}].itemId`,
        itemId: entry.itemId,
      });
    }
    // Nobody reviews their own access, administrators included.
    if (callerAccount !== undefined && item.accountId === callerAccount) {
      throw new AccessDenied(`item ${entry.itemId} is your own access: someone else decides it`, {
        itemId: entry.itemId,
        reason: 'own-access',
      });
    }
    if (!admin && item.reviewer !== caller) {
      throw new AccessDenied(`item ${entry.itemId} is not assigned to you`, {
        itemId: entry.itemId,
        reviewer: item.reviewer,
      });
    }
  }
  const decidedAt = dependencies.now().toISOString();
  const facts = new Map<string, ReturnType<GovernanceStore['loadUserAccessFacts']>>();
  const recorded = await Promise.all(
    decisions.map(async (entry) => {
      const item = items.get(entry.itemId)!;
      const decision = {
        decision: entry.decision,
        ...(entry.comment !== undefined ? { comment: entry.comment } : {}),
        decidedBy: caller,
        decidedAt,
      };
      const wasDecided = item.decision !== undefined;
      if (entry.decision !== 'revoke') return { itemId: item.itemId, decision, wasDecided };
      let userFacts = facts.get(item.accountId);
      if (!userFacts) {
        userFacts = dependencies.store.loadUserAccessFacts(campaign.workspaceId, item.accountId);
        facts.set(item.accountId, userFacts);
      }
      return { itemId: item.itemId, decision, wasDecided, plan: planRemediation(item, await userFacts) };
    }),
  );
  const result = await dependencies.reviews.decideAll(campaign.id, recorded);
  if (result === 'not-open') throw notOpen({ ...campaign, status: 'closing' });
  if (result === 'unknown-item') throw new NotFound(`an item of review ${campaign.id} is gone`);
  return recorded.map(({ itemId, decision, plan }) => {
    const { plan: _old, ...item } = items.get(itemId)!;
    return { ...item, decision, ...(plan ? { plan } : {}) };
  });
}

/**
 * Progress: decided and total items overall and per reviewer (null: unassigned, sorted last).
 */
export function progressOf(items: readonly ReviewItem[]): {
  decided: number;
  total: number;
  byReviewer: { reviewer: string | null; decided: number; total: number }[];
} {
  const per = new Map<string | null, { decided: number; total: number }>();
  for (const item of items) {
    const entry = per.get(item.reviewer) ?? { decided: 0, total: 0 };
    entry.total += 1;
    if (item.decision) entry.decided += 1;
    per.set(item.reviewer, entry);
  }
  const byReviewer = [...per.entries()]
    .map(([reviewer, counts]) => ({ reviewer, ...counts }))
    .sort((a, b) =>
      a.reviewer === null
        ? 1
        : b.reviewer === null
          ? -1
          : a.reviewer < b.reviewer
            ? -1
            : a.reviewer > b.reviewer
              ? 1
              : 0,
    );
  return {
    decided: items.filter((item) => item.decision).length,
    total: items.length,
    byReviewer,
  };
}
