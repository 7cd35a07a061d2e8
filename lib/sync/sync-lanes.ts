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
  /** For people, never a secret: the API token's e-mail address or the OAuth client id. */
  label?: string;
  client: BitbucketClient;
  /** Where scopes are listed from; default Bitbucket Cloud through `client`. */
  source?: GovernanceSource;
  /** This identity's own rolling hour. */
  ledger: HourLedger;
}

/**
 * What the sync remembers of an identity between steps, per client (so per execution environment): the
 * account it acts as (Bitbucket counts requests per account, "API request limits") and the scope kinds
 * Bitbucket refused it, until when (epoch ms).
 */
interface IdentityMemory {
  accountId?: string;
  refusedKinds: Map<string, number>;
}
const memories = new WeakMap<BitbucketClient, IdentityMemory>();
function memoryOf(client: BitbucketClient): IdentityMemory {
  let memory = memories.get(client);
  if (!memory) memories.set(client, (memory = { refusedKinds: new Map() }));
  return memory;
}

/**
 * The most requests per hour a stated `X-RateLimit-Limit` is followed to: Bitbucket scales access tokens'
 * limits from 1,000 to 10,000 per hour ("API request limits"); a larger statement is not believed.
 */
export const MAX_STATED_HOURLY_LIMIT = 10_000;

/** Where one identity stood after a step, for the step report (several identities only). */
export interface IdentityReport {
  name: string;
  label?: string;
  /** Requests the step sent with this identity. */
  requests: number;
  /** Why it sat out the rest of the step, if it did. */
  satOut?: string;
  /** Scope kinds Bitbucket refused it, which other identities read until the retry. */
  refusedKinds: string[];
}

/** An identity opened for one step: its hour, its paced share, its credential's fingerprint. */
export class SyncLane {
  readonly source: GovernanceSource;
  #credentialCheck: Promise<CredentialVerdict> | undefined;
  /** Why the identity sat out the rest of the step (SyncLanes.bench), if it did. */
  benched: string | undefined;
  readonly memory: IdentityMemory;

  constructor(
    readonly identity: SyncIdentity,
    readonly hour: OpenedBudget,
    readonly pace: StepPace,
    /** BitbucketClient.credentialFingerprint (undefined for a client built without its credential source). */
    readonly credential: string | undefined,
  ) {
    this.source = sourceOf(identity);
    this.memory = memoryOf(identity.client);
  }

  /** Bitbucket refused this identity `kind` recently: another identity reads it. */
  refuses(kind: string, now: number): boolean {
    return (this.memory.refusedKinds.get(kind) ?? 0) > now;
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
    deadlineAt: number,
  ): Promise<SyncLanes> {
    const lanes: SyncLane[] = [];
    try {
      for (const identity of identities) {
        // Only access tokens get X-RateLimit-* (API-NOTES "Rate limits"): another credential's header
        // is not followed, and no statement beyond Bitbucket's documented ceiling.
        const stated = (await identity.client.credentialKind()) === 'access-token';
        const hour = await openHourlyBudget(identity.ledger, 'sync', {
          ...syncHourLimits(settings),
          now,
          ...(stated
            ? {
                observedLimit: () => {
                  const limit = identity.client.observedHourlyLimit;
                  return limit === undefined ? undefined : Math.min(limit, MAX_STATED_HOURLY_LIMIT);
                },
              }
            : {}),
        });
        const allowance = stepAllowance({ ...settings, ...budgetSettingsOf(hour) }, hour.spentBefore);
        const credential = await identity.client.credentialFingerprint();
        lanes.push(new SyncLane(identity, hour, new StepPace(hour.budget, allowance.share), credential));
      }
      const opened = new SyncLanes(lanes);
      if (lanes.length > 1) await opened.#benchSharedAccounts(deadlineAt);
      return opened;
    } catch (error) {
      await Promise.all(lanes.map((lane) => lane.hour.close(now)));
      throw error;
    }
  }

