// What the campaign-close tests share: the item a campaign would freeze for a user on a resource (as
// campaign creation freezes it: reviewedAccess, public paths shown), decided and planned when asked, and
// the close's dependencies on an API fixture.
import { provisioningDependenciesOf } from '../../../lib/api/provisioning-handlers.js';
import type { CampaignCloseDependencies } from '../../../lib/reviews/campaign-close.js';
import { reviewedAccess } from '../../../lib/reviews/campaign-items.js';
import { planRemediation } from '../../../lib/reviews/remediation-plan.js';
import type { ReviewDecision, ReviewItem } from '../../../lib/reviews/review-model.js';
import type { ApiFixture } from '../api/api-fixture.js';

/** The seeds' account ids: `557058:` and the nickname. */
export const id = (nickname: string) => `557058:${nickname}`;

/** What closeCampaign needs from the fixture; verification retries quickly (3 reads, 20 ms apart). */
export function closeDependenciesOf(fixture: ApiFixture): CampaignCloseDependencies {
  return {
    provisioning: provisioningDependenciesOf(fixture.dependencies),
    syncState: fixture.dependencies.syncState,
    verification: { attempts: 3, delayMs: 20 },
  };
}

/** Which item to build: whose, on what, under which campaign, and the decision it holds (none: undecided). */
export interface ItemSpec {
  campaignId: string;
  nickname: string;
  type: 'project' | 'repository';
  /** Project key or repository slug. */
  name: string;
  /** A repository's project key, when the test wants it on the item (projects carry their own key). */
  projectKey?: string;
  decision?: ReviewDecision;
}

/**
 * The item a campaign freezes for `spec.nickname` on `spec.name`, from the fixture's stored facts; with a
 * decision by `reviewer` when given, and for a revoke the plan planRemediation makes.
 * @throws Error when the user has no access to that resource.
 */
export async function frozenItem(fixture: ApiFixture, spec: ItemSpec): Promise<ReviewItem> {
  const { type, name } = spec;
  const accountId = id(spec.nickname);
  const { facts } = await fixture.dependencies.store.loadUserReviewFacts(fixture.workspace.id, accountId);
  const access = reviewedAccess(facts, accountId);
  const entry =
    type === 'project'
      ? access?.projects.find((project) => project.key === name)
      : access?.repositories.find((repository) => repository.slug === name);
  if (!access || !entry) throw new Error(`${spec.nickname} has no item on ${type} ${name}`);
  const projectKey = type === 'project' ? name : spec.projectKey;
  const frozen: ReviewItem = {
    campaignId: spec.campaignId,
    itemId: `${type}:${entry.uuid}:${accountId}`,
    accountId,
    displayName: access.user.displayName,
    accountStatus: 'active',
    workspaceRole: access.user.role,
    resource: { type, id: entry.uuid, name, ...(projectKey !== undefined ? { projectKey } : {}) },
    permission: entry.permission,
    paths: entry.paths,
    lastActivity: null,
    flags: [],
    reviewer: 'reviewer',
    reviewerRule: 'named',
  };
  if (!spec.decision) return frozen;
  const decided = { decision: spec.decision, decidedBy: 'reviewer', decidedAt: new Date().toISOString() };
  return {
    ...frozen,
    decision: decided,
    ...(spec.decision === 'revoke' ? { plan: planRemediation(frozen, facts) } : {}),
  };
}
