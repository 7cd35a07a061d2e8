// `bbgov requests` as people run it: the real bbgov binary, as a requester and as an approver (their
// LOCAL_API_TOKENS tokens in BBGOV_API_TOKEN), against the local API over HTTP with the real handler, the
// simulator and DynamoDB Local. The API's roles decide: the requester cannot approve their own request.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { startApiFixture, type ApiFixture } from '../api/api-fixture.js';

const SEED = 'generated:users=12,groups=2,projects=2,repos=4,seed=5';
const REQUESTER_ACCOUNT = '557058:gen-07';
const APPROVER_ACCOUNT = '557058:gen-08';
const token = (name: string) => `${name}-token-Wm4Hq7Tz2Kc9Lx5Rb8Nv3Pd6Fj1Gs`;
const CALLERS: LocalTokenEntry[] = [
  {
    token: token('requester'),
    principal: 'reza',
    accountId: REQUESTER_ACCOUNT,
    roles: ['requester'],
    workspaces: ['*'],
  },
  {
    token: token('approver'),
    principal: 'april',
    accountId: APPROVER_ACCOUNT,
    roles: ['approver'],
    workspaces: ['*'],
  },
];
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

let fixture: ApiFixture;
beforeAll(async () => {
  fixture = await startApiFixture(SEED, { callers: CALLERS });
});
afterAll(async () => {
  await fixture?.close();
});

/**
 * Runs `bbgov requests …` as `caller`. Asynchronous: the API answers from this process. The environment
 * names the API and the token only (no Bitbucket credential, no store), so nothing but HTTP can answer.
 */
function bbgovAs(
  caller: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (
      name.startsWith('BITBUCKET_') ||
      name.startsWith('BBGOV_') ||
      name.startsWith('LOCAL_API_TOKEN') ||
      name === 'DYNAMODB_ENDPOINT'
    )
      delete env[name];
  Object.assign(env, { BBGOV_API_URL: fixture.url, BBGOV_API_TOKEN: token(caller) });
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['lib/local/bbgov.js', 'requests', ...args],
      { cwd: repositoryRoot, env, encoding: 'utf8', timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Each command transpiles the CLI on start: a few seconds apiece on a loaded 2-core machine.
describe('bbgov requests', { timeout: 300_000 }, () => {
  it('creates, lists, refuses the requester approving, approves as the approver and shows the grant active', async () => {
    const workspace = fixture.workspace.slug;
    const repository = fixture.seed.workspaces[0]!.repositories.find(
      (entry) => !entry.userGrants.some((grant) => grant.accountId === REQUESTER_ACCOUNT),
    )!;

    const created = await bbgovAs(
      'requester',
      'create',
      '--workspace',
      workspace,
      '--resource',
      `repository:${repository.slug}`,
      '--principal',
      `user:${REQUESTER_ACCOUNT}`,
      '--permission',
      'write',
      '--duration',
      '60',
      '--reason',
      'on call this week',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const request = JSON.parse(created.stdout) as { id: string };
    expect(request).toMatchObject({
      status: 'pending',
      workspace,
      resource: { type: 'repository', slug: repository.slug },
      principal: { type: 'user', accountId: REQUESTER_ACCOUNT },
      requestedBy: 'reza',
      durationMinutes: 60,
    });

    const listed = await bbgovAs('approver', 'list', '--workspace', workspace, '--status', 'pending');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toContain(
      `${request.id}  pending    write on repository ${repository.slug} for user ${REQUESTER_ACCOUNT}  requested by reza  lasts 60 min once approved`,
    );

    // The API's refusal, word for word, with its status; nothing granted.
    const own = await bbgovAs('requester', 'approve', request.id);
    expect(own.code).toBe(1);
    expect(own.stderr.trim()).toBe(
      `bbgov requests approve: HTTP 403 forbidden: this needs the approver role on workspace ${workspace}`,
    );
    expect(own.stdout).toBe('');

    const approved = await bbgovAs('approver', 'approve', request.id, '--comment', 'ok for the hour');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(
      new RegExp(`^${request.id} {2}active {5}write on repository .* requested by reza {2}expires \\S+Z\\n$`),
    );

    const shown = await bbgovAs('requester', 'show', request.id, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const answer = JSON.parse(shown.stdout) as { activatedAt: string; expiresAt: string };
    expect(answer).toMatchObject({ status: 'active', decidedBy: 'april', comment: 'ok for the hour' });
    expect(Date.parse(answer.expiresAt) - Date.parse(answer.activatedAt)).toBe(60 * 60_000);
    // Bitbucket (the simulator) holds the grant the approval made.
    const truth = (await fixture.harness.groundTruth()).workspaces[0]!;
    expect(
      truth.repositories
        .find((entry) => entry.slug === repository.slug)!
        .userGrants.find((grant) => grant.accountId === REQUESTER_ACCOUNT)?.permission,
    ).toBe('write');

    const human = await bbgovAs('requester', 'show', request.id);
    expect(human.stdout).toContain('  decided by april at ');
    expect(human.stdout).toContain('  comment: ok for the hour');
  });

  it('refuses a bad type:id with exit code 2 before calling, and a token the API does not know with 401', async () => {
    const bad = await bbgovAs(
      'requester',
      'create',
      '--workspace',
      fixture.workspace.slug,
      '--resource',
      'repo:api',
      '--principal',
      `user:${REQUESTER_ACCOUNT}`,
      '--permission',
      'write',
      '--reason',
      'x',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'bbgov: --resource: expected repository:SLUG or project:KEY or group:SLUG, got "repo:api"',
    );
    const stranger = await bbgovAs('stranger', 'list', '--workspace', fixture.workspace.slug);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(
      /^bbgov requests list: HTTP 401 unauthorized: .*\(the token in BBGOV_API_TOKEN is not one this API knows\)$/m,
    );
  });
});
