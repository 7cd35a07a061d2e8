// `npm start` as a new user runs it: a child process on a fresh DATA_DIR, no credentials (so the bundled
// simulator), waiting for the ready line, calling the API with the printed token, then Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../../lib/local/embedded-dynamodb.js';

const dataDir = mkdtempSync(join(tmpdir(), 'bbgov-start-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function waitForLine(process: ChildProcess, pattern: RegExp, output: { text: string }, timeoutMs: number) {
  return new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${output.text}`)),
      timeoutMs,
    );
    const check = () => {
      const match = pattern.exec(output.text);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    process.stdout?.on('data', check);
    process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before the ready line:\n${output.text}`));
    });
    check();
  });
}

describe('npm start', () => {
  it('syncs the simulator, serves the API on loopback with the printed token, and stops on Ctrl-C', async () => {
    const port = await findFreePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port) };
    for (const name of Object.keys(env)) {
      if (name.startsWith('BITBUCKET_') || name === 'LOCAL_API_TOKEN' || name === 'DYNAMODB_ENDPOINT')
        delete env[name];
    }
    // What `npm start` runs, without npm's wrapper, so the signal reaches the connector itself.
    child = spawn(process.execPath, ['--import', 'tsx', 'lib/local/start.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { text: '' };
    child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));

    await waitForLine(child, /Ctrl-C stops everything/, output, 100_000);
    const [, url] = /api listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.text)!;
    const [, token] = /local API token: (\S+)/.exec(output.text)!;
    // The page's URL on its own line, right after the contract line scripts wait for; and it is served.
    const lines = output.text.split('\n');
    expect(lines[lines.indexOf(`api listening on ${url}`) + 1]).toBe(`reviewer page: ${url}/ui/`);
    expect((await fetch(`${url}/ui/`)).status).toBe(200);
    expect(output.text.split('\n')[0]).toMatch(
      /^No Bitbucket credentials configured: using the bundled Bitbucket simulator/,
    );
    expect(output.text).toMatch(/acme \[#+\] 17\/17 scopes/);
    expect(output.text).toMatch(
      /workspace acme:\n {2}12 users \(2 owners\), 4 groups, 3 projects, 10 repositories \(1 public\)/,
    );
    expect(output.text).not.toContain('NodeVersionSupportWarning');
    // The engine cannot be bound to loopback: one warning naming its port, not one per step or request.
    expect(
      output.text.match(
        /warning: DynamoDB Local listens on all interfaces at port \d+ without authentication; keep this machine's firewall closed to it/g,
      ),
    ).toHaveLength(1);

    expect((await fetch(`${url}/v1/workspaces`)).status).toBe(401);
    const access = await fetch(`${url}/v1/workspaces/acme/users/557058%3Aada/access`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(access.status).toBe(200);
    expect(await access.json()).toMatchObject({
      workspace: 'acme',
      user: { accountId: '557058:ada', role: 'owner' },
    });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/v1/workspaces`)).rejects.toThrow();
    // The embedded DynamoDB Local (a java child) is gone too.
    expect(spawnSync('pgrep', ['-f', dataDir]).status).toBe(1);
  });

  it('refuses a taken port before syncing anything: one line, exit code 2', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port) };
      for (const name of Object.keys(env)) if (name.startsWith('BITBUCKET_')) delete env[name];
      const result = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
        const started = spawn(process.execPath, ['--import', 'tsx', 'lib/local/start.ts'], { env });
        let stderr = '';
        let stdout = '';
        started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        started.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        started.once('exit', (code) => resolve({ code, stderr, stdout }));
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`PORT: 127.0.0.1:${port} is already in use`);
      expect(result.stdout).not.toContain('scopes');
    } finally {
      taken.close();
    }
  });

  it('reports a bad setting as plain lines and exit code 2, without a stack', () => {
    // Sixteen characters, as many as the old rule asked for, but no entropy.
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOCAL_API_TOKEN: 'aaaaaaaaaaaaaaaa' };
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'lib/local/start.ts'], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^Invalid configuration:\n {2}- LOCAL_API_TOKEN: expected a token of at least 128 bits/,
    );
    expect(result.stderr).not.toContain('aaaaaaaaaaaaaaaa');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
