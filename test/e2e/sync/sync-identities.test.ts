// Several Bitbucket identities for one workspace (issue 22): the simulator limits each identity's rolling
// hour as Bitbucket does, and the sync spreads scopes over the identities, each paid from its own ledger.
// An access token's scaled limit, stated in X-RateLimit-Limit, becomes the hour the budget follows.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credential } from '../../../lib/config/index.js';
import { demoSeed } from '../../../lib/simulator/demo-seed.js';
import { parseSeed } from '../../../lib/simulator/index.js';
import { runSyncStep, runUntilPassComplete } from '../../../lib/sync/index.js';
import { withServiceAccounts } from '../../support/service-accounts.js';
import { startHarness, workspaceRefOf, type Harness } from '../../support/governance-harness.js';

/** A further identity whose account is a plain member: Bitbucket refuses it every permission listing. */
const MEMBER: Credential = { auth: 'api-token', email: 'alan@example.com', apiToken: 'alan-read-token' };

/** The demo workspace with two service accounts (workspace owners) and their API tokens. */
const withTwoServiceAccounts = () => withServiceAccounts(parseSeed(demoSeed()), 2);
const [SECOND, THIRD] = withTwoServiceAccounts().credentials as [Credential, Credential];
const seedWithServiceAccounts = () => withTwoServiceAccounts().seed;

const ledgerName = (credential: Credential) =>
  `bitbucket:${createHash('sha256').update(JSON.stringify(credential)).digest('hex').slice(0, 16)}`;

/** 25 requests per identity per hour in the simulator; the sync may spend 20 of each. */
const LIMITS = { hourlyRequestLimit: 25, settings: { hourlyRequestBudget: 20, hourlyRequestLimit: 25 } };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface RequestLog {
  total: number;
  byIdentity: Record<string, number>;
}

describe('several identities', () => {
  it('one identity: a step spends at most its own hour', async () => {
    harness = await startHarness({ seed: seedWithServiceAccounts(), ...LIMITS });
    const report = await runSyncStep(
      harness.dependencies,
      workspaceRefOf(await harness.groundTruth()),
      Date.now() + 60_000,
    );
    const log = await harness.control<RequestLog>('GET', '/_simulator/requests');
    expect(report.requests).toBeLessThanOrEqual(20);
    expect(Object.keys(log.byIdentity)).toEqual(['557058:ada']);
  });

  it('three identities: scopes spread over them, each within its own hour and ledger, none refused', async () => {
    harness = await startHarness({
      seed: seedWithServiceAccounts(),
      ...LIMITS,
      syncIdentities: [SECOND, THIRD],
    });
    const workspace = workspaceRefOf(await harness.groundTruth());
    const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    const log = await harness.control<RequestLog>('GET', '/_simulator/requests');

    // More than one identity's hour was spent in one step, and every identity took part.
    expect(report.requests).toBeGreaterThan(20);
    expect(report.outcome).not.toBe('rate-limited');
    for (const account of ['557058:ada', '557058:sync-2', '557058:sync-3'])
      expect(log.byIdentity[account], account).toBeGreaterThan(0);
    // Each identity's spending is in its own ledger, within the sync's 20 of its 25.
    const spent = [
      (await harness.ledger.spentInLastHour(new Date())).byPurpose.sync ?? 0,
      (await harness.ledgerOf(ledgerName(SECOND)).spentInLastHour(new Date())).byPurpose.sync ?? 0,
      (await harness.ledgerOf(ledgerName(THIRD)).spentInLastHour(new Date())).byPurpose.sync ?? 0,
    ];
    for (const each of spent) {
      expect(each).toBeGreaterThan(0);
      expect(each).toBeLessThanOrEqual(20);
    }
    expect(spent.reduce((sum, each) => sum + each, 0)).toBe(report.requests);
    // Bitbucket's side agrees: no identity got a 429 (the simulator counts what it received).
    expect(log.byIdentity['557058:ada']).toBe(spent[0]);
  });

  it('a pass that needs three hours of one identity completes in one hour with three', async () => {
    const stepUntilPass = async (h: Harness) => {
      const workspace = workspaceRefOf(await h.groundTruth());
      for (let step = 1; step <= 20; step++) {
        const report = await runSyncStep(h.dependencies, workspace, Date.now() + 60_000);
        if (report.passCompleted) return step;
        if (report.outcome === 'no-budget-left' || report.outcome === 'budget-exhausted') return undefined;
      }
      return undefined;
    };
    harness = await startHarness({ seed: seedWithServiceAccounts(), ...LIMITS });
    // Within one hour (no clock moves), one identity's 20 requests cannot finish the demo pass.
    expect(await stepUntilPass(harness)).toBeUndefined();
    await harness.close();
    harness = await startHarness({
      seed: seedWithServiceAccounts(),
      hourlyRequestLimit: 40,
      settings: { hourlyRequestBudget: 35, hourlyRequestLimit: 40 },
      syncIdentities: [SECOND, THIRD],
    });
    expect(await stepUntilPass(harness)).toBeGreaterThanOrEqual(1);
  });
});

