// The identities one sync step reads with (issue 22): Bitbucket limits requests per identity per rolling
// hour (API-NOTES "Rate limits and errors"), so API tokens of further service accounts add hours. Each
// identity is a lane: its client, its own ledger and hour, its own paced share. Scopes go to the lane
// that can pay for them; provisioning and webhooks keep the primary identity.
import { createHash } from 'node:crypto';
import {
  bitbucketClientFromConfig,
  credentialVerdict,
  type BitbucketClient,
  type CallOptions,
  type CredentialVerdict,
  type RequestBudget,
  sourceOf,
} from '../bitbucket/index.js';
import { openHourlyBudget, type HourLedger, type OpenedBudget } from '../budget/index.js';
import {
  syncIdentitiesProvider,
  type AppConfig,
  type Credential,
  type SecretProvider,
  type SyncIdentities,
} from '../config/index.js';
import { logger } from '../observability/index.js';
import type { GovernanceSource } from '../source/index.js';
import { stepAllowance, syncHourLimits, type SyncSettings } from './settings.js';
import { StepPace } from './step-pace.js';

/** One Bitbucket identity the sync may read with. */
export interface SyncIdentity {
  /** Safe to log: `primary`, or `identity-{fingerprint}` for a further identity. */
  name: string;
  client: BitbucketClient;
  /** Where scopes are listed from; default Bitbucket Cloud through `client`. */
  source?: GovernanceSource;
  /** This identity's own rolling hour. */
  ledger: HourLedger;
}

/** An identity opened for one step: its hour, its paced share, its credential's fingerprint. */
export class SyncLane {
  readonly source: GovernanceSource;
  #credentialCheck: Promise<CredentialVerdict> | undefined;
  /** Set when the identity sat out the rest of the step (SyncLanes.bench). */
  benched = false;

  constructor(
    readonly identity: SyncIdentity,
    readonly hour: OpenedBudget,
    readonly pace: StepPace,
    /** BitbucketClient.credentialFingerprint (undefined for a client built without its credential source). */
    readonly credential: string | undefined,
  ) {
    this.source = sourceOf(identity);
  }

  get budget(): RequestBudget {
    return this.hour.budget;
  }

  /** Is this identity's credential refused, or only one listing? Asked once a step, after the first 401. */
  verdict(call: CallOptions): Promise<CredentialVerdict> {
    this.#credentialCheck ??= credentialVerdict(this.identity.client, call);
    return this.#credentialCheck;
  }
}

/** A lane that may start a scope now, and what the scope is expected to cost (requests). */
export interface LanePick {
  lane: SyncLane;
  expected: number;
}

/** The lanes of one step, opened together and closed together. */
export class SyncLanes {
  private constructor(readonly lanes: readonly SyncLane[]) {}

  /**
   * Opens every identity's hour at `now` with the sync's limits (SYNC_HOURLY_REQUEST_BUDGET of each
   * identity's limit, or of the limit Bitbucket stated for it). Errors of a ledger propagate, after the
   * hours already opened are closed.
   */
  static async open(
    identities: readonly SyncIdentity[],
    settings: SyncSettings,
    now: Date,
  ): Promise<SyncLanes> {
    const lanes: SyncLane[] = [];
    try {
      for (const identity of identities) {
        const hour = await openHourlyBudget(identity.ledger, 'sync', {
          ...syncHourLimits(settings),
          now,
          observedLimit: () => identity.client.observedHourlyLimit,
        });
        const allowance = stepAllowance({ ...settings, ...budgetSettingsOf(hour) }, hour.spentBefore);
        const credential = await identity.client.credentialFingerprint();
        lanes.push(new SyncLane(identity, hour, new StepPace(hour.budget, allowance.share), credential));
      }
    } catch (error) {
      await Promise.all(lanes.map((lane) => lane.hour.close(now)));
      throw error;
    }
    return new SyncLanes(lanes);
  }

  /** The primary identity's lane (provisioning's identity). */
  get primary(): SyncLane {
    return this.lanes[0] as SyncLane;
  }

