// Turns the configured credential into an Authorization header: Basic for API tokens, Bearer for access
// tokens and for OAuth client credentials (whose token is fetched, cached and refreshed before it expires).
// After a 401 the credential is re-read once (a rotated secret needs no redeploy) and the token dropped;
// whether the refused request is worth sending again is the transport's call (see `recover`).
import type { Credential, CredentialKind } from '../config/schemas.js';
import type { SecretProvider } from '../config/secrets.js';

export type OAuthClientCredential = Extract<Credential, { auth: 'oauth-client-credentials' }>;

export interface Authorization {
  header: string;
  /** Which reading of the credential produced the header; a 401 on an older one needs no new reload. */
  generation: number;
  /** The kind of credential behind the header: after a 401 an OAuth token is worth fetching again. */
  kind: CredentialKind;
}

export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export type TokenFetcher = (credential: OAuthClientCredential) => Promise<FetchedToken>;

/** Refresh this long before expiry, or at half-life for short-lived tokens. */
const REFRESH_MARGIN_MS = 60_000;
/**
 * How long a token refusal for an unchanged credential is answered from memory: the calls of one step,
 * one `doctor` run or one API request then cost one token request, not one each. Short, so a consumer
 * fixed in Bitbucket (made private, re-enabled) is tried again soon without a restart.
 */
const REFUSAL_MEMORY_MS = 60_000;

interface CachedToken {
  accessToken: string;
  refreshAt: number;
  generation: number;
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export class Authorizer {
  readonly #credentials: SecretProvider<Credential>;
  readonly #now: () => number;
  #credential: Promise<Credential> | undefined;
  #lastUsed: Credential | undefined;
  #generation = 0;
  #reloading: Promise<boolean> | undefined;
  /** The last re-read: the generation it ended, and whether it changed the credential. */
  #lastRecovery: { from: number; changed: Promise<boolean> } | undefined;
  #token: CachedToken | undefined;
  #fetching: { generation: number; token: Promise<string> } | undefined;
  #refused: { generation: number; error: Error; until: number } | undefined;

  constructor(credentials: SecretProvider<Credential>, now: () => number) {
    this.#credentials = credentials;
    this.#now = now;
  }

  get generation(): number {
    return this.#generation;
  }

  async kind(): Promise<CredentialKind> {
    return (await this.#current()).auth;
  }

  async authorize(fetchToken: TokenFetcher): Promise<Authorization> {
    const generation = this.#generation;
    const credential = await this.#current();
    this.#lastUsed = credential;
    switch (credential.auth) {
      case 'api-token':
        return {
          header: basicAuthorization(credential.email, credential.apiToken),
          generation,
          kind: 'api-token',
        };
      case 'access-token':
        return { header: `Bearer ${credential.token}`, generation, kind: 'access-token' };
      case 'oauth-client-credentials':
        return {
          header: `Bearer ${await this.#oauthToken(credential, fetchToken, generation)}`,
          generation,
          kind: 'oauth-client-credentials',
        };
    }
  }

  /** Every secret value in play (credential, encoded header, OAuth token), to scrub from error text. */
  secretsInUse(): string[] {
    const credential = this.#lastUsed;
    const secrets: string[] = this.#token ? [this.#token.accessToken] : [];
    if (credential?.auth === 'api-token') {
      secrets.push(credential.apiToken, basicAuthorization(credential.email, credential.apiToken).slice(6));
    } else if (credential?.auth === 'oauth-client-credentials') {
      secrets.push(
        credential.clientSecret,
        basicAuthorization(credential.clientId, credential.clientSecret).slice(6),
      );
    } else if (credential?.auth === 'access-token') {
      secrets.push(credential.token);
    }
    return secrets;
  }

  /**
   * Called after a 401 on a request authorised with `generation` (or a refused OAuth token request):
   * re-reads the credential and drops the OAuth token, once per generation however many requests saw the
   * refusal. Resolves true when the credential now in use differs from the one that was refused (a
   * rotated secret: worth one more try), false when the re-read gave the same credential back (also for a
   * request whose refusal arrives after another one re-read the same credential). Rejects when the
   * credential cannot be re-read.
   */
  async recover(generation: number): Promise<boolean> {
    if (generation !== this.#generation) {
      // Someone already re-read it since this request was authorised: that re-read's answer holds, unless
      // several re-reads happened since (then the newer reading deserves a try).
      const last = this.#lastRecovery;
      return last?.from === generation ? last.changed : true;
    }
    this.#reloading ??= (async () => {
      const refused = this.#credential;
      try {
        const reloaded = this.#credentials.reload();
        this.#credential = reloaded;
        const [before, after] = await Promise.all([refused?.catch(() => undefined), reloaded]);
        return before === undefined || !sameCredential(before, after);
      } catch (error) {
        this.#credential = undefined;
        throw error;
      } finally {
        this.#token = undefined;
        this.#generation += 1;
        this.#reloading = undefined;
      }
    })();
    // A re-read that failed counts as changed for later askers: there is nothing to compare with.
    this.#lastRecovery = { from: generation, changed: this.#reloading.catch(() => true) };
    return this.#reloading;
  }

  #current(): Promise<Credential> {
    if (this.#credential === undefined) {
      const reading = this.#credentials.current();
      this.#credential = reading;
      reading.catch(() => {
        if (this.#credential === reading) this.#credential = undefined;
      });
    }
    return this.#credential;
  }

  /**
   * Remembers, for a minute, that the token endpoint refused the credential now in use (re-read and found
   * unchanged): until then, or until the credential is re-read, OAuth authorisations throw `error` without
   * a request.
   */
  rememberRefusal(error: Error): void {
    this.#refused = { generation: this.#generation, error, until: this.#now() + REFUSAL_MEMORY_MS };
  }

  /** True for a refusal answered from memory (no request was sent): not worth re-reading the secret for. */
  remembers(error: unknown): boolean {
    return this.#refused !== undefined && this.#refused.error === error;
  }

  async #oauthToken(
    credential: OAuthClientCredential,
    fetchToken: TokenFetcher,
    generation: number,
  ): Promise<string> {
    const refused = this.#refused;
    if (refused && refused.generation === generation && this.#now() < refused.until) throw refused.error;
    const cached = this.#token;
    if (cached && cached.generation === generation && this.#now() < cached.refreshAt)
      return cached.accessToken;
    // Concurrent callers share one fetch instead of each asking for a token.
    if (this.#fetching?.generation === generation) return this.#fetching.token;
    const token = this.#fetch(credential, fetchToken, generation);
    const fetching = { generation, token };
    this.#fetching = fetching;
    const clear = () => {
      if (this.#fetching === fetching) this.#fetching = undefined;
    };
    token.then(clear, clear);
    return token;
  }

  async #fetch(
    credential: OAuthClientCredential,
    fetchToken: TokenFetcher,
    generation: number,
  ): Promise<string> {
    const fetchedAt = this.#now();
    const { accessToken, expiresInSeconds } = await fetchToken(credential);
    const lifetimeMs = expiresInSeconds * 1000;
    if (generation === this.#generation) {
      this.#token = {
        accessToken,
        refreshAt: fetchedAt + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2),
        generation,
      };
    }
    return accessToken;
  }
}

/** Same kind and same values: a re-read that changed nothing. */
function sameCredential(a: Credential, b: Credential): boolean {
  const values = (credential: Credential) =>
    JSON.stringify(Object.entries(credential).sort(([x], [y]) => x.localeCompare(y)));
  return values(a) === values(b);
}
