// Service accounts for several sync identities (issue 22): Bitbucket counts requests per account, so each
// further identity is an account of its own, a workspace owner so it may read permissions.
import type { Credential } from '../../lib/config/index.js';
import { ALL_SCOPES } from '../../lib/simulator/generate.js';
import type { SeedDocument } from '../../lib/simulator/index.js';

/**
 * Adds `count` service accounts (`557058:sync-{n}`, owners of every workspace of the seed) with API tokens
 * holding every scope, and answers their credentials in the connector's shape. Mutates and answers `seed`.
 */
export function withServiceAccounts(
  seed: SeedDocument,
  count: number,
): { seed: SeedDocument; credentials: Credential[] } {
  const credentials: Credential[] = [];
  for (let n = 2; n < 2 + count; n++) {
    const accountId = `557058:sync-${n}`;
    const email = `sync-${n}@example.com`;
    const apiToken = `sync-${n}-token`;
    seed.users.push({
      accountId,
      uuid: `{7a0000${String(n).padStart(2, '0')}-4b2a-4c3d-8e4f-5a6b7c8d9e00}`,
      displayName: `Sync service account ${n}`,
      nickname: `sync-${n}`,
      accountStatus: 'active',
    });
    for (const workspace of seed.workspaces)
      workspace.members.push({ accountId, role: 'owner', lastAccessed: null });
    seed.credentials.push({ kind: 'api-token', email, token: apiToken, accountId, scopes: ALL_SCOPES });
    credentials.push({ auth: 'api-token', email, apiToken });
  }
  return { seed, credentials };
}
