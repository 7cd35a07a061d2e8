// Access reviews (DESIGN §8b): a campaign freezes, at its creation, one item per (user, resource) in its
// scope with the effective permission and every path that grants it; reviewers decide keep or revoke;
// closing executes a remediation plan per revoke through provisioning and verifies it by re-reading
// Bitbucket. These are the shapes every part of the review shares (store, API, page, report).
import type { AccessPath } from '../access/index.js';

/**
 * Risk signals an item carries, computed at freeze time:
 * - `inactive-90-days`: no recorded activity on the repository in the 90 days before the snapshot
 *   (repositories only; activity comes from webhooks, so a workspace without them flags every repository);
 * - `admin-via-group`: admin reached through a group (`group`, `project-group`);
 * - `group-default-access-only`: every path is a group's grant equal to that group's default repository
 *   permission (Bitbucket copies it onto new repositories: access nobody granted on purpose);
 * - `owner`: the user is a workspace owner (admin everywhere; not removable here).
 */
export const REVIEW_FLAGS = [
  'inactive-90-days',
  'admin-via-group',
  'group-default-access-only',
  'owner',
] as const;
export type ReviewFlag = (typeof REVIEW_FLAGS)[number];

/** What a campaign covers: project keys, repository slugs, group slugs (absent or empty: all of that kind). */
export interface ReviewScope {
  projects?: string[];
  repositories?: string[];
  groups?: string[];
}

/** Named reviewers (policy principals) per project key and per repository slug: the first assignment rule. */
export interface ReviewerRules {
  projects?: Record<string, string[]>;
  repositories?: Record<string, string[]>;
}

/** `open`: decisions accepted; `closing`: plans executing; `closed`: outcomes final, report available. */
export type CampaignStatus = 'open' | 'closing' | 'closed';

/** One access-review campaign as stored and answered (without its items). */
export interface ReviewCampaign {
  id: string;
  workspaceId: string;
  workspaceSlug: string;
  name: string;
  /** ISO 8601. */
  dueAt: string;
  scope: ReviewScope;
  reviewers: ReviewerRules;
  status: CampaignStatus;
  /** The caller who created it (policy principal). */
  createdBy: string;
  createdAt: string;
  /** When the items were frozen, and how old (seconds) each scope kind's data was then (null: never read). */
  snapshotAt: string;
  freshnessSeconds: Record<string, number | null>;
  itemCount: number;
  /**
   * Items holding a decision, kept by the store with each decision (0 at creation; absent on records
   * stored before it was kept: count the items then).
   */
  decidedCount?: number;
  closedBy?: string;
  closedAt?: string;
}

/** How an item got its reviewer: a named reviewer, an admin of the resource, a workspace owner, or none. */
export type ReviewerRule = 'named' | 'resource-admin' | 'workspace-owner' | 'unassigned';

export type ReviewDecision = 'keep' | 'revoke';

/**
 * One change a revoke needs, executed through provisioning (`POST …/revocations` semantics):
 * - `revoke-direct-grant`: the user's own grant on the resource (on a project: its repositories go too,
 *   in `alsoRemoves`);
 * - `remove-group-member`: the user's membership of `group` (all of that group's other access goes too:
 *   `alsoRemoves`);
 * - `revoke-project-grant`: the user's own grant on the project that holds the repository (the project's
 *   other repositories go too).
 */
export interface RemediationAction {
  kind: 'revoke-direct-grant' | 'remove-group-member' | 'revoke-project-grant';
  /** As in `/revocations`: `{type, slug|key|id}` and `{type: 'user', accountId}`. */
  resource: { type: 'group' | 'project' | 'repository'; slug?: string; key?: string; id?: string };
  principal: { type: 'user'; accountId: string };
  /** The permission the revocation names (Bitbucket's current one at freeze time). */
  permission: string;
  /** Plain words: "remove Ada from group developers". */
  description: string;
  /**
   * Other access of the same user that this change also removes ("write on repository web") or lowers
   * ("write on repository website → read": a public repository stays readable); computed as if the user
   * were not a workspace owner.
   */
  alsoRemoves: string[];
}

