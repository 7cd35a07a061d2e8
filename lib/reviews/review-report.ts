// The evidence of a campaign (issue 21, "Report"): every item as CSV and as JSON, and a manifest naming the
// campaign, its scope, snapshot time and freshness, reviewers, decision and outcome counts, and the SHA-256
// of the exact bytes the CSV and JSON answers carry. Deterministic: items sorted, objects built key by
// key (never echoed as loaded: a store may hand maps back in another key order), no clock read, so the
// same campaign gives the same bytes on every call and an auditor can check a file against its manifest.
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import type { AccessPath } from '../access/index.js';
import { csvOptions, describePaths } from '../api/export-rows.js';
import {
  ITEM_OUTCOME_STATUSES,
  REVIEW_FLAGS,
  type ItemOutcomeStatus,
  type RemediationPlan,
  type ReviewCampaign,
  type ReviewItem,
} from './review-model.js';

export type ReviewReportFormat = 'csv' | 'json' | 'manifest';

/** One format's answer: its media type and body text (UTF-8). */
export interface ReviewReport {
  contentType: string;
  body: string;
}

const CONTENT_TYPES: Record<ReviewReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  manifest: 'application/json; charset=utf-8',
};

const OUTCOME_STATUSES: readonly ItemOutcomeStatus[] = ITEM_OUTCOME_STATUSES;

const CSV_COLUMNS = [
  'campaignId',
  'campaignName',
  'itemId',
  'accountId',
  'displayName',
  'accountStatus',
  'workspaceRole',
  'resourceType',
  'resourceId',
  'resourceName',
  'projectKey',
  'permission',
  'paths',
  'lastActivity',
  'flags',
  'reviewer',
  'reviewerRule',
  'decision',
  'comment',
  'decidedBy',
  'decidedAt',
  'plan',
  'alsoRemoves',
  'outcome',
  'detail',
  'requestIds',
  'verifiedAt',
] as const;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Items by user, resource type, resource name, resource id and item id. */
function sorted(items: readonly ReviewItem[]): ReviewItem[] {
  return [...items].sort(
    (a, b) =>
      compare(a.accountId, b.accountId) ||
      compare(a.resource.type, b.resource.type) ||
      compare(a.resource.name, b.resource.name) ||
      compare(a.resource.id, b.resource.id) ||
      compare(a.itemId, b.itemId),
  );
}

/** A path rebuilt field by field in its fixed order (`via`, `group`, `project`, `permission`). */
function pathOf(path: AccessPath<string>): AccessPath<string> {
  const group = 'group' in path && path.group !== undefined ? { group: path.group } : {};
  const project = 'project' in path ? { project: path.project } : {};
  return { via: path.via, ...group, ...project, permission: path.permission } as AccessPath<string>;
}

function actionOf(action: RemediationPlan['actions'][number]) {
  return {
    kind: action.kind,
    resource: {
      type: action.resource.type,
      ...(action.resource.id === undefined ? {} : { id: action.resource.id }),
      ...(action.resource.slug === undefined ? {} : { slug: action.resource.slug }),
      ...(action.resource.key === undefined ? {} : { key: action.resource.key }),
    },
    principal: { type: action.principal.type, accountId: action.principal.accountId },
    permission: action.permission,
    description: action.description,
    alsoRemoves: [...action.alsoRemoves],
  };
}

function planOf(plan: RemediationPlan) {
  return {
    actions: plan.actions.map(actionOf),
    ...(plan.cannotRemove
      ? { cannotRemove: { reason: plan.cannotRemove.reason, detail: plan.cannotRemove.detail } }
      : {}),
    ...(plan.wouldAlsoNeed?.length ? { wouldAlsoNeed: plan.wouldAlsoNeed.map(actionOf) } : {}),
  };
}

/** The plan in one line: its changes, then why some access cannot be removed here. */
function planSummary(plan: RemediationPlan | undefined): string | null {
  if (!plan) return null;
  const parts = plan.actions.map((action) => action.description);
  if (plan.cannotRemove)
    parts.push(`cannot be removed here (${plan.cannotRemove.reason}): ${plan.cannotRemove.detail}`);
  return parts.join('; ');
}

/** One JSON row: the campaign, the frozen item, the decision, the plan and the outcome. */
function jsonRow(campaign: ReviewCampaign, item: ReviewItem) {
  return {
    campaignId: campaign.id,
    campaignName: campaign.name,
    itemId: item.itemId,
    accountId: item.accountId,
    displayName: item.displayName,
    accountStatus: item.accountStatus,
    workspaceRole: item.workspaceRole,
    resource: {
      type: item.resource.type,
      id: item.resource.id,
      name: item.resource.name,
      projectKey: item.resource.projectKey ?? null,
    },
    permission: item.permission,
    paths: item.paths.map(pathOf),
    lastActivity: item.lastActivity,
    // In the model's order, whatever order the item holds them in.
    flags: REVIEW_FLAGS.filter((flag) => item.flags.includes(flag)),
    reviewer: item.reviewer,
    reviewerRule: item.reviewerRule,
    decision: item.decision?.decision ?? null,
    comment: item.decision?.comment ?? null,
    decidedBy: item.decision?.decidedBy ?? null,
    decidedAt: item.decision?.decidedAt ?? null,
    plan: item.plan ? planOf(item.plan) : null,
    outcome: item.outcome?.status ?? null,
    detail: item.outcome?.detail ?? null,
    requestIds: [...(item.outcome?.requestIds ?? [])],
    verifiedAt: item.outcome?.verifiedAt ?? null,
  };
}

