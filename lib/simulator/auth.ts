// Who is calling: Basic (e-mail + API token), Bearer (OAuth access token or workspace access token).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SeedCredential } from './seed.js';

export type Principal =
  | { kind: 'api-token'; identity: string; accountId: string; scopes: ReadonlySet<string> | null }
  | { kind: 'oauth'; identity: string; accountId: string; scopes: ReadonlySet<string> | null }
  | {
      kind: 'access-token';
      identity: string;
      workspace: string;
      scopes: ReadonlySet<string> | null;
      /** The token's scaled hourly limit, when the seed gives one. */
      hourlyRequestLimit?: number;
    };

export type AuthResult = { ok: true; principal: Principal } | { ok: false; identity: string; reason: string };

interface IssuedToken {
  accountId: string;
  clientId: string;
  scopes: ReadonlySet<string> | null;
  expiresAt: number;
}

const scopeSet = (scopes: string[] | undefined) => (scopes ? new Set(scopes) : null);

/** Keeps OAuth tokens it issued and resolves Authorization headers against the seed credentials. */
export class Authenticator {
  private tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly credentials: () => readonly SeedCredential[],
    private readonly now: () => number,
    private readonly ttlSeconds: number,
  ) {}

  clear(): void {
    this.tokens.clear();
  }

  authenticate(req: IncomingMessage): AuthResult {
    const header = req.headers.authorization;
    if (!header) return { ok: false, identity: 'anonymous', reason: 'missing credentials' };
    const [scheme, value = ''] = header.split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      const secret = decoded.slice(colon + 1);
      const match = this.credentials().find(
        (c) =>
          c.kind === 'api-token' &&
          colon > 0 &&
          c.email.toLowerCase() === user.toLowerCase() &&
          c.token === secret,
      );
      if (match?.kind === 'api-token')
        return {
          ok: true,
          principal: {
            kind: 'api-token',
            identity: match.accountId,
            accountId: match.accountId,
            scopes: scopeSet(match.scopes),
          },
        };
      return { ok: false, identity: 'anonymous', reason: 'invalid credentials' };
    }
    if (scheme?.toLowerCase() === 'bearer') {
      const issued = this.tokens.get(value);
      if (issued) {
        if (issued.expiresAt <= this.now())
          return { ok: false, identity: 'anonymous', reason: 'access token expired' };
        return {
          ok: true,
          principal: {
            kind: 'oauth',
            identity: issued.accountId,
            accountId: issued.accountId,
            scopes: issued.scopes,
          },
        };
      }
      const access = this.credentials().find((c) => c.kind === 'access-token' && c.token === value);
      if (access?.kind === 'access-token')
        return {
          ok: true,
          principal: {
            kind: 'access-token',
            identity: `access-token:${access.workspace}`,
            workspace: access.workspace,
            scopes: scopeSet(access.scopes),
            ...(access.hourlyRequestLimit ? { hourlyRequestLimit: access.hourlyRequestLimit } : {}),
          },
        };
      return { ok: false, identity: 'anonymous', reason: 'invalid access token' };
    }
    return { ok: false, identity: 'anonymous', reason: 'unsupported authorization scheme' };
  }

  /** Client-credentials grant; undefined when the client is unknown or the secret is wrong. */
  issue(
    clientId: string,
    clientSecret: string,
  ): { token: string; expiresIn: number; scopes: string[] | null; accountId: string } | undefined {
    const client = this.credentials().find(
      (c) =>
        c.kind === 'oauth-client-credentials' && c.clientId === clientId && c.clientSecret === clientSecret,
    );
    if (client?.kind !== 'oauth-client-credentials') return undefined;
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, {
      accountId: client.accountId,
      clientId,
      scopes: scopeSet(client.scopes),
      expiresAt: this.now() + this.ttlSeconds * 1000,
    });
    return { token, expiresIn: this.ttlSeconds, scopes: client.scopes ?? null, accountId: client.accountId };
  }
}
