// The scheduled sync function called as EventBridge Scheduler calls it, and the sync's failure rules:
// a removed endpoint is reported with its route and the rest goes on; a rejected credential stops the
// step with a clear status and deletes nothing.
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSyncHandler } from '../../../lib/handlers/sync-handler.js';
import { createBitbucketClient } from '../../../lib/bitbucket/index.js';
import { runSyncStep, runUntilPassComplete, type WorkspaceRef } from '../../../lib/sync/index.js';
import {
  expectedPicture,
  startHarness,
  workspaceRefOf,
  type Harness,
} from '../../support/governance-harness.js';

const SEED = 'generated:users=120,groups=6,projects=4,repos=30,seed=11';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    functionName: 'sync',
    awsRequestId: 'test-request',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as unknown as Context;
}

async function workspaceOf(current: Harness): Promise<WorkspaceRef> {
  return workspaceRefOf(await current.groundTruth());
}

describe('sync function', () => {
  it('runs one step per governed workspace for {} and for {"workspace": slug}, and rejects a bad event', async () => {
    harness = await startHarness({ seed: SEED });
    const handler = createSyncHandler({ ...harness.dependencies, configuredWorkspaces: [] });
    const written: string[] = [];
    const capture = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    const all = (await handler({}, lambdaContext(120_000)).finally(() => capture.mockRestore())) as {
      reports: { workspace: string; outcome: string; passCompleted: boolean; requests: number }[];
    };
    // One EMF document with the step's headline figures.
    const emf = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf.at(-1)).toMatchObject({
      RequestsSpent: all.reports[0]!.requests,
      PassCompleted: 1,
      SyncErrors: 0,
      ScopesRefreshed: 4 + 4 + 30,
    });
    // And one structured log line per step.
    expect(
      written.some(
        (chunk) => chunk.includes('"message":"sync step"') && chunk.includes('"workspace":"generated"'),
      ),
    ).toBe(true);
    expect(all.reports).toHaveLength(1);
    expect(all.reports[0]).toMatchObject({
      workspace: 'generated',
      outcome: 'completed-due-scopes',
      passCompleted: true,
    });
    const workspace = await workspaceOf(harness);
    expect(await harness.storedPicture(workspace.id)).toEqual(
      expectedPicture(await harness.groundTruth(), 'generated'),
    );

    const one = (await handler({ workspace: 'generated' }, lambdaContext(120_000))) as {
      reports: { requests: number; scopesRefreshed: number }[];
    };
    // Everything is fresher than its interval: the step spends nothing.
    expect(one.reports[0]).toMatchObject({ requests: 0, scopesRefreshed: 0 });
    await expect(handler({ workspace: 'Not A Slug' }, lambdaContext(120_000))).rejects.toThrow(
      /sync event: expected/,
    );
  });

  it('reports a removed endpoint with its route and still refreshes the other scopes', async () => {
    harness = await startHarness({ seed: SEED });
    const workspace = await workspaceOf(harness);
    await harness.control('POST', '/_simulator/faults', {
      faults: [{ match: { pathPrefix: '/2.0/workspaces/generated/projects' }, kind: 'gone', times: 1000 }],
    });
    const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    expect(report.scopesFailed).toBeGreaterThanOrEqual(1);
    expect(report.scopesRefreshed).toBeGreaterThanOrEqual(3);
    const projects = (await harness.syncState.listScopeStates(workspace.id)).find(
      (state) => state.scope === 'projects',
    );
    expect(projects?.lastError).toMatchObject({
      status: 410,
      endpoint: 'GET /2.0/workspaces/{workspace}/projects',
    });
    expect(projects?.refreshedAt).toBeUndefined();
  });

  it('stops with credential-rejected when the credential is revoked, and deletes nothing', async () => {
    harness = await startHarness({ seed: SEED });
    const workspace = await workspaceOf(harness);
    await runUntilPassComplete(harness.dependencies, workspace);
    const before = await harness.storedPicture(workspace.id);
    const revoked = createBitbucketClient({
      apiUrl: harness.simulator.url,
      oauthUrl: harness.simulator.url,
      credentials: {
        current: async () => ({ auth: 'api-token', email: 'admin@example.com', apiToken: 'revoked-token' }),
        reload: async () => ({ auth: 'api-token', email: 'admin@example.com', apiToken: 'revoked-token' }),
      },
    });
    const report = await runSyncStep(
      {
        ...harness.dependencies,
        client: revoked,
        settings: {
          ...harness.dependencies.settings,
          membershipIntervalMs: 0,
          listingIntervalMs: 0,
          grantIntervalMs: 0,
        },
      },
      workspace,
      Date.now() + 60_000,
    );
    expect(report.outcome).toBe('credential-rejected');
    expect(report.error?.status).toBe(401);
    expect((await harness.syncState.getStatus(workspace.id))?.lastError).toMatchObject({ status: 401 });
    expect(await harness.storedPicture(workspace.id)).toEqual(before);
  });
});