type JsonRow = ReturnType<typeof jsonRow>;

function csvRecord(row: JsonRow): (string | null)[] {
  const cells: Record<(typeof CSV_COLUMNS)[number], string | null> = {
    ...row,
    resourceType: row.resource.type,
    resourceId: row.resource.id,
    resourceName: row.resource.name,
    projectKey: row.resource.projectKey,
    paths: describePaths(row.paths),
    flags: row.flags.join('; '),
    plan: planSummary(row.plan ?? undefined),
    alsoRemoves: row.plan?.actions.flatMap((action) => action.alsoRemoves).join('; ') ?? null,
    requestIds: row.requestIds.join('; '),
  };
  return CSV_COLUMNS.map((column) => cells[column]);
}

/** RFC 4180 as the export writes it: header, CRLF, quoted only when needed, formulas neutralised. */
function csvBody(rows: readonly JsonRow[]): string {
  return stringify(rows.map(csvRecord), csvOptions(CSV_COLUMNS));
}

function jsonBody(campaign: ReviewCampaign, rows: readonly JsonRow[]): string {
  return `${JSON.stringify({ campaign: campaignOf(campaign), items: rows }, null, 2)}\n`;
}

function campaignOf(campaign: ReviewCampaign) {
  return {
    id: campaign.id,
    name: campaign.name,
    workspace: { id: campaign.workspaceId, slug: campaign.workspaceSlug },
    status: campaign.status,
    dueAt: campaign.dueAt,
    createdBy: campaign.createdBy,
    createdAt: campaign.createdAt,
    closedBy: campaign.closedBy ?? null,
    closedAt: campaign.closedAt ?? null,
  };
}

function fileOf(body: string) {
  return {
    sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
    bytes: Buffer.byteLength(body, 'utf8'),
  };
}

function countBy<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const counts = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  for (const value of values) counts[value] += 1;
  return counts;
}

function manifestBody(campaign: ReviewCampaign, items: readonly ReviewItem[], csv: string, json: string) {
  const byReviewer = new Map<string, { items: number; decided: number }>();
  for (const item of items) {
    const key = item.reviewer ?? '';
    const entry = byReviewer.get(key) ?? { items: 0, decided: 0 };
    entry.items += 1;
    if (item.decision) entry.decided += 1;
    byReviewer.set(key, entry);
  }
  const scope = campaign.scope;
  const manifest = {
    campaign: campaignOf(campaign),
    scope: {
      projects: [...(scope.projects ?? [])].sort(compare),
      repositories: [...(scope.repositories ?? [])].sort(compare),
      groups: [...(scope.groups ?? [])].sort(compare),
    },
    snapshotAt: campaign.snapshotAt,
    freshnessSeconds: Object.fromEntries(
      Object.keys(campaign.freshnessSeconds)
        .sort(compare)
        .map((kind) => [kind, campaign.freshnessSeconds[kind] ?? null]),
    ),
    items: items.length,
    // Items nobody is assigned to are decided by administrators: `principal` null.
    reviewers: [...byReviewer.entries()]
      .sort(([a], [b]) => compare(a, b))
      .map(([principal, counts]) => ({ principal: principal === '' ? null : principal, ...counts })),
    decisions: countBy(
      ['keep', 'revoke', 'undecided'],
      items.map((item) => item.decision?.decision ?? 'undecided'),
    ),
    // `pending`: no outcome yet (the campaign is not closed).
    outcomes: countBy(
      [...OUTCOME_STATUSES, 'pending'],
      items.map((item) => item.outcome?.status ?? 'pending'),
    ),
    files: { csv: fileOf(csv), json: fileOf(json) },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The campaign's report in `format`:
 * - `csv`: one row per item (columns CSV_COLUMNS: campaign id and name, user, resource, permission, paths
 *   as the export writes them, flags, reviewer, decision, comment, decidedBy/At, plan summary and what it
 *   also removes, outcome, detail, provisioning request ids, verifiedAt); cells starting =, +, -, @, tab
 *   or CR get an apostrophe;
 * - `json`: `{campaign, items}` with the same rows, paths and plans structured;
 * - `manifest`: campaign, scope, snapshotAt, freshnessSeconds, reviewers (principal, items, decided),
 *   decision and outcome counts, and `files.{csv,json}.{sha256, bytes}` over the exact bodies the other
 *   two formats answer for the same campaign and items.
 * Items are sorted by user, resource type, name and id, so the order they come in does not matter.
 * Pure and synchronous; never throws for a well-formed campaign.
 */
export function reviewReport(
  campaign: ReviewCampaign,
  items: readonly ReviewItem[],
  format: ReviewReportFormat,
): ReviewReport {
  const rows = sorted(items).map((item) => jsonRow(campaign, item));
  const csv = format === 'json' ? '' : csvBody(rows);
  const json = format === 'csv' ? '' : jsonBody(campaign, rows);
  const body = format === 'csv' ? csv : format === 'json' ? json : manifestBody(campaign, items, csv, json);
  return { contentType: CONTENT_TYPES[format], body };
}