  /** Sum of the sync's hourly budgets over the identities (requests/hour), for planning intervals. */
  get hourlyRequestBudget(): number {
    return this.lanes.reduce((sum, lane) => sum + (lane.hour.limits.purposeLimit ?? 0), 0);
  }

  /** No identity has anything of its paced share left to start with. */
  get nothingToSpend(): boolean {
    return this.lanes.every((lane) => lane.pace.share <= 0);
  }

  /** Every identity spent its share, its hour has nothing left, or it sits out the step. */
  get spentOut(): boolean {
    return this.lanes.every((lane) => lane.benched || lane.pace.spentOut);
  }

  /**
   * Takes a further identity out of the rest of the step after `error` (a refusal, a 429): what it spent
   * stays counted in its ledger; the warning names the identity, never its credential.
   */
  bench(lane: SyncLane, error: unknown): void {
    if (lane.benched) return;
    lane.benched = true;
    logger.warn('sync identity sits out the step; its scopes go to the others', {
      identity: lane.identity.name,
      reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }

  /** Requests the step spent over every identity. */
  get spent(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.budget.spent, 0);
  }

  /** Fingerprints of every identity's credential (those known). */
  get credentials(): string[] {
    return this.lanes.flatMap((lane) => (lane.credential === undefined ? [] : [lane.credential]));
  }

  /**
   * The lane to start a scope on: of those whose paced share can take it now (StepPace.startCost), the
   * one with the most left of its share, so identities are spent evenly. Null when none can.
   */
  pick(lastCost: number | undefined, leastCost: number): LanePick | null {
    let best: LanePick | undefined;
    let bestLeft = -Infinity;
    for (const lane of this.lanes) {
      if (lane.benched) continue;
      const expected = lane.pace.startCost(lastCost, leastCost);
      if (expected === null) continue;
      const left = lane.pace.share - lane.budget.spent;
      if (left > bestLeft) {
        best = { lane, expected };
        bestLeft = left;
      }
    }
    return best ?? null;
  }

  /** Records what every identity spent in its own ledger. */
  async close(at: Date): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.hour.close(at)));
  }
}

/** The settings' budget and limit as they follow a stated limit (see limitsFollowing). */
function budgetSettingsOf(
  hour: OpenedBudget,
): Pick<SyncSettings, 'hourlyRequestBudget' | 'hourlyRequestLimit'> {
  return {
    hourlyRequestLimit: hour.limits.hourlyLimit,
    hourlyRequestBudget: hour.limits.purposeLimit ?? hour.limits.hourlyLimit,
  };
}

/**
 * The further identities the configuration names, as a function the sync step calls once a step: each
 * credential gets its own client (built once, so an OAuth token is reused) and its own ledger
 * (`ledgerOf('bitbucket:{fingerprint}')`, the first 16 hex characters of a SHA-256 over the credential,
 * which reveal nothing of it). Errors reading the secret propagate to the step.
 */
export function additionalSyncIdentities(
  config: Pick<AppConfig, 'bitbucket'>,
  ledgerOf: (identity: string) => HourLedger,
  credentials: SecretProvider<SyncIdentities> = syncIdentitiesProvider(config.bitbucket.syncIdentities),
): () => Promise<SyncIdentity[]> {
  const built = new Map<string, SyncIdentity>();
  return async () => {
    const list = await credentials.current();
    return list.map((credential) => {
      const fingerprint = createHash('sha256').update(JSON.stringify(credential)).digest('hex').slice(0, 16);
      let identity = built.get(fingerprint);
      if (!identity) {
        const fixed: SecretProvider<Credential> = {
          current: async () => credential,
          reload: async () => credential,
        };
        identity = {
          name: `identity-${fingerprint}`,
          client: bitbucketClientFromConfig(config, fixed),
          ledger: ledgerOf(`bitbucket:${fingerprint}`),
        };
        built.set(fingerprint, identity);
      }
      return identity;
    });
  };
}