/**
 * What removes an item's access: every action (all paths must go), or why it cannot be removed here
 * (`workspace-owner`, `public-repository`, `organization-group` managed in admin.atlassian.com…).
 */
export interface RemediationPlan {
  /** The changes closing executes (empty when `cannotRemove` keeps the item's whole permission). */
  actions: RemediationAction[];
  cannotRemove?: { reason: string; detail: string };
  /**
   * Information only, never executed: the changes that would remove the item's other paths, held back
   * because what cannot be removed here keeps the item's permission anyway (a workspace owner is admin
   * everywhere; a public repository stays readable for a read item; an identity-provider group grants as
   * much). Running them would only take the user's other access (their `alsoRemoves`, computed as if the
   * blocking path were gone) and change nothing the reviewer decided on.
   */
  wouldAlsoNeed?: RemediationAction[];
}

/**
 * Where an item ended when its campaign closed: `kept`; `not-decided` (no decision by close);
 * `revoked-verified` (re-read: no path left); `still-reachable` (re-read: another path remains, named in
 * `detail`; "read: the repository is public" when only publicity is left); `revoke-failed` (Bitbucket's
 * reason in `detail`); `cannot-remove` (the plan said so: `reason` and `detail`);
 * `removed-by-another-revoke`: the item was kept (or left undecided) but a revoke of the same user's
 * other item, executed by this close, removed or lowered this access too (e.g. alan kept on shared-libs,
 * removed from group developers by the revoke of his CORE item). The re-read says what is left:
 * `changedBy` names the revoke items and changes, and the permission before and after (null: none left).
 * The item's decision is untouched: the report shows "keep" beside this outcome.
 */
export const ITEM_OUTCOME_STATUSES = [
  'kept',
  'not-decided',
  'revoked-verified',
  'still-reachable',
  'revoke-failed',
  'cannot-remove',
  'removed-by-another-revoke',
] as const;
export type ItemOutcomeStatus = (typeof ITEM_OUTCOME_STATUSES)[number];

/** Why a kept or undecided item's access changed at close (`removed-by-another-revoke`). */
export interface ItemChangedBy {
  /** The revoked items whose executed changes took it. */
  itemIds: string[];
  /** Those changes, in plain words (`RemediationAction.description`). */
  actions: string[];
  /** The permission frozen on the item, and what the re-read leaves (null: no access left). */
  permissionBefore: string;
  permissionAfter: string | null;
}

/** One item's end at close (`status` and the evidence for it). */
export interface ItemOutcome {
  status: ItemOutcomeStatus;
  detail?: string;
  /** `cannot-remove` only: the plan's `cannotRemove.reason` (`workspace-owner`, `public-repository`…). */
  reason?: string;
  /** `removed-by-another-revoke` only: which revoke did it, and what is left. */
  changedBy?: ItemChangedBy;
  /** Provisioning request ids of the actions executed (`GET /v1/requests/{id}`). */
  requestIds?: string[];
  verifiedAt?: string;
}

/** One frozen (user, resource) item of a campaign. */
export interface ReviewItem {
  campaignId: string;
  /** Stable within the campaign: `{resourceType}:{resourceId}:{accountId}`. */
  itemId: string;
  accountId: string;
  displayName: string;
  /** Atlassian account status (`active`, `inactive`, `closed`), null when unknown. */
  accountStatus: string | null;
  workspaceRole: string | null;
  resource: { type: 'project' | 'repository'; id: string; name: string; projectKey?: string };
  permission: string;
  paths: AccessPath<string>[];
  lastActivity: string | null;
  flags: ReviewFlag[];
  /** The policy principal who decides it (null: only administrators). */
  reviewer: string | null;
  reviewerRule: ReviewerRule;
  decision?: { decision: ReviewDecision; comment?: string; decidedBy: string; decidedAt: string };
  /** Set with a `revoke` decision: what removes the access. */
  plan?: RemediationPlan;
  outcome?: ItemOutcome;
}
