// Request and answer bodies of access reviews (`/v1/…/reviews`, lib/reviews). The OpenAPI document is
// generated from these same schemas; the shapes follow lib/reviews/review-model.ts.
import * as z from 'zod';
import { freeText } from './free-text.js';
import { ITEM_OUTCOME_STATUSES, REVIEW_FLAGS } from '../reviews/review-model.js';

const Names = (what: string) =>
  z
    .array(z.string().trim().min(1, `a ${what}`).max(255))
    .max(1000)
    .optional()
    .describe(`${what}s`);

/** What a campaign covers; several kinds given: the union; none: everything the workspace holds. */
export const ReviewScopeBody = z.strictObject({
  projects: Names('project key'),
  repositories: Names('repository slug'),
  groups: Names('group slug'),
});

const ReviewerList = z.array(z.string().trim().min(1, 'a policy principal')).min(1, 'at least one reviewer');

/** Named reviewers (policy principals) per project key and per repository slug: the first assignment rule. */
export const ReviewerRulesBody = z.strictObject({
  projects: z.record(z.string(), ReviewerList).optional().describe('project key → principals'),
  repositories: z.record(z.string(), ReviewerList).optional().describe('repository slug → principals'),
});

export const CreateReviewBody = z.strictObject({
  name: z.string().trim().min(1, 'a name').max(200),
  dueAt: z.iso.datetime({ offset: true }).describe('ISO 8601: when decisions are due'),
  scope: ReviewScopeBody.optional(),
  reviewers: ReviewerRulesBody.optional(),
});
export type CreateReviewBody = z.infer<typeof CreateReviewBody>;

/** At most this many campaigns per page of `GET /v1/workspaces/{ws}/reviews` (the default too). */
export const MAX_REVIEWS_PER_PAGE = 50;

export const ReviewsQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9]\d?$/, `a whole number from 1 to ${MAX_REVIEWS_PER_PAGE}`)
    .refine(
      (value) => Number(value) <= MAX_REVIEWS_PER_PAGE,
      `a whole number from 1 to ${MAX_REVIEWS_PER_PAGE}`,
    )
    .optional()
    .describe(`campaigns per page, default ${MAX_REVIEWS_PER_PAGE}`),
  cursor: z.string().min(1).optional().describe('the `cursor` of the previous page'),
});

export const REVIEW_DECISION_FILTERS = ['keep', 'revoke', 'undecided'] as const;

export const ReviewItemsQuery = z.strictObject({
  reviewer: z.string().min(1).optional().describe('policy principal the items are assigned to'),
  decision: z.enum(REVIEW_DECISION_FILTERS).optional(),
});

/** At most this many decisions per call (one transaction per 99). */
export const MAX_DECISIONS_PER_CALL = 1000;

export const ReviewDecisionsBody = z
  .array(
    z.strictObject({
      itemId: z.string().min(1, 'an item id').max(300, 'an item id of at most 300 characters'),
      decision: z.enum(['keep', 'revoke']),
      comment: freeText.max(2000).optional(),
    }),
  )
  .min(1, 'at least one decision')
  .max(MAX_DECISIONS_PER_CALL, `at most ${MAX_DECISIONS_PER_CALL} decisions`)
  .superRefine((decisions, context) => {
    const seen = new Set<string>();
    decisions.forEach((entry, index) => {
      if (seen.has(entry.itemId)) {
        context.addIssue({ code: 'custom', path: [index, 'itemId'], message: `item ${entry.itemId} twice` });
      }
      seen.add(entry.itemId);
    });
  });
export type ReviewDecisionsBody = z.infer<typeof ReviewDecisionsBody>;

export const CloseReviewBody = z.strictObject({
  dryRun: z.boolean().optional().describe('report what closing would execute, change nothing'),
});

export const ReviewReportQuery = z.strictObject({
  format: z.enum(['csv', 'json', 'manifest']).optional().describe('default json'),
});

const ReviewScopeAnswer = z.object({
  projects: z.array(z.string()).optional(),
  repositories: z.array(z.string()).optional(),
  groups: z.array(z.string()).optional(),
});

const ReviewerRulesAnswer = z.object({
  projects: z.record(z.string(), z.array(z.string())).optional(),
  repositories: z.record(z.string(), z.array(z.string())).optional(),
});

