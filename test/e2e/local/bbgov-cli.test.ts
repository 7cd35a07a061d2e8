// The bbgov CLI as a user runs it (`npx bbgov …` through the package bin), sharing one DATA_DIR so a
// sync is visible to the commands after it.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSeed } from '../../../lib/simulator/demo-seed.js';
import { loadSeed, parseSeed, startSimulator } from '../../../lib/simulator/index.js';
import { DISCOVERY_MAX_REQUESTS } from '../../../lib/sync/index.js';
import { lowerBoundRequests } from '../../support/governance-harness.js';
import { withServiceAccounts } from '../../support/service-accounts.js';

const dataDir = mkdtempSync(join(tmpdir(), 'bbgov-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function bbgov(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  for (const name of Object.keys(env))
    if (name.startsWith('BITBUCKET_') || name === 'DYNAMODB_ENDPOINT') delete env[name];
  const result = spawnSync(process.execPath, ['lib/local/bbgov.js', ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Each command starts DynamoDB Local and transpiles the CLI: on a loaded 2-core machine a few minutes.
describe(
  'bbgov sync --until-complete on a workspace larger than one paced share',
  { timeout: 240_000 },
  () => {
    it('completes the pass in one command, spending no more than the lower bound and discovery', async () => {
      // 278 scopes, about 560 requests: eight 5-minute shares of the default 800/h.
      const seed = loadSeed('generated:users=238,groups=12,projects=14,repos=260');
      const credential = seed.credentials.find((entry) => entry.kind === 'api-token')!;
      const simulator = await startSimulator({ seed });
      const ownDataDir = mkdtempSync(join(tmpdir(), 'bbgov-until-complete-'));
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: ownDataDir };
        for (const name of Object.keys(env))
          if (name.startsWith('BITBUCKET_') || name.startsWith('SYNC_') || name === 'DYNAMODB_ENDPOINT')
            delete env[name];
        Object.assign(env, {
          BITBUCKET_API_URL: simulator.url,
          BITBUCKET_EMAIL: credential.kind === 'api-token' ? credential.email : '',
          BITBUCKET_API_TOKEN: credential.kind === 'api-token' ? credential.token : '',
        });
        // Asynchronous: the simulator answers from this process.
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['lib/local/bbgov.js', 'sync', '--until-complete', '--json'],
          { env, encoding: 'utf8', timeout: 230_000 },
        );
        const [report] = JSON.parse(stdout) as { completed: boolean; requests: number; steps: number }[];
        const lowerBound = lowerBoundRequests(seed);
        expect(lowerBound).toBeGreaterThan(8 * 67);
        expect(report).toMatchObject({ completed: true });
        expect(report!.requests).toBeGreaterThanOrEqual(lowerBound);
        const served = (await (await fetch(`${simulator.url}/_simulator/requests`)).json()) as {
          total: number;
        };
        // Everything Bitbucket served: the pass and the discovery of the workspace, nothing more.
        expect(served.total).toBeLessThanOrEqual(lowerBound + DISCOVERY_MAX_REQUESTS);
      } finally {
        await simulator.stop();
        rmSync(ownDataDir, { recursive: true, force: true });
      }
    });
  },
);

describe('bbgov', { timeout: 240_000 }, () => {
  it('answers usage errors with exit code 2 and the usage line', () => {
    const result = bbgov('sync', '--until-done');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: bbgov sync [--workspace SLUG] [--until-complete] [--json]');
    expect(bbgov('export', '--help').stdout).toContain('usage: bbgov export');
  });

  it('syncs until complete, then answers access and exports from the same DATA_DIR', () => {
    const sync = bbgov('sync', '--until-complete', '--json');
    expect(sync.code, sync.stderr).toBe(0);
    const [report] = JSON.parse(sync.stdout) as { workspace: string; completed: boolean; requests: number }[];
    expect(report).toMatchObject({ workspace: 'acme', completed: true });
    expect(report!.requests).toBeGreaterThan(10);

    const access = bbgov('access', '557058:ada', '--json');
    expect(access.code, access.stderr).toBe(0);
    expect(JSON.parse(access.stdout)).toMatchObject({
      workspace: 'acme',
      user: { role: 'owner' },
      coverage: { complete: true, capabilityGaps: [] },
    });
    const table = bbgov('access', '557058:ada');
    expect(table.stdout).toMatch(/^REPOSITORY\s+PERMISSION\s+LAST ACTIVITY\s+PATHS$/m);
    expect(bbgov('access', 'nobody:1').code).toBe(1);

    const out = join(dataDir, 'review.csv');
    const exported = bbgov('export', '--format', 'csv', '--out', out);
    expect(exported.code, exported.stderr).toBe(0);
    const csv = readFileSync(out, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^accountId,displayName,role,resourceType,/);
    const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8')) as {
      rows: number;
      sha256: string;
    };
    expect(manifest.rows).toBe(csv.trim().split('\n').length - 1);
    expect(bbgov('export', '--format', 'xml').code).toBe(2);
  });

  it('reports a bad setting as plain lines and exit code 2, without a stack', () => {
    const result = spawnSync(process.execPath, ['lib/local/bbgov.js', 'doctor'], {
      env: { ...process.env, DATA_DIR: dataDir, SYNC_HOURLY_REQUEST_BUDGET: 'lots' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Invalid configuration:\n {2}- SYNC_HOURLY_REQUEST_BUDGET/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('reports the credential and its capabilities', () => {
    const doctor = bbgov('doctor', '--json');
    expect(doctor.code, doctor.stderr).toBe(0);
    // DynamoDB Local cannot be bound to loopback: said once, on stderr, so --json stays data.
    expect(
      doctor.stderr.match(/DynamoDB Local listens on all interfaces at port \d+ without authentication/g),
    ).toHaveLength(1);
    expect(JSON.parse(doctor.stdout)).toMatchObject({
      credential: 'api-token',
      workspaces: [{ slug: 'acme', administrator: true }],
      capabilities: { workspace: 'acme', readMembers: { answer: 'yes' } },
      // The demo workspace is Bitbucket-administered and no organization key is configured.
      organization: { configured: false },
    });
    expect(JSON.parse(doctor.stdout).organization.note).toMatch(
      /ATLASSIAN_ORG_ID \+ ATLASSIAN_ADMIN_API_KEY/,
    );
  });

  it('names each further sync identity and fails on one that adds no hour', async () => {
    const { seed, credentials } = withServiceAccounts(parseSeed(demoSeed()), 1);
    const simulator = await startSimulator({ seed });
    const ownDataDir = mkdtempSync(join(tmpdir(), 'bbgov-doctor-identities-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: ownDataDir };
      for (const name of Object.keys(env))
        if (name.startsWith('BITBUCKET_') || name === 'DYNAMODB_ENDPOINT') delete env[name];
      Object.assign(env, {
        BITBUCKET_API_URL: simulator.url,
        BITBUCKET_OAUTH_URL: simulator.url,
        BITBUCKET_EMAIL: 'ada@example.com',
        BITBUCKET_API_TOKEN: 't0k3n',
        // A service account, and Ada's own OAuth consumer: the same account as the primary token.
        BITBUCKET_SYNC_IDENTITIES: JSON.stringify([
          ...credentials,
          { auth: 'oauth-client-credentials', clientId: 'cid', clientSecret: 'cs' },
        ]),
      });
      const run = await promisify(execFile)(process.execPath, ['lib/local/bbgov.js', 'doctor', '--json'], {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      }).then(
        (done) => ({ code: 0, stdout: done.stdout }),
        (failed: { code: number; stdout: string }) => ({ code: failed.code, stdout: failed.stdout }),
      );
      expect(run.code).toBe(1);
      const lines = (JSON.parse(run.stdout) as { syncIdentities: string[] }).syncIdentities;
      expect(lines[0]).toBe('sync-2@example.com: Sync service account 2 (557058:sync-2)');
      expect(lines[1]).toMatch(
        /^oauth client cid: Ada Lovelace \(557058:ada\): the same account as another identity/,
      );
      expect(run.stdout).not.toContain('sync-2-token');
    } finally {
      await simulator.stop();
      rmSync(ownDataDir, { recursive: true, force: true });
    }
  });

  it('installs the workspace webhook and keeps its secret under DATA_DIR', () => {
    // The simulator delivers to this machine: plain http, allowed for loopback with --allow-insecure.
    const installed = bbgov(
      'webhooks',
      'install',
      '--url',
      'http://127.0.0.1:9/webhooks/bitbucket/acme',
      '--allow-insecure',
    );
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toMatch(/^created webhook \S+ on acme/);
    expect(existsSync(join(dataDir, 'webhook-secrets.json'))).toBe(true);
    expect(bbgov('webhooks', 'remove').code).toBe(2);
  });

  it('refuses an http receiver URL with exit code 2 before starting anything', () => {
    const plain = bbgov('webhooks', 'install', '--url', 'http://127.0.0.1:9/webhooks/bitbucket/acme');
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(
      'bbgov: --url: https is required (signed deliveries would travel in clear text); for a receiver on this machine add --allow-insecure',
    );
    expect(plain.stderr).toContain('[--allow-insecure]');
    const remote = bbgov('webhooks', 'install', '--url', 'http://hooks.example.com/w', '--allow-insecure');
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('--allow-insecure is accepted for a loopback host only');
    // Refused before DynamoDB Local started.
    expect(remote.stderr).not.toContain('DynamoDB Local listens');
    expect(bbgov('webhooks', '--help').stdout).toContain(
      '--allow-insecure accepts http for a loopback host only',
    );
  });
});
