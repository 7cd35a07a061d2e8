// The audited provisioning request without HTTP, on the simulator and DynamoDB Local: the record lists
// the Bitbucket calls made, a replay for the same key calls Bitbucket no more, and an unknown failure is
// recorded as a 500 that frees the key, then handed back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceErrorOf } from '../../../lib/api/index.js';
import {
  provisioningRequestRecord,
  runProvisioningRequest,
  type ProvisioningRequestDependencies,
  type ProvisioningRequestInput,
} from '../../../lib/provisioning/index.js';
import type { SeedDocument } from '../../../lib/simulator/index.js';
import type { WorkspaceEntry } from '../../../lib/store/index.js';
import { idempotentRequestId, ProvisioningRequestStore } from '../../../lib/store/provisioning-requests.js';
import { runUntilPassComplete } from '../../../lib/sync/index.js';
import { startHarness, workspaceRefOf, type Harness } from '../../support/governance-harness.js';

let harness: Harness;
let seed: SeedDocument;
let workspace: WorkspaceEntry;
let requests: ProvisioningRequestStore;
let dependencies: ProvisioningRequestDependencies;

beforeAll(async () => {
  harness = await startHarness({ seed: 'generated:users=12,groups=2,projects=2,repos=4,seed=3' });
  seed = await harness.groundTruth();
  const ref = workspaceRefOf(seed);
  await harness.store.putWorkspace(
    { uuid: ref.id, slug: ref.slug, name: seed.workspaces[0]!.name },
    new Date().toISOString(),
    { cause: 'sync', actor: 'sync' },
  );
  const pass = await runUntilPassComplete(harness.dependencies, ref);
  if (!pass.completed) throw new Error(`the sync pass did not complete: ${pass.stoppedBecause}`);
  workspace = (await harness.store.resolveWorkspace(ref.slug))!;
  requests = new ProvisioningRequestStore({
    documentClient: harness.documentClient,
    tableName: harness.tableName,
  });
  dependencies = {
    client: harness.client,
    store: harness.store,
    ledger: harness.ledger,
    hourlyRequestLimit: 1_000_000,
    now: () => new Date(),
    requests,
    explainFailure: governanceErrorOf,
  };
});
afterAll(async () => {
  await harness?.close();
});

/** A write grant on a repository for a plain member holding no explicit grant there. */
function repositoryGrant(offset: number, idempotencyKey?: string): ProvisioningRequestInput {
  const repository = seed.workspaces[0]!.repositories[offset]!;
  const granted = new Set(repository.userGrants.map((grant) => grant.accountId));
  const member = seed.workspaces[0]!.members.find((m) => m.role === 'member' && !granted.has(m.accountId))!;
  return {
    workspace,
    action: 'grant',
    actor: 'arn:aws:iam::123456789012:role/provisioner',
    idempotencyKey,
    body: {
      resource: { type: 'repository', slug: repository.slug },
      principal: { type: 'user', accountId: member.accountId },
      permission: 'write',
      replace: false,
      dryRun: false,
    },
  };
}

describe('runProvisioningRequest', () => {
  it('records the calls made, and replays the answer for the same key without calling Bitbucket', async () => {
    const input = repositoryGrant(0, `replay-${Date.now()}`);
    const first = await runProvisioningRequest(dependencies, input);
    expect(first).toMatchObject({ kind: 'provisioned', answer: { status: 200 } });
    if (first.kind !== 'provisioned') return;
    expect(first.result).toMatchObject({
      requestId: first.requestId,
      workspace: workspace.slug,
      changed: true,
    });
    expect(first.result.calls.map((call) => [call.method, call.sent, call.outcome])).toEqual([
      ['GET', true, 'absent'],
      ['PUT', true, 'ok'],
    ]);
    // The audit keeps the URL each call really went to on the wire, not only the path it meant.
    for (const call of first.result.calls) {
      expect(call.url).toBeDefined();
      expect(new URL(call.url!).pathname).toBe(call.path);
    }
    const record = await provisioningRequestRecord(requests, first.requestId);
    expect(record).toMatchObject({
      state: 'completed',
      actor: input.actor,
      idempotencyKey: input.idempotencyKey,
      request: input.body,
      answer: first.answer,
      calls: first.result.calls,
    });

    const sentBefore = await harness.requestTotal();
    const replay = await runProvisioningRequest(dependencies, input);
    expect(replay).toEqual({ kind: 'replayed', requestId: first.requestId, answer: first.answer });
    expect(await harness.requestTotal()).toBe(sentBefore);
  });

  it('refuses a user grant Bitbucket would refuse from the store alone, recording the refusal and no call', async () => {
    const owner = seed.workspaces[0]!.members.find((m) => m.role === 'owner')!.accountId;
    const sentBefore = await harness.requestTotal();
    for (const [accountId, reason] of [
      [owner, 'workspace-owner'],
      ['557058:never-a-member', 'not-workspace-member'],
    ] as const) {
      const input = repositoryGrant(2);
      const outcome = await runProvisioningRequest(dependencies, {
        ...input,
        body: { ...input.body, principal: { type: 'user', accountId } },
      });
      expect(outcome.kind).toBe('refused');
      if (outcome.kind !== 'refused') return;
      expect(outcome.answer.status).toBe(422);
      expect(outcome.error.details).toMatchObject({ reason });
      // Without the sync's scope states the message says it cannot tell how fresh the picture is.
      if (reason === 'not-workspace-member')
        expect(outcome.error.message).toContain('no recorded refresh time');
      const record = await provisioningRequestRecord(requests, outcome.requestId);
      expect(record).toMatchObject({ state: 'completed', calls: [], answer: { status: 422 } });
    }
    expect(await harness.requestTotal()).toBe(sentBefore);
  });

  it('records an unknown failure as a 500 that leaves the key free, and rethrows it', async () => {
    const input = repositoryGrant(1, `unknown-${Date.now()}`);
    const broken = new Error('the ledger is unreachable');
    const failing: ProvisioningRequestDependencies = {
      ...dependencies,
      ledger: {
        spentInLastHour: () => Promise.reject(broken),
        record: harness.ledger.record.bind(harness.ledger),
      },
    };
    await expect(runProvisioningRequest(failing, input)).rejects.toBe(broken);
    const id = idempotentRequestId(workspace.uuid, input.actor, input.idempotencyKey!);
    const record = await provisioningRequestRecord(requests, id);
    expect(record).toMatchObject({ state: 'failed', answer: { status: 500 }, calls: [] });
    expect(JSON.parse(record.answer!.body)).toMatchObject({ error: { code: 'internal_error' } });
    const retried = await runProvisioningRequest(dependencies, input);
    expect(retried.kind).toBe('provisioned');
  });
});