const CAMPAIGN_FIELDS = {
  id: z.string(),
  workspace: z.string().describe('workspace slug'),
  name: z.string(),
  dueAt: z.string(),
  scope: ReviewScopeAnswer,
  reviewers: ReviewerRulesAnswer,
  status: z.enum(['open', 'closing', 'closed']),
  createdBy: z.string(),
  createdAt: z.string(),
  snapshotAt: z.string().describe('when the items were frozen'),
  freshnessSeconds: z
    .record(z.string(), z.number().nullable())
    .describe('age of each scope kind at the snapshot (null: never read)'),
  itemCount: z.number().int(),
  closedBy: z.string().optional(),
  closedAt: z.string().optional(),
};

export const ReviewCampaignAnswer = z.object(CAMPAIGN_FIELDS);

const ProgressCount = z.object({ decided: z.number().int(), total: z.number().int() });

export const ReviewProgressAnswer = z.object({
  ...CAMPAIGN_FIELDS,
  progress: ProgressCount.extend({
    byReviewer: z
      .array(ProgressCount.extend({ reviewer: z.string().nullable().describe('null: administrators') }))
      .describe('sorted by reviewer, unassigned last'),
  }),
});

export const ReviewsAnswer = z.object({
  workspace: z.string(),
  reviews: z
    .array(z.object({ ...CAMPAIGN_FIELDS, progress: ProgressCount }))
    .describe('newest first; `progress`: decided and total items'),
  cursor: z.string().optional().describe('pass back as `cursor` for the next (older) page'),
});

const ReviewPath = z.object({
  via: z.string(),
  permission: z.string(),
  group: z.string().optional(),
  project: z.string().optional(),
});

const RemediationAction = z.object({
  kind: z.enum(['revoke-direct-grant', 'remove-group-member', 'revoke-project-grant']),
  resource: z.record(z.string(), z.string()),
  principal: z.record(z.string(), z.string()),
  permission: z.string(),
  description: z.string(),
  alsoRemoves: z.array(z.string()),
});

export const ReviewItemAnswer = z.object({
  itemId: z.string().describe('`{resourceType}:{resourceId}:{accountId}`'),
  accountId: z.string(),
  displayName: z.string(),
  accountStatus: z.string().nullable(),
  workspaceRole: z.string().nullable(),
  resource: z.object({
    type: z.enum(['project', 'repository']),
    id: z.string(),
    name: z.string(),
    projectKey: z.string().optional(),
  }),
  permission: z.string(),
  paths: z.array(ReviewPath),
  lastActivity: z.string().nullable(),
  flags: z.array(z.enum(REVIEW_FLAGS)),
  reviewer: z.string().nullable(),
  reviewerRule: z.enum(['named', 'resource-admin', 'workspace-owner', 'unassigned']),
  decision: z
    .object({
      decision: z.enum(['keep', 'revoke']),
      comment: z.string().optional(),
      decidedBy: z.string(),
      decidedAt: z.string(),
    })
    .optional(),
  plan: z
    .object({
      actions: z.array(RemediationAction),
      cannotRemove: z.object({ reason: z.string(), detail: z.string() }).optional(),
      wouldAlsoNeed: z
        .array(RemediationAction)
        .optional()
        .describe('changes the plan holds back because the access cannot be removed here anyway; never run'),
    })
    .optional(),
  outcome: z
    .object({
      status: z.enum(ITEM_OUTCOME_STATUSES),
      detail: z.string().optional(),
      reason: z.string().optional().describe('cannot-remove: why (workspace-owner, public-repository…)'),
      changedBy: z
        .object({
          itemIds: z.array(z.string()),
          actions: z.array(z.string()),
          permissionBefore: z.string(),
          permissionAfter: z.string().nullable(),
        })
        .optional()
        .describe('removed-by-another-revoke: the revoke that took this kept access, and what is left'),
      requestIds: z.array(z.string()).optional(),
      verifiedAt: z.string().optional(),
    })
    .optional(),
});

export const ReviewItemsAnswer = z.object({ review: z.string(), items: z.array(ReviewItemAnswer) });

export const ReviewDecisionsAnswer = z.object({
  review: z.string(),
  items: z.array(ReviewItemAnswer).describe('the decided items as stored now'),
});

/** What closing answers: the campaign and its outcomes (lib/reviews/campaign-close.ts gives the detail). */
export const CloseReviewAnswer = z.looseObject({
  id: z.string().optional(),
  status: z.string().optional(),
});

/** The report: JSON document, CSV text (`text/csv`) or the manifest naming both files' SHA-256. */
export const ReviewReportAnswer = z.union([z.looseObject({}), z.string()]);
