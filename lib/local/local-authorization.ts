// Who may do what on this machine: the LOCAL_API_TOKEN (or the random token `npm start` prints) is one
// administrator of every workspace, as it always was; each LOCAL_API_TOKENS entry is a caller with the
// roles, workspaces and account it names. The same policy class decides as in AWS.
import { AuthorizationPolicy } from '../authz/index.js';
import type { LocalTokenEntry } from '../config/index.js';
import { LOCAL_PRINCIPAL } from './api-gateway-adapter.js';

/** The local policy document's evaluator: LOCAL_PRINCIPAL administers all, then every token's statement. */
export function localAuthorizationPolicy(entries: readonly LocalTokenEntry[]): AuthorizationPolicy {
  return new AuthorizationPolicy({
    statements: [
      { principal: LOCAL_PRINCIPAL, roles: ['administrator'], workspaces: ['*'] },
      ...entries.map(({ token: _token, ...statement }) => statement),
    ],
  });
}

/** Bearer token → principal, for the local HTTP server (LOCAL_API_TOKENS only; the admin token is added there). */
export function localBearerTokens(entries: readonly LocalTokenEntry[]): Map<string, string> {
  return new Map(entries.map((entry) => [entry.token, entry.principal]));
}
