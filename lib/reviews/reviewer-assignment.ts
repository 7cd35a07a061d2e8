// Who reviews each frozen item (issue 21), by rule, first that yields someone:
// 1. `named`: the campaign's named reviewers for the item's repository slug, else for its project key
//    (a repository item uses its project's key);
// 2. `resource-admin`: the accounts holding admin on the item's resource through a grant;
// 3. `workspace-owner`: the workspace owners;
// else `unassigned` (reviewer null: administrators decide).
// Nobody reviews their own access: a candidate who is the item's user is skipped, and a rule left empty
// passes to the next. Accounts become policy principals through the policy's exact statements.
import type { ReviewerRule, ReviewerRules, ReviewItem } from './review-model.js';

/** How reviewers are found in the authorization policy (AuthorizationPolicy fits). */
export interface ReviewerDirectory {
  /** Exact principals naming a Bitbucket account, sorted (AuthorizationPolicy.principalsOfAccount). */
  principalsOfAccount(accountId: string): string[];
  /** The Bitbucket account a principal is, when the policy says. */
  accountIdOf(principal: string): string | undefined;
}

export interface AssignmentContext {
  rules: ReviewerRules;
  /** Resource key `{type}:{id}` → accounts administering it (campaign-items.ts `resourceAdmins`). */
  admins: ReadonlyMap<string, readonly string[]>;
  /** Workspace owners' account ids. */
  owners: readonly string[];
  directory: ReviewerDirectory;
  /** Whether a principal may review in this workspace (holds a role there); default: anyone. */
  canReview?: (principal: string) => boolean;
}

type Assigned = Pick<ReviewItem, 'reviewer' | 'reviewerRule'>;

/** The first principal among `principals` who may review and is not the item's own user. */
function firstEligible(
  principals: readonly string[],
  item: Pick<ReviewItem, 'accountId'>,
  context: AssignmentContext,
): string | undefined {
  return principals.find(
    (principal) =>
      context.directory.accountIdOf(principal) !== item.accountId && (context.canReview?.(principal) ?? true),
  );
}

/** The first (sorted) principal of the first (sorted) account, other than the item's user, that has one. */
function principalOfAccounts(
  accounts: readonly string[],
  item: Pick<ReviewItem, 'accountId'>,
  context: AssignmentContext,
): string | undefined {
  for (const accountId of [...accounts].sort()) {
    if (accountId === item.accountId) continue;
    const principal = firstEligible(context.directory.principalsOfAccount(accountId), item, context);
    if (principal !== undefined) return principal;
  }
  return undefined;
}

/**
 * The reviewer of one item and the rule that chose them. Named reviewers are taken in the order the
 * campaign lists them; accounts are mapped to principals sorted, first wins, so the answer is the same
 * for the same picture.
 */
export function assignReviewer(
  item: Pick<ReviewItem, 'accountId' | 'resource'>,
  context: AssignmentContext,
): Assigned {
  const named = [
    ...(item.resource.type === 'repository' ? [context.rules.repositories?.[item.resource.name]] : []),
    item.resource.projectKey !== undefined ? context.rules.projects?.[item.resource.projectKey] : undefined,
  ];
  for (const list of named) {
    const reviewer = list && firstEligible(list, item, context);
    if (reviewer) return { reviewer, reviewerRule: 'named' };
  }
  const steps: [Exclude<ReviewerRule, 'named' | 'unassigned'>, readonly string[]][] = [
    ['resource-admin', context.admins.get(`${item.resource.type}:${item.resource.id}`) ?? []],
    ['workspace-owner', context.owners],
  ];
  for (const [rule, accounts] of steps) {
    const reviewer = principalOfAccounts(accounts, item, context);
    if (reviewer) return { reviewer, reviewerRule: rule };
  }
  return { reviewer: null, reviewerRule: 'unassigned' };
}

/** Every item with its reviewer set (new objects; the input is not changed). */
export function assignReviewers(items: readonly ReviewItem[], context: AssignmentContext): ReviewItem[] {
  return items.map((item) => ({ ...item, ...assignReviewer(item, context) }));
}
