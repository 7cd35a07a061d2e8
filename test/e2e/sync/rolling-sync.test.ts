// The rolling sync end to end: the simulator over HTTP, the real client, DynamoDB Local.
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeUuid } from '../../../lib/model/index.js';
import type { SeedDocument } from '../../../lib/simulator/index.js';
import { runSyncStep, runUntilPassComplete } from '../../../lib/sync/index.js';
import {
  expectedPicture,
  lowerBoundRequests,
  startHarness,
  workspaceRefOf,
  type Harness,
} from '../../support/governance-harness.js';

const SEED = 'generated:users=250,groups=10,projects=12,repos=150,seed=7';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const workspaceOf = (seed: SeedDocument) => workspaceRefOf(seed);

const lowerBound = (seed: SeedDocument) => lowerBoundRequests(seed);

/** Counts the store's queries for the key range starting at `from` (from now on). */
function countQueriesFrom(target: Harness, from: string): { count: number } {
  const counter = { count: 0 };
  target.documentClient.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { ExpressionAttributeValues?: Record<string, unknown> };
      if (input.ExpressionAttributeValues?.[':from'] === from) counter.count += 1;
      return next(args);
    },
    { step: 'initialize', name: `countQueriesFrom-${from}` },
  );
  return counter;
}

/** Makes every scope due again, as if its interval had passed. */
const alwaysDue = { membershipIntervalMs: 0, listingIntervalMs: 0, grantIntervalMs: 0 };

