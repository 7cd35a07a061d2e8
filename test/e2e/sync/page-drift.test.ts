// Pages are not a snapshot, end to end: the simulator over HTTP shifts every paged listing between two
// page reads (its page-drift fault), the real client and source, DynamoDB Local. A pass over an unchanged
// workspace removes nothing; what a walk skipped is confirmed by one direct read, counted with the rest.
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../../lib/simulator/index.js';
import { runSyncStep, runUntilPassComplete } from '../../../lib/sync/index.js';
import {
  expectedPicture,
  lowerBoundRequests,
  startHarness,
  workspaceRefOf,
  type Harness,
} from '../../support/governance-harness.js';

// Members (150) and repositories (120) take two pages each: both walks drift at page 2.
const SEED = 'generated:users=150,groups=6,projects=8,repos=120,seed=7';
const alwaysDue = { membershipIntervalMs: 0, listingIntervalMs: 0, grantIntervalMs: 0 };
const MEMBER_READ = 'GET /2.0/workspaces/{workspace}/permissions';
const REPOSITORY_READ = 'GET /2.0/repositories/{workspace}/{repo_slug}';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface Counts {
  total: number;
  byRoute: { method: string; route: string; count: number }[];
}

async function counts(target: Harness): Promise<Counts> {
  return target.control<Counts>('GET', '/_simulator/requests');
}

/** Requests per `METHOD route` since `before`. */
function spentSince(before: Counts, after: Counts): Map<string, number> {
  const spent = new Map<string, number>();
  const add = (entries: Counts['byRoute'], sign: number) => {
    for (const entry of entries) {
      // `route` is already `METHOD /template`.
      spent.set(entry.route, (spent.get(entry.route) ?? 0) + sign * entry.count);
    }
  };
  add(after.byRoute, 1);
  add(before.byRoute, -1);
  return spent;
}

/** Every paged listing of every walk drifts at page 2, for the rest of the test. */
async function driftEveryListing(target: Harness, drift: 'insert' | 'delete'): Promise<void> {
  await target.control('DELETE', '/_simulator/faults');
  await target.control('POST', '/_simulator/faults', {
    faults: [{ kind: 'page-drift', drift, match: { pathPrefix: '/2.0/' }, times: 100_000 }],
  });
}

async function syncedHarness(): Promise<{
  seed: SeedDocument;
  workspace: ReturnType<typeof workspaceRefOf>;
}> {
  harness = await startHarness({ seed: SEED, settings: alwaysDue });
  const seed = await harness.groundTruth();
  const workspace = workspaceRefOf(seed);
  const first = await runUntilPassComplete(harness.dependencies, workspace);
  expect(first.completed).toBe(true);
  expect(await harness.storedPicture(workspace.id)).toEqual(expectedPicture(seed, workspace.slug));
  return { seed, workspace };
}

describe('a repeated item', () => {
  it('a first step whose members page 2 repeats the last member of page 1, in every walk, stores all 238 members', async () => {
    harness = await startHarness({ seed: 'generated:users=238,groups=2,projects=2,repos=5,seed=3' });
    const seed = await harness.groundTruth();
    const workspace = workspaceRefOf(seed);
    // A busy workspace: every walk of the members listing meets the repeat (times counts pages).
    await harness.control('POST', '/_simulator/faults', {
      faults: [
        {
          kind: 'repeated-item',
          match: { pathPrefix: `/2.0/workspaces/${workspace.slug}/permissions` },
          times: 1000,
        },
      ],
    });

    const step = await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);

    expect(step.scopesFailed).toBe(0);
    expect(step.passCompleted).toBe(true);
    const picture = await harness.storedPicture(workspace.id);
    expect(picture).toEqual(expectedPicture(seed, workspace.slug));
    expect(picture.filter((line) => line.startsWith('resource/user/'))).toHaveLength(238);
    // The fault was served: pages 2 and 3 of the one members walk (238 members) each repeated an item.
    const faults = await harness.control<{ faults: { times: number }[] }>('GET', '/_simulator/faults');
    expect(faults.faults[0]?.times).toBe(1000 - 2);
  });
});

describe('page drift on every listing', () => {
  for (const drift of ['delete', 'insert'] as const) {
    it(`a pass over an unchanged workspace writes no removal (drift: ${drift})`, async () => {
      const { seed, workspace } = await syncedHarness();
      const target = harness!;
      const writesBefore = target.modelWrites.count;
      await driftEveryListing(target, drift);
      const before = await counts(target);

      const pass = await runSyncStep(target.dependencies, workspace, Date.now() + 120_000);

      expect(pass.passCompleted).toBe(true);
      expect(pass.scopesFailed).toBe(0);
      expect(pass.changes).toBe(0);
      expect(target.modelWrites.count).toBe(writesBefore);
      expect(await target.storedPicture(workspace.id)).toEqual(expectedPicture(seed, workspace.slug));
      const after = await counts(target);
      const spent = spentSince(before, after);
      const confirming = after.total - before.total - lowerBoundRequests(seed);
      if (drift === 'delete') {
        // One member and one repository skipped: one direct read each, and nothing else extra.
        expect(spent.get(REPOSITORY_READ)).toBe(1);
        expect(spent.get(MEMBER_READ)).toBe(2 + 1);
        expect(confirming).toBe(2);
      } else {
        // A repeat loses nothing: merged, no read.
        expect(spent.get(REPOSITORY_READ) ?? 0).toBe(0);
        expect(confirming).toBe(0);
      }
      console.info(`page drift (${drift}): ${confirming} request(s) spent confirming in a full pass`);
    });
  }

  it('a member and a repository really deleted are removed, after the reads that confirm them', async () => {
    const { workspace } = await syncedHarness();
    const target = harness!;
    const truth = await target.groundTruth();
    const ws = truth.workspaces[0]!;
    const leaving = ws.members.find((entry) => entry.role === 'member')!;
    const deleted = ws.repositories[10]!;
    await target.mutate([
      { op: 'removeMember', workspace: ws.slug, accountId: leaving.accountId },
      { op: 'deleteRepository', workspace: ws.slug, slug: deleted.slug },
    ]);
    await driftEveryListing(target, 'delete');
    const before = await counts(target);

    const pass = await runSyncStep(target.dependencies, workspace, Date.now() + 120_000);

    expect(pass.passCompleted).toBe(true);
    const now = await target.groundTruth();
    expect(await target.storedPicture(workspace.id)).toEqual(expectedPicture(now, workspace.slug));
    const spent = spentSince(before, await counts(target));
    // The deleted repository and the one the walk skipped: two reads; likewise for members.
    expect(spent.get(REPOSITORY_READ)).toBe(2);
    expect(spent.get(MEMBER_READ)).toBe(2 + 2);
  });
});