describe('steps until the pass completes (bbgov sync --until-complete)', () => {
  it("counts every identity's hour in its progress and budget", async () => {
    harness = await startHarness({
      seed: seedWithServiceAccounts(),
      ...LIMITS,
      syncIdentities: [SECOND, THIRD],
    });
    const left: number[] = [];
    const result = await runUntilPassComplete(
      harness.dependencies,
      workspaceRefOf(await harness.groundTruth()),
      {
        onProgress: (progress) => left.push(progress.budgetLeft),
      },
    );
    expect(result.completed).toBe(true);
    // Three identities × 20: more than one identity's 20 were spent, and the budget left says so.
    expect(result.requests).toBeGreaterThan(20);
    expect(left.at(-1)).toBe(60 - result.requests);
  });
});

describe('a stated hourly limit', () => {
  /** Syncs the demo workspace once with its access token, whose scaled limit Bitbucket states. */
  async function stepWithAccessToken(statedLimit: number): Promise<Harness> {
    const seed = parseSeed(demoSeed());
    const token = seed.credentials.find((entry) => entry.kind === 'access-token');
    if (token?.kind !== 'access-token') throw new Error('the demo seed has an access token');
    Object.assign(token, { hourlyRequestLimit: statedLimit });
    const started = await startHarness({
      seed,
      credential: { auth: 'access-token', token: token.token },
      settings: { hourlyRequestBudget: 800, hourlyRequestLimit: 1_000 },
    });
    await runSyncStep(started.dependencies, workspaceRefOf(await started.groundTruth()), Date.now() + 60_000);
    return started;
  }

  it("an access token's X-RateLimit-Limit is recorded in its ledger and sizes the next hour", async () => {
    harness = await stepWithAccessToken(5_000);
    expect(harness.client.observedHourlyLimit).toBe(5_000);
    expect((await harness.ledger.spentInLastHour(new Date())).observedLimit).toBe(5_000);
  });

  it("is not believed beyond Bitbucket's documented ceiling of 10,000 per hour", async () => {
    harness = await stepWithAccessToken(1_000_000_000);
    expect((await harness.ledger.spentInLastHour(new Date())).observedLimit).toBe(10_000);
  });
});

describe('a further identity that cannot read', () => {
  it('is not given the kinds it was refused: no capability gap, the others read them, and the report says so', async () => {
    harness = await startHarness({ seed: seedWithServiceAccounts(), syncIdentities: [MEMBER] });
    const workspace = workspaceRefOf(await harness.groundTruth());
    const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    // Alan's token was tried (it got refusals), then left those kinds; Ada's read the whole workspace.
    expect(report.passCompleted).toBe(true);
    expect(report.capabilityGaps).toEqual([]);
    expect(report.scopesRefused).toBe(0);
    const alan = report.identities?.find((entry) => entry.label === 'alan@example.com');
    expect(alan?.refusedKinds.length).toBeGreaterThan(0);
    // Every scope due again: Alan's token is not handed the kinds it was refused, so it sends fewer.
    const first =
      (await harness.control<RequestLog>('GET', '/_simulator/requests')).byIdentity['557058:alan'] ?? 0;
    const ids = (await harness.syncState.listScopeStates(workspace.id)).map((state) => state.scope);
    await harness.syncState.markDirty(workspace.id, ids, 'test: everything due again');
    const again = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    const second =
      ((await harness.control<RequestLog>('GET', '/_simulator/requests')).byIdentity['557058:alan'] ?? 0) -
      first;
    expect(first).toBeGreaterThan(0);
    expect(second).toBeLessThan(first);
    expect(again.capabilityGaps).toEqual([]);
  });

  it('a second credential of the primary account sits out (Bitbucket counts per account)', async () => {
    // The demo seed's OAuth consumer `cid` acts as Ada, as the primary API token does.
    harness = await startHarness({
      seed: seedWithServiceAccounts(),
      hourlyRequestLimit: 25,
      settings: { hourlyRequestBudget: 20, hourlyRequestLimit: 25 },
      syncIdentities: [{ auth: 'oauth-client-credentials', clientId: 'cid', clientSecret: 'cs' }],
    });
    const workspace = workspaceRefOf(await harness.groundTruth());
    const report = await runSyncStep(harness.dependencies, workspace, Date.now() + 60_000);
    const consumer = report.identities?.find((entry) => entry.label === 'oauth client cid');
    expect(consumer?.satOut).toMatch(/same Bitbucket account as primary/);
    // Ada's account received no more than the sync's share of its one hour: no 429 for webhooks later.
    const log = await harness.control<RequestLog>('GET', '/_simulator/requests');
    expect(log.byIdentity['557058:ada']).toBeLessThanOrEqual(21);
    expect(report.outcome).not.toBe('rate-limited');
  });

  it('an unreadable list of further identities leaves the primary syncing', async () => {
    harness = await startHarness({ seed: seedWithServiceAccounts() });
    const workspace = workspaceRefOf(await harness.groundTruth());
    const report = await runSyncStep(
      {
        ...harness.dependencies,
        additionalIdentities: () =>
          Promise.reject(new Error('CREDENTIALS_SECRET_ARN.syncIdentities.0.email: expected …')),
      },
      workspace,
      Date.now() + 60_000,
    );
    expect(report.passCompleted).toBe(true);
  });
});
