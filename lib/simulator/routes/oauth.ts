// POST /site/oauth2/access_token: the client-credentials grant (Basic client_id:secret or form fields).
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../auth.js';

export const TOKEN_PATH = '/site/oauth2/access_token';

export function clientIdOf(req: IncomingMessage, form: URLSearchParams): string | undefined {
  const header = req.headers.authorization ?? '';
  if (/^basic\s/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    return decoded.split(':', 1)[0];
  }
  return form.get('client_id') ?? undefined;
}

export function tokenResponse(
  req: IncomingMessage,
  raw: Buffer,
  auth: Authenticator,
): { status: number; body: unknown } {
  const form = new URLSearchParams(raw.toString('utf8'));
  let clientId = form.get('client_id') ?? '';
  let clientSecret = form.get('client_secret') ?? '';
  const header = req.headers.authorization ?? '';
  if (/^basic\s/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    clientId = decoded.slice(0, colon);
    clientSecret = decoded.slice(colon + 1);
  }
  const grantType = form.get('grant_type');
  if (grantType !== 'client_credentials')
    return {
      status: 400,
      body: {
        error: 'unsupported_grant_type',
        error_description: `Unsupported grant type: ${grantType ?? 'none'}`,
      },
    };
  const issued = auth.issue(clientId, clientSecret);
  if (!issued)
    return {
      status: 400,
      body: { error: 'invalid_client', error_description: 'Invalid OAuth client credentials' },
    };
  return {
    status: 200,
    body: {
      access_token: issued.token,
      scopes: (issued.scopes ?? ['account', 'project', 'repository', 'webhook']).join(' '),
      expires_in: issued.expiresIn,
      token_type: 'bearer',
      state: 'client_credentials',
    },
  };
}