describe('rolling sync', () => {
  it('reads a workspace in exactly the listing requests its scopes need, and stores the ground truth', async () => {
    harness = await startHarness({ seed: SEED });
    const seed = await harness.groundTruth();
    const workspace = workspaceOf(seed);
    const progress: { refreshed: number; total: number }[] = [];
    const result = await runUntilPassComplete(harness.dependencies, workspace, {
      onProgress: (update) => progress.push(update),
    });
    expect(result.completed).toBe(true);
    // Progress after every scope, not once per step: the bar moves while one long step runs.
    expect(result.steps).toHaveLength(1);
    expect(progress.length).toBeGreaterThan(4 + 12 + 150);
    expect(progress.at(-1)).toMatchObject({ refreshed: 4 + 12 + 150, total: 4 + 12 + 150 });
    expect(await harness.requestTotal()).toBe(lowerBound(seed));
    expect(result.requests).toBe(lowerBound(seed));
    expect(await harness.storedPicture(workspace.id)).toEqual(expectedPicture(seed, workspace.slug));
    const status = await harness.syncState.getStatus(workspace.id);
    expect(status?.lastCompletedPass).toMatchObject({ requests: lowerBound(seed), scopes: 4 + 12 + 150 });
  });

  it('writes no resource or grant item when a pass finds nothing changed', async () => {
    harness = await startHarness({ seed: SEED, settings: alwaysDue });
    const workspace = workspaceOf(await harness.groundTruth());
    await runUntilPassComplete(harness.dependencies, workspace);
    const firstPassWrites = harness.modelWrites.count;
    expect(firstPassWrites).toBeGreaterThan(150);
    const second = await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);
    expect(second.passCompleted).toBe(true);
    expect(second.scopesRefreshed).toBe(4 + 12 + 150);
    expect(second.changes).toBe(0);
    expect(harness.modelWrites.count).toBe(firstPassWrites);
  });

  it('picks up admin changes made in Bitbucket on the next pass', async () => {
    harness = await startHarness({ seed: SEED, settings: alwaysDue });
    const before = await harness.groundTruth();
    const workspace = workspaceOf(before);
    await runUntilPassComplete(harness.dependencies, workspace);
    const ws = before.workspaces[0]!;
    const member = ws.members.find((entry) => entry.role === 'member')!;
    const group = ws.groups.find((entry) => entry.members.length > 0)!;
    const project = ws.projects[1]!;
    const [renamed, deleted, moved] = ws.repositories;
    const grantTarget = ws.repositories[5]!;
    await harness.mutate([
      { op: 'removeMember', workspace: ws.slug, accountId: member.accountId },
      ...group.members.map((accountId) => ({
        op: 'removeGroupMember',
        workspace: ws.slug,
        group: group.slug,
        accountId,
      })),
      {
        op: 'grantRepository',
        workspace: ws.slug,
        repository: grantTarget.slug,
        group: group.slug,
        permission: 'admin',
      },
      { op: 'deleteRepository', workspace: ws.slug, slug: deleted!.slug },
      {
        op: 'renameRepository',
        workspace: ws.slug,
        slug: renamed!.slug,
        newSlug: `${renamed!.slug}-renamed`,
        newName: 'Renamed',
      },
      { op: 'moveRepository', workspace: ws.slug, slug: moved!.slug, project: project.key },
    ]);
    const second = await runUntilPassComplete(harness.dependencies, workspace);
    expect(second.completed).toBe(true);
    const after = await harness.groundTruth();
    expect(await harness.storedPicture(workspace.id)).toEqual(expectedPicture(after, ws.slug));
    const picture = (await harness.storedPicture(workspace.id)).join('\n');
    expect(picture).not.toContain(`/user/${member.accountId}=`);
    expect(picture).not.toContain(normalizeUuid(deleted!.uuid));
    const changes = await harness.store.listChangesSince(workspace.id, '2000-01-01T00:00:00.000Z', {
      limit: 10_000,
    });
    expect(
      changes.changes.some(
        (change) => change.item === `resource/user/${member.accountId}` && change.after === null,
      ),
    ).toBe(true);
  });

  it('stops at a 429 storm, records when to resume, and completes later without losing anything', async () => {
    let clock = Date.now();
    harness = await startHarness({ seed: SEED, now: () => new Date(clock) });
    const seed = await harness.groundTruth();
    const workspace = workspaceOf(seed);
    // Let the listings through, then answer 429 to every grant listing for a while.
    await harness.control('POST', '/_simulator/faults', {
      faults: [
        { match: { pathPrefix: '/2.0/repositories/generated/' }, kind: 'status', status: 429, times: 60 },
      ],
    });
    const stormed = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(stormed.outcome).toBe('rate-limited');
    expect(stormed.passCompleted).toBe(false);
    expect(Date.parse(stormed.resumeAfter!)).toBeGreaterThan(clock);
    const waiting = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(waiting.outcome).toBe('waiting-for-rate-limit');
    expect(waiting.requests).toBe(0);

    await harness.control('DELETE', '/_simulator/faults');
    clock += 10 * 60_000;
    const resumed = await runUntilPassComplete(harness.dependencies, workspace);
    expect(resumed.completed).toBe(true);
    expect(await harness.storedPicture(workspace.id)).toEqual(expectedPicture(seed, workspace.slug));
  });

  it('ends with the same picture whether a pass runs in one step or in many small budgets', async () => {
    harness = await startHarness({
      seed: SEED,
      settings: { hourlyRequestBudget: 1_000_000 },
    });
    const seed = await harness.groundTruth();
    const workspace = workspaceOf(seed);
    const reports = [];
    // Thirty requests per step: the ledger of the rolling hour is what limits each step.
    for (let step = 0; step < 60; step++) {
      const spent = await harness.ledger.spentInLastHour(new Date());
      harness.dependencies.settings.hourlyRequestBudget = (spent.byPurpose.sync ?? 0) + 30;
      const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
      reports.push(report);
      expect(report.requests).toBeLessThanOrEqual(30);
      if (report.passCompleted) break;
    }
    expect(reports.at(-1)?.passCompleted).toBe(true);
    expect(reports.length).toBeGreaterThan(5);
    expect(await harness.storedPicture(workspace.id)).toEqual(expectedPicture(seed, workspace.slug));
  });

  it('holds a mass removal of members until it is released', async () => {
    harness = await startHarness({ seed: SEED, settings: alwaysDue });
    const seed = await harness.groundTruth();
    const workspace = workspaceOf(seed);
    await runUntilPassComplete(harness.dependencies, workspace);
    // An ordinary refresh: the guard and the diff compare against one read of the stored members.
    const memberReads = countQueriesFrom(harness, 'RES#user#');
    await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);
    expect(memberReads.count).toBe(1);
    const ws = seed.workspaces[0]!;
    const leaving = ws.members.filter((entry) => entry.role !== 'owner').slice(0, 100);
    await harness.mutate(
      leaving.map((entry) => ({ op: 'removeMember', workspace: ws.slug, accountId: entry.accountId })),
    );

    const held = await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);
    expect(held.holds).toEqual(['members']);
    const states = await harness.syncState.listScopeStates(workspace.id);
    expect(states.find((state) => state.scope === 'members')?.hold).toMatchObject({
      removals: 100,
      storedCount: 250,
    });
    let picture = await harness.storedPicture(workspace.id);
    expect(picture.filter((line) => line.startsWith('resource/user/'))).toHaveLength(250);

    const release = { by: 'arn:aws:iam::123456789012:role/GovernanceAdmins', at: new Date().toISOString() };
    // A release for a smaller hold than the one stored is refused; the hold stays.
    expect(
      await harness.syncState.releaseHold(workspace.id, 'members', { ...release, seenRemovals: 99 }),
    ).toEqual({
      refused: 'grown',
    });
    expect(
      await harness.syncState.releaseHold(workspace.id, 'members', { ...release, seenRemovals: 100 }),
    ).toEqual({
      released: { ...release, removals: 100 },
    });
    // Ten more leave after the release: 110 removals are more than the caller released, so they are held.
    const more = ws.members.filter((entry) => entry.role !== 'owner').slice(100, 110);
    await harness.mutate(
      more.map((entry) => ({ op: 'removeMember', workspace: ws.slug, accountId: entry.accountId })),
    );
    const grown = await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);
    expect(grown.holds).toEqual(['members']);
    const regrown = await harness.syncState.listScopeStates(workspace.id);
    expect(regrown.find((state) => state.scope === 'members')?.hold).toMatchObject({ removals: 110 });
    picture = await harness.storedPicture(workspace.id);
    expect(picture.filter((line) => line.startsWith('resource/user/'))).toHaveLength(250);

    expect(await harness.syncState.releaseHold(workspace.id, 'members', release)).toMatchObject({
      released: { by: release.by, removals: 110 },
    });
    const released = await runSyncStep(harness.dependencies, workspace, Date.now() + 120_000);
    expect(released.holds).toEqual([]);
    picture = await harness.storedPicture(workspace.id);
    expect(picture.filter((line) => line.startsWith('resource/user/'))).toHaveLength(140);
  });
});
