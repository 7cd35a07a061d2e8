// Issue 20's "Done when", end to end through `npm start`: the local server process with the bundled
// simulator's demo workspace, four callers from LOCAL_API_TOKENS, and the server's own every-minute grant
// expiry (no fake timers, no direct call of the expiry handler). A requester asks for a one-minute grant
// for themself, an approver grants it, and within two minutes after it expires the simulator no longer
// holds it and the request is `expired`. A reader is refused every POST route, and a workspace addressed
// by its uuid is held to the same roles as by its slug.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../lib/api/routes.js';
import { findFreePort } from '../../../lib/local/embedded-dynamodb.js';

const WORKSPACE = 'acme';
// A plain member of the demo seed and a private repository no grant, group or project gives them: the
// approval is a real change and the expiry has something to revoke.
const REQUESTER_ACCOUNT = '557058:vendor';
const REPOSITORY = 'secrets-rotation';
const APPROVER_PRINCIPAL = 'grace';

type Caller = 'administrator' | 'requester' | 'approver' | 'reader';
const TOKENS: Record<Caller, string> = {
  administrator: randomBytes(32).toString('base64url'),
  requester: randomBytes(32).toString('base64url'),
  approver: randomBytes(32).toString('base64url'),
  reader: randomBytes(32).toString('base64url'),
};
const LOCAL_API_TOKENS = {
  [TOKENS.administrator]: { principal: 'ada', roles: ['administrator'], workspaces: ['*'] },
  [TOKENS.requester]: {
    principal: 'vera',
    accountId: REQUESTER_ACCOUNT,
    roles: ['requester'],
    workspaces: [WORKSPACE],
  },
  [TOKENS.approver]: {
    principal: APPROVER_PRINCIPAL,
    accountId: '557058:grace',
    roles: ['approver'],
    workspaces: [WORKSPACE],
  },
  [TOKENS.reader]: { principal: 'rita', roles: ['reader'], workspaces: [WORKSPACE] },
};

const dataDir = mkdtempSync(join(tmpdir(), 'bbgov-access-flow-'));
let server: ChildProcess | undefined;
const output = { text: '' };
let apiUrl = '';
let simulatorUrl = '';

// ---------------------------------------------------------------------------------------------------
// The server process

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${output.text}`)),
      timeoutMs,
    );
    const check = () => {
      if (!pattern.test(output.text)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before the ready line:\n${output.text}`));
    });
    check();
  });
}

/** `npm start` without npm's wrapper (as npm-start.test.ts), on a fresh DATA_DIR, with the four callers. */
async function startServer(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(await findFreePort()),
    LOCAL_API_TOKENS: JSON.stringify(LOCAL_API_TOKENS),
  };
  for (const name of Object.keys(env)) {
    if (name.startsWith('BITBUCKET_') || name === 'LOCAL_API_TOKEN' || name === 'DYNAMODB_ENDPOINT')
      delete env[name];
  }
  // Its own process group, so a forced stop also ends the DynamoDB Local java child it started.
  server = spawn(process.execPath, ['--import', 'tsx', 'lib/local/start.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  server.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  await waitForLine(server, /Ctrl-C stops everything/, 110_000);
  apiUrl = /api listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.text)![1]!;
  simulatorUrl = /simulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.text)![1]!;
}

/** Ctrl-C first (the server stops its children itself); the whole process group killed if that hangs. */
async function stopServer(): Promise<void> {
  const child = server;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const stopped = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000)),
  ]);
  if (!stopped) {
    process.kill(-child.pid, 'SIGKILL');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------------
// Calls

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes
  body: any;
  text: string;
}

async function call(method: 'GET' | 'POST', path: string, as: Caller, body?: unknown): Promise<Answer> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKENS[as]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (an error page): `text` says what it was.
  }
  return { status: response.status, body: parsed, text: `${method} ${path} as ${as}: ${text}` };
}

interface SimulatorState {
  workspaces: {
    slug: string;
    uuid: string;
    repositories: { slug: string; userGrants: { accountId: string; permission: string }[] }[];
  }[];
}

async function simulatorState(): Promise<SimulatorState> {
  const response = await fetch(`${simulatorUrl}/_simulator/state`);
  expect(response.status).toBe(200);
  return (await response.json()) as SimulatorState;
}

/** The permission the simulator (Bitbucket's ground truth) gives the requester directly, or null. */
async function simulatorGrant(): Promise<string | null> {
  const workspace = (await simulatorState()).workspaces.find((entry) => entry.slug === WORKSPACE)!;
  const repository = workspace.repositories.find((entry) => entry.slug === REPOSITORY)!;
  return repository.userGrants.find((grant) => grant.accountId === REQUESTER_ACCOUNT)?.permission ?? null;
}