  /**
   * Bitbucket counts requests per account, whatever the credential: two identities of one account share
   * one hour. Each identity's account is asked once per execution environment (`GET /2.0/user`, one
   * request from its own hour); a further identity whose account is already read with sits out, as does
   * one that cannot say who it is.
   */
  async #benchSharedAccounts(deadlineAt: number): Promise<void> {
    const seen = new Map<string, string>();
    for (const lane of this.lanes) {
      if (lane.memory.accountId === undefined && lane.budget.remaining > 0) {
        try {
          const user = await lane.identity.client.getCurrentUser({ budget: lane.budget, deadlineAt });
          lane.memory.accountId = user.account_id;
        } catch (error) {
          if (lane !== this.primary) this.bench(lane, error);
          continue;
        }
      }
      const account = lane.memory.accountId;
      if (account === undefined) continue;
      const first = seen.get(account);
      if (first !== undefined && lane !== this.primary)
        this.bench(
          lane,
          new Error(
            `the same Bitbucket account as ${first}: Bitbucket counts requests per account, so it adds no hour`,
          ),
        );
      else seen.set(account, lane.identity.name);
    }
  }

  /** The primary identity's lane (provisioning's identity). */
  get primary(): SyncLane {
    return this.lanes[0] as SyncLane;
  }

  /**
   * Sum of the sync's hourly budgets over the identities that take part (requests/hour), for planning
   * intervals: one that sits out adds nothing.
   */
  get hourlyRequestBudget(): number {
    return this.lanes
      .filter((lane) => lane === this.primary || lane.benched === undefined)
      .reduce((sum, lane) => sum + (lane.hour.limits.purposeLimit ?? 0), 0);
  }

  /** No identity has anything of its paced share left to start with. */
  get nothingToSpend(): boolean {
    return this.lanes.every((lane) => lane.pace.share <= 0);
  }

  /** Every identity spent its share, its hour has nothing left, or it sits out the step. */
  get spentOut(): boolean {
    return this.lanes.every((lane) => lane.benched !== undefined || lane.pace.spentOut);
  }

  /**
   * Takes a further identity out of the rest of the step after `error` (a refusal, a 429): what it spent
   * stays counted in its ledger; the warning names the identity, never its credential.
   */
  bench(lane: SyncLane, error: unknown): void {
    if (lane.benched !== undefined) return;
    lane.benched = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.warn('sync identity sits out the step; its scopes go to the others', {
      identity: lane.identity.name,
      ...(lane.identity.label ? { label: lane.identity.label } : {}),
      reason: lane.benched,
    });
  }

  /**
   * Remembers that Bitbucket refused a further identity `kind` (its account may not be an administrator,
   * its token may lack a scope) until `until` (epoch ms): other identities read that kind meanwhile, and
   * the refusal records no capability gap, which would keep the scope from every identity.
   */
  refuseKind(lane: SyncLane, kind: string, until: number, error: unknown): void {
    const known = lane.refuses(kind, until - 1);
    lane.memory.refusedKinds.set(kind, until);
    if (!known)
      logger.warn('Bitbucket refuses a sync identity a kind of scope; the others read it', {
        identity: lane.identity.name,
        ...(lane.identity.label ? { label: lane.identity.label } : {}),
        kind,
        retryAt: new Date(until).toISOString(),
        reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
  }

  /** Each identity's part in the step (empty with one identity: the step's own figures say it all). */
  reports(now: number): IdentityReport[] {
    if (this.lanes.length < 2) return [];
    return this.lanes.map((lane) => ({
      name: lane.identity.name,
      ...(lane.identity.label ? { label: lane.identity.label } : {}),
      requests: lane.budget.spent,
      ...(lane.benched !== undefined ? { satOut: lane.benched } : {}),
      refusedKinds: [...lane.memory.refusedKinds].filter(([, until]) => until > now).map(([kind]) => kind),
    }));
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
   * one with the most left of its share, so identities are spent evenly; not one that sits out or that
   * Bitbucket refused `kind` recently. Null when none can.
   */
  pick(lastCost: number | undefined, leastCost: number, kind: string, now: number): LanePick | null {
    let best: LanePick | undefined;
    let bestLeft = -Infinity;
    for (const lane of this.lanes) {
      if (lane.benched !== undefined || lane.refuses(kind, now)) continue;
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

/** The list of further identities is read again after this long (ms), so a rotated or added token is seen. */
export const SYNC_IDENTITIES_REREAD_MS = 15 * 60_000;

/** A label for people, never a secret: the e-mail address of an API token, the OAuth client id. */
function labelOf(credential: Credential): string {
  if (credential.auth === 'api-token') return credential.email;
  if (credential.auth === 'oauth-client-credentials') return `oauth client ${credential.clientId}`;
  return 'access token';
}

/**
 * The further identities the configuration names, as a function the sync step calls once a step: each
 * credential gets its own client (built once, so an OAuth token is reused) and its own ledger
 * (`ledgerOf('bitbucket:{fingerprint}')`, the first 16 hex characters of a SHA-256 over the credential,
 * which reveal nothing of it). The list is read again every SYNC_IDENTITIES_REREAD_MS. Errors reading
 * the secret propagate (the step then syncs with the primary credential alone).
 */
export function additionalSyncIdentities(
  config: Pick<AppConfig, 'bitbucket'>,
  ledgerOf: (identity: string) => HourLedger,
  credentials: SecretProvider<SyncIdentities> = syncIdentitiesProvider(config.bitbucket.syncIdentities),
  clock: () => number = Date.now,
): () => Promise<SyncIdentity[]> {
  const built = new Map<string, SyncIdentity>();
  let readAt: number | undefined;
  return async () => {
    const stale = readAt !== undefined && clock() - readAt >= SYNC_IDENTITIES_REREAD_MS;
    const list = await (stale ? credentials.reload() : credentials.current());
    readAt = stale || readAt === undefined ? clock() : readAt;
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
          label: labelOf(credential),
          client: bitbucketClientFromConfig(config, fixed),
          ledger: ledgerOf(`bitbucket:${fingerprint}`),
        };
        built.set(fingerprint, identity);
      }
      return identity;
    });
  };
}
