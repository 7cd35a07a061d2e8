// SecretProviders for tests: a fixed credential, and one that rotates on reload (counting reloads).
import type { Credential } from '../../../../lib/config/schemas.js';
import type { SecretProvider } from '../../../../lib/config/secrets.js';

export function fixedCredential(credential: Credential): SecretProvider<Credential> & { reloads: number } {
  const provider = {
    reloads: 0,
    current: async () => credential,
    reload: async () => {
      provider.reloads += 1;
      return credential;
    },
  };
  return provider;
}

/** `current()` keeps answering the stale value; only `reload()` hands out the fresh one. */
export function rotatingCredential(
  stale: Credential,
  fresh: Credential,
): SecretProvider<Credential> & { reloads: number } {
  const provider = {
    reloads: 0,
    current: async () => stale,
    reload: async () => {
      provider.reloads += 1;
      return fresh;
    },
  };
  return provider;
}

export const API_TOKEN: Credential = {
  auth: 'api-token',
  email: 'ada@example.com',
  apiToken: 'sup3r-s3cret-t0ken',
};
export const ACCESS_TOKEN: Credential = { auth: 'access-token', token: 'acc3ss-t0ken-value' };
export const OAUTH: Credential = {
  auth: 'oauth-client-credentials',
  clientId: 'client-1',
  clientSecret: 'cl13nt-s3cret',
};