const grantBody = (extra: Record<string, unknown> = {}) => ({
  resource: { type: 'repository', slug: REPOSITORY },
  principal: { type: 'user', accountId: REQUESTER_ACCOUNT },
  permission: 'write',
  ...extra,
});
const requestBody = (extra: Record<string, unknown> = {}) =>
  grantBody({ reason: 'incident on the rotation job', ...extra });

const ws = (address: string) => `/v1/workspaces/${encodeURIComponent(address)}`;
const forbidden = (requiredRole: string) => ({
  code: 'forbidden',
  details: { requiredRole, workspace: WORKSPACE },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------

beforeAll(startServer, 150_000);
afterAll(async () => {
  try {
    await stopServer();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

describe('an access request through npm start', () => {
  // Shared by the steps below, which run in order on one server.
  let since = '';
  let requestId = '';
  let expiresAt = '';

  it('refuses the requester a direct grant, naming the administrator role', async () => {
    since = new Date().toISOString();
    expect(await simulatorGrant()).toBeNull();
    const access = await call('GET', `${ws(WORKSPACE)}/users/${REQUESTER_ACCOUNT}/access`, 'administrator');
    expect(access.status, access.text).toBe(200);
    expect(access.body.repositories.map((entry: { slug: string }) => entry.slug)).not.toContain(REPOSITORY);

    const direct = await call('POST', `${ws(WORKSPACE)}/grants`, 'requester', grantBody());
    expect(direct.status, direct.text).toBe(403);
    expect(direct.body.error).toMatchObject({
      ...forbidden('administrator'),
      message: `this needs the administrator role on workspace ${WORKSPACE}`,
    });
  });

  it('lets the requester ask for themself for one minute, but not approve it', async () => {
    const created = await call(
      'POST',
      `${ws(WORKSPACE)}/access-requests`,
      'requester',
      requestBody({ durationMinutes: 1 }),
    );
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      workspace: WORKSPACE,
      requestedBy: 'vera',
      requesterAccountId: REQUESTER_ACCOUNT,
      durationMinutes: 1,
    });
    requestId = created.body.id;

    const own = await call('POST', `/v1/access-requests/${requestId}/approve`, 'requester');
    expect(own.status, own.text).toBe(403);
    expect(await simulatorGrant()).toBeNull();
  });

  it("grants on the approver's approval: active with expiresAt, and the simulator holds it", async () => {
    expect(requestId, 'the request was not created').not.toBe('');
    const approved = await call('POST', `/v1/access-requests/${requestId}/approve`, 'approver', {
      comment: 'for a minute',
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'active',
      decidedBy: APPROVER_PRINCIPAL,
      alreadyHeld: false,
      expiresAt: expect.any(String),
    });
    expiresAt = approved.body.expiresAt;
    expect(Date.parse(expiresAt) - Date.parse(approved.body.activatedAt)).toBe(60_000);
    expect(await simulatorGrant()).toBe('write');
  });

  it("revokes the grant by the server's own timer within two minutes after expiry", async () => {
    expect(expiresAt, 'the request was not approved').not.toBe('');
    // The server's expiry runs once a minute, so it is due at most a minute after expiresAt; two minutes
    // is the bound, and the margin covers a run that is slow to finish.
    const deadline = Date.parse(expiresAt) + 2 * 60_000 + 15_000;
    let request: Answer;
    let held: string | null;
    for (;;) {
      request = await call('GET', `/v1/access-requests/${requestId}`, 'requester');
      held = await simulatorGrant();
      if ((request.body?.status === 'expired' && held === null) || Date.now() > deadline) break;
      await sleep(5_000);
    }
    expect(request.status, request.text).toBe(200);
    expect(request.body, request.text).toMatchObject({ status: 'expired', expiry: { outcome: 'revoked' } });
    expect(held).toBeNull();
    const expiredAfter = Date.parse(request.body.expiredAt) - Date.parse(expiresAt);
    expect(expiredAfter).toBeGreaterThanOrEqual(0);
    expect(expiredAfter).toBeLessThanOrEqual(2 * 60_000);
  }, 220_000);

  it('refuses a reader every POST route with 403', async () => {
    // A pending request to decide, so that every refusal is the role's and not the request's state.
    const pending = await call('POST', `${ws(WORKSPACE)}/access-requests`, 'requester', requestBody());
    expect(pending.status, pending.text).toBe(201);
    const id: string = pending.body.id;
    // A review campaign, so the review routes by id are refused for the role, not for a missing review.
    const review = await call('POST', `${ws(WORKSPACE)}/reviews`, 'administrator', {
      name: 'reader check',
      dueAt: '2030-01-01T00:00:00Z',
    });
    expect(review.status, review.text).toBe(201);

    const bodies: Record<string, unknown> = {
      '/v1/workspaces/{workspace}/grants': grantBody(),
      '/v1/workspaces/{workspace}/revocations': grantBody(),
      '/v1/workspaces/{workspace}/sync': { markDirty: ['members'] },
      '/v1/workspaces/{workspace}/access-requests': requestBody(),
      '/v1/access-requests/{id}/approve': { comment: 'reader says yes' },
      '/v1/access-requests/{id}/deny': { comment: 'reader says no' },
    };
    // Every role-checked POST route (the webhook receiver checks a signature instead), so a new one is
    // covered as soon as it is declared.
    const posts = ROUTES.filter((route) => route.method === 'POST' && route.target === 'api');
    expect(posts.length).toBeGreaterThanOrEqual(7);
    for (const route of posts) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (name === 'workspace') return WORKSPACE;
        if (name === 'id' && route.path.startsWith('/v1/access-requests/')) return id;
        if (name === 'id' && route.path.startsWith('/v1/reviews/')) return review.body.id as string;
        throw new Error(`${route.path}: no value for {${name}}; teach this test one`);
      });
      const answer = await call('POST', path, 'reader', bodies[route.path] ?? {});
      expect(answer.status, answer.text).toBe(403);
      expect(answer.body.error.code, answer.text).toBe('forbidden');
    }

    const after = await call('GET', `/v1/access-requests/${id}`, 'reader');
    expect(after.body.status).toBe('pending');
    expect(await simulatorGrant()).toBeNull();
    const withdrawn = await call('POST', `/v1/access-requests/${id}/withdraw`, 'requester');
    expect(withdrawn.status, withdrawn.text).toBe(200);
  });

  it('holds a workspace addressed by its uuid, with or without braces, to the same roles', async () => {
    const uuid = (await simulatorState()).workspaces.find((entry) => entry.slug === WORKSPACE)!.uuid;
    const bare = uuid.replace(/^\{|\}$/g, '');
    const checks: {
      what: string;
      method: 'GET' | 'POST';
      path: (address: string) => string;
      as: Caller;
      body?: unknown;
      status: number;
      error?: object;
    }[] = [
      {
        what: 'a requester granting',
        method: 'POST',
        path: (address) => `${ws(address)}/grants`,
        as: 'requester',
        body: grantBody({ dryRun: true }),
        status: 403,
        error: forbidden('administrator'),
      },
      {
        what: 'an administrator granting (dry run)',
        method: 'POST',
        path: (address) => `${ws(address)}/grants`,
        as: 'administrator',
        body: grantBody({ dryRun: true }),
        status: 200,
      },
      {
        what: 'a reader asking',
        method: 'POST',
        path: (address) => `${ws(address)}/access-requests`,
        as: 'reader',
        body: requestBody(),
        status: 403,
        error: forbidden('requester'),
      },
      {
        what: 'a reader listing requests',
        method: 'GET',
        path: (address) => `${ws(address)}/access-requests`,
        as: 'reader',
        status: 200,
      },
      {
        what: 'a requester exporting',
        method: 'GET',
        path: (address) => `${ws(address)}/export`,
        as: 'requester',
        status: 403,
        error: forbidden('reader'),
      },
    ];
    for (const check of checks) {
      for (const address of [WORKSPACE, bare, uuid, `{${bare.toUpperCase()}}`]) {
        const answer = await call(check.method, check.path(address), check.as, check.body);
        expect(answer.status, `${check.what} by ${address}: ${answer.text}`).toBe(check.status);
        if (check.error) expect(answer.body.error, answer.text).toMatchObject(check.error);
      }
    }
  });

  it('logs the grant and its revocation with their actors', async () => {
    expect(since, 'the flow did not start').not.toBe('');
    const changes = await call(
      'GET',
      `${ws(WORKSPACE)}/changes?since=${encodeURIComponent(since)}&limit=500`,
      'reader',
    );
    expect(changes.status, changes.text).toBe(200);
    type Subject = { entitlement?: string; status?: string } | null;
    type Change = { cause: string; actor: string; item: string; before: Subject; after: Subject };
    const all: Change[] = changes.body.changes;

    const grantItem = new RegExp(`^grant/repository/[^/]+/user/${REQUESTER_ACCOUNT}$`);
    const grants = all.filter((change) => change.cause === 'provisioning' && grantItem.test(change.item));
    expect(grants, changes.text).toEqual([
      expect.objectContaining({
        actor: APPROVER_PRINCIPAL,
        before: null,
        after: expect.objectContaining({ entitlement: 'write' }),
      }),
      expect.objectContaining({
        actor: 'grant-expiry',
        before: expect.objectContaining({ entitlement: 'write' }),
        after: null,
      }),
    ]);

    // The request's own steps, each with who took it.
    const steps = all
      .filter((change) => change.item === `access-request/${requestId}`)
      .map((change) => [change.after?.status, change.actor]);
    expect(steps).toEqual([
      ['pending', 'vera'],
      ['approved', APPROVER_PRINCIPAL],
      ['active', APPROVER_PRINCIPAL],
      ['expired', 'grant-expiry'],
    ]);
  });
});
