// Secrets must never reach a log line (DESIGN: "no secret in a log line"). The logger runs every value
// through this replacer: credential-like keys are masked whole, and Authorization-style strings are cut.

// `apiKey`, `ATLASSIAN_ADMIN_API_KEY`: the organization's Admin API key (ADMIN-API.md).
const SECRET_KEY =
  /^(authorization|x-hub-signature|cookie|set-cookie|.*secret.*|.*token|.*password.*|credentials?|.*api_?key)$/i;
const AUTH_SCHEME_VALUE = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{4,}/g;
const URL_USERINFO = /(\bhttps?:\/\/)[^/\s:@]+:[^/\s@]+@/g;

export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactString(value: string): string {
  return value.replace(AUTH_SCHEME_VALUE, `$1 ${REDACTED}`).replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** A JSON.stringify replacer: masks secret keys and credential-bearing strings. */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key !== '' && isSecretKey(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return redactString(value);
  return value;
}
