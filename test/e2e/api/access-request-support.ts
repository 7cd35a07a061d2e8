// What the access-request e2e tests share: picking a member and a repository to grant on, reading the
// simulator's truth about a grant, and running the expiry job as if a given time were now.
import { provisioningDependenciesOf } from '../../../lib/api/provisioning-handlers.js';
import { expireAccessGrants, type GrantExpiryReport } from '../../../lib/requests/grant-expiry.js';
import type { ApiFixture } from './api-fixture.js';

/**
 * The `offset`-th plain member of the seed's first workspace (skipping `exclude`) and a repository on which
 * they hold no explicit grant, so a grant to them is a real change.
 */
export function memberAndRepository(
  fixture: ApiFixture,
  offset: number,
  exclude: readonly string[] = [],
): { accountId: string; slug: string } {
  const workspace = fixture.seed.workspaces[0]!;
  const accountId = workspace.members.filter(
    (member) => member.role === 'member' && !exclude.includes(member.accountId),
  )[offset]!.accountId;
  const repository = workspace.repositories.find(
    (entry) => !entry.userGrants.some((grant) => grant.accountId === accountId),
  )!;
  return { accountId, slug: repository.slug };
}

/** The permission the simulator gives `accountId` directly on `repositorySlug`, or null. */
export async function simulatorGrant(
  fixture: ApiFixture,
  repositorySlug: string,
  accountId: string,
): Promise<string | null> {
  const truth = (await fixture.harness.groundTruth()).workspaces[0]!;
  const repository = truth.repositories.find((entry) => entry.slug === repositorySlug)!;
  return repository.userGrants.find((grant) => grant.accountId === accountId)?.permission ?? null;
}

/** Runs the expiry job as if `at` were now (the provisioning it does keeps the real clock). */
export function runExpiry(fixture: ApiFixture, at: Date): Promise<GrantExpiryReport> {
  const { accessRequests, store } = fixture.dependencies;
  return expireAccessGrants({
    accessRequests,
    store,
    provisioning: provisioningDependenciesOf(fixture.dependencies),
    now: () => at,
  });
}
