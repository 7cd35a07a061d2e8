// Workspace discovery refused: GET /2.0/user/workspaces answering 401 says which scope the token likely
// lacks when GET /2.0/user works, and says to check the credential when that is refused too (or the OAuth
// token request is). The simulator over HTTP (401 per missing scope for API tokens), DynamoDB Local.
import { afterEach, describe, expect, it } from 'vitest';
import type { Credential } from '../../../lib/config/index.js';
import { generateSeed, type SeedDocument } from '../../../lib/simulator/index.js';
import { resolveGovernedWorkspaces, WorkspaceDiscoveryRefused } from '../../../lib/sync/index.js';
import { startHarness, type Harness } from '../../support/governance-harness.js';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A generated workspace whose owner also holds an API token with `scopes` only. */
function seedWithToken(scopes: string[]): SeedDocument {
  const seed = generateSeed({ users: 10, groups: 2, projects: 1, repos: 2, seed: 3 });
  const owner = seed.workspaces[0]!.members.find((member) => member.role === 'owner')!;
  seed.credentials.push({
    kind: 'api-token',
    email: 'limited@example.com',
    token: 'limited-token',
    accountId: owner.accountId,
    scopes,
  });
  return seed;
}

async function discoveryError(credential: Credential, scopes: string[]): Promise<unknown> {
  harness = await startHarness({ seed: seedWithToken(scopes), credential });
  return resolveGovernedWorkspaces(harness.dependencies, []).then(
    () => undefined,
    (error: unknown) => error,
  );
}

const limited: Credential = { auth: 'api-token', email: 'limited@example.com', apiToken: 'limited-token' };

describe('workspace discovery refused', () => {
  it('a token without read:workspace:bitbucket (GET /2.0/user works): names the scope it likely lacks', async () => {
    const error = await discoveryError(limited, ['read:user:bitbucket', 'read:project:bitbucket']);
    // Before: Bitbucket's bare "GET /2.0/user/workspaces answered 401: …".
    expect(error).toBeInstanceOf(WorkspaceDiscoveryRefused);
    const refused = error as WorkspaceDiscoveryRefused;
    expect(refused.reason).toBe('capability-gap');
    expect(refused.gap).toMatchObject({
      status: 401,
      endpoint: 'GET /2.0/user/workspaces',
      likelyMissing: ['read:workspace:bitbucket'],
    });
    expect(refused.message).toMatch(
      /^workspace discovery: GET \/2\.0\/user\/workspaces refused \(401 for this endpoint only.*read:workspace:bitbucket/,
    );
    expect(refused.message).toContain('Bitbucket said: GET /2.0/user/workspaces answered 401');
    expect(refused.message).not.toMatch(/credential is refused/);
  });

  it('a refused API token (401 on GET /2.0/user too): check the credential, with Bitbucket’s words', async () => {
    const error = await discoveryError({ ...limited, apiToken: 'not-the-token' }, ['read:user:bitbucket']);
    expect(error).toBeInstanceOf(WorkspaceDiscoveryRefused);
    const refused = error as WorkspaceDiscoveryRefused;
    expect(refused.reason).toBe('credential-refused');
    expect(refused.message).toMatch(
      /^workspace discovery: the credential is refused: check BITBUCKET_EMAIL\/BITBUCKET_API_TOKEN \(or the OAuth client \/ access token\)\. Bitbucket said: GET \/2\.0\/user\/workspaces answered 401/,
    );
    expect(refused.message).not.toContain('not-the-token');
  });

  it('a refused OAuth client: check the credential, with the token endpoint’s error_description', async () => {
    const error = await discoveryError(
      { auth: 'oauth-client-credentials', clientId: 'generated-client', clientSecret: 'wrong-secret' },
      ['read:user:bitbucket'],
    );
    expect(error).toBeInstanceOf(WorkspaceDiscoveryRefused);
    const refused = error as WorkspaceDiscoveryRefused;
    expect(refused.reason).toBe('credential-refused');
    expect(refused.message).toMatch(/^workspace discovery: the credential is refused: check BITBUCKET_EMAIL/);
    expect(refused.message).toContain('the OAuth token request was refused: invalid_client');
    expect(refused.message).not.toContain('wrong-secret');
  });
});
