// `bbgov requests`: how each command line becomes one API call, what is refused before any request is
// sent (exit code 2, naming the flag), where the API and token come from, and what is printed, against a
// small stand-in HTTP server.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { thrownBy } from '../../support/thrown.js';
import { parseCommandLine, UsageError, type ParsedCommand } from '../../../lib/local/cli-commands.js';
import {
  formatAccessRequest,
  planRequestCommand,
  runRequestsCommand,
  type AccessRequestAnswer,
} from '../../../lib/local/cli-request-commands.js';
import { LocalApiSettingError, resolveApiTarget } from '../../../lib/local/local-api-client.js';

const parsed = (...argv: string[]) => parseCommandLine(['requests', ...argv]) as ParsedCommand;
const plan = (...argv: string[]) => planRequestCommand(parsed(...argv));
const usageErrorOf = (...argv: string[]) => thrownBy(UsageError, () => plan(...argv));

const CREATE = [
  'create',
  '--workspace',
  'acme',
  '--resource',
  'repository:api',
  '--principal',
  'user:557058:ada',
  '--permission',
  'write',
  '--reason',
  'on call',
];
/** CREATE with `flag`'s value replaced (or the flag added). */
function createWith(flag: string, value: string): string[] {
  const argv = [...CREATE];
  const at = argv.indexOf(flag);
  if (at >= 0) argv[at + 1] = value;
  else argv.push(flag, value);
  return argv;
}

describe('bbgov requests: the API call of each command line', () => {
  it('maps the compact type:id syntax onto the API selectors', () => {
    expect(plan(...CREATE, '--duration', '90')).toEqual({
      action: 'create',
      json: false,
      method: 'POST',
      path: '/v1/workspaces/acme/access-requests',
      body: {
        resource: { type: 'repository', slug: 'api' },
        // Split at the first ':' only: the account id keeps its own.
        principal: { type: 'user', accountId: '557058:ada' },
        permission: 'write',
        durationMinutes: 90,
        reason: 'on call',
      },
    });
    const project = plan(...createWith('--resource', 'project:CORE'), '--principal', 'group:developers');
    expect(project.body).toMatchObject({
      resource: { type: 'project', key: 'CORE' },
      principal: { type: 'group', slug: 'developers' },
    });
    const group = plan(
      ...createWith('--resource', 'group:developers').map((a) => (a === 'write' ? 'member' : a)),
    );
    expect(group.body).toMatchObject({
      resource: { type: 'group', slug: 'developers' },
      permission: 'member',
    });
  });

  it('lists, shows and decides by id, with the comment as the body and --api passed on', () => {
    expect(plan('list', '--workspace', 'acme', '--status', 'pending', '--json')).toEqual({
      action: 'list',
      json: true,
      method: 'GET',
      path: '/v1/workspaces/acme/access-requests?status=pending',
    });
    expect(plan('list', '--workspace', 'acme').path).toBe('/v1/workspaces/acme/access-requests');
    expect(plan('show', 'ar-1', '--api', 'http://127.0.0.1:4000')).toEqual({
      action: 'show',
      json: false,
      api: 'http://127.0.0.1:4000',
      method: 'GET',
      path: '/v1/access-requests/ar-1',
    });
    expect(plan('approve', 'ar-1', '--comment', 'ok')).toMatchObject({
      method: 'POST',
      path: '/v1/access-requests/ar-1/approve',
      body: { comment: 'ok' },
    });
    expect(plan('deny', 'ar-1')).toMatchObject({ path: '/v1/access-requests/ar-1/deny', body: {} });
    expect(plan('withdraw', 'ar-1')).toMatchObject({
      method: 'POST',
      path: '/v1/access-requests/ar-1/withdraw',
    });
  });
});

describe('bbgov requests: usage errors, before any request', () => {
  it('names a missing or unknown action, a foreign or missing flag, a missing or extra argument', () => {
    expect(usageErrorOf().message).toBe('missing action: one of create, list, show, approve, deny, withdraw');
    expect(usageErrorOf('grant').message).toBe(
      'unknown requests action "grant": one of create, list, show, approve, deny, withdraw',
    );
    const foreign = usageErrorOf('approve', 'ar-1', '--status', 'pending');
    expect(foreign.message).toBe('--status is not a flag of "requests approve"');
    expect(foreign.usage).toBe('bbgov requests approve ID [--comment TEXT] [--api URL] [--json]');
    expect(usageErrorOf(...CREATE.filter((arg) => arg !== '--reason' && arg !== 'on call')).message).toBe(
      'missing --reason',
    );
    expect(usageErrorOf('list').message).toBe('missing --workspace');
    expect(usageErrorOf('show').message).toBe('missing the request ID (ar-…)');
    expect(usageErrorOf('show', 'ar-1', 'ar-2').message).toBe('unexpected argument "ar-2"');
    expect(usageErrorOf('list', 'pending', '--workspace', 'acme').message).toBe(
      'unexpected argument "pending"',
    );
    // Nothing path-like reaches a URL.
    expect(usageErrorOf('approve', '..').message).toBe('not a request ID: ".."');
    expect(usageErrorOf('show', 'ar-1/../../x').message).toBe('not a request ID: "ar-1/../../x"');
    // Unknown flags are refused by the parser, naming them.
    expect(thrownBy(UsageError, () => parsed('list', '--workspace', 'acme', '--state', 'x')).message).toMatch(
      /--state/,
    );
  });

  it('names a bad type:id, workspace, permission, duration, reason or status', () => {
    expect(usageErrorOf(...createWith('--resource', 'repo:api')).message).toBe(
      '--resource: expected repository:SLUG or project:KEY or group:SLUG, got "repo:api"',
    );
    expect(usageErrorOf(...createWith('--resource', 'api')).message).toMatch(/^--resource: expected /);
    expect(usageErrorOf(...createWith('--resource', 'repository:API')).message).toMatch(
      /^--resource: invalid repository slug \(.*\): "API"$/,
    );
    expect(usageErrorOf(...createWith('--resource', 'project:1x')).message).toMatch(
      /^--resource: invalid project key/,
    );
    expect(usageErrorOf(...createWith('--principal', 'team:x')).message).toBe(
      '--principal: expected user:ACCOUNT_ID or group:SLUG, got "team:x"',
    );
    expect(usageErrorOf(...createWith('--principal', 'user:')).message).toMatch(
      /^--principal: invalid account id/,
    );
    expect(usageErrorOf(...createWith('--workspace', 'Acme Corp')).message).toMatch(
      /^--workspace: invalid workspace slug/,
    );
    expect(usageErrorOf(...createWith('--permission', 'writ')).message).toBe(
      '--permission: expected one of member, read, write, create-repo, admin, got "writ"',
    );
    expect(usageErrorOf(...createWith('--resource', 'group:developers')).message).toBe(
      '--permission: a group takes member',
    );
    for (const duration of ['0', '1.5', '10m', '', '43201'])
      expect(usageErrorOf(...createWith('--duration', duration)).message).toBe(
        `--duration: expected whole minutes from 1 to 43200 (30 days), got "${duration}"`,
      );
    expect(usageErrorOf(...CREATE, '--duration=-5').message).toBe(
      '--duration: expected whole minutes from 1 to 43200 (30 days), got "-5"',
    );
    expect(plan(...createWith('--duration', '43200')).body).toMatchObject({ durationMinutes: 43_200 });
    expect(usageErrorOf(...createWith('--reason', '   ')).message).toBe(
      '--reason: expected a reason of 1 to 2000 characters',
    );
    expect(usageErrorOf('list', '--workspace', 'acme', '--status', 'open').message).toBe(
      '--status: expected one of pending, approved, active, expired, denied, withdrawn, failed, got "open"',
    );
  });
});

describe('bbgov requests: where the API is and who calls', () => {
  it('takes --api, else BBGOV_API_URL, else loopback on PORT; the token from the environment only', () => {
    const token = { BBGOV_API_TOKEN: 'mine', LOCAL_API_TOKEN: 'admin' };
    expect(resolveApiTarget(undefined, { LOCAL_API_TOKEN: 'admin' })).toEqual({
      url: 'http://127.0.0.1:3000',
      urlFrom: 'PORT',
      token: 'admin',
      tokenFrom: 'LOCAL_API_TOKEN',
    });
    expect(resolveApiTarget(undefined, { ...token, PORT: '3100' })).toMatchObject({
      url: 'http://127.0.0.1:3100',
      token: 'mine',
      tokenFrom: 'BBGOV_API_TOKEN',
    });
    expect(
      resolveApiTarget(undefined, { ...token, BBGOV_API_URL: 'https://governance.example.com/base/' }),
    ).toMatchObject({ url: 'https://governance.example.com/base', urlFrom: 'BBGOV_API_URL' });
    expect(
      resolveApiTarget('http://localhost:4000', { ...token, BBGOV_API_URL: 'http://127.0.0.1:1' }),
    ).toMatchObject({ url: 'http://localhost:4000', urlFrom: '--api' });
  });

  it('refuses plain http off this machine, a URL with credentials, a bad PORT and no token', () => {
    const refusal = (api: string | undefined, env: NodeJS.ProcessEnv) =>
      thrownBy(LocalApiSettingError, () => resolveApiTarget(api, { BBGOV_API_TOKEN: 't', ...env })).message;
    expect(refusal('http://governance.example.com', {})).toBe(
      '--api: https is required for governance.example.com (the bearer token would travel in clear text); http is accepted for a loopback host only (127.0.0.0/8, ::1, localhost)',
    );
    expect(refusal(undefined, { BBGOV_API_URL: 'http://10.0.0.5:3000' })).toMatch(
      /^BBGOV_API_URL: https is required/,
    );
    expect(refusal('ftp://127.0.0.1', {})).toBe(
      '--api: expected an http or https URL, got "ftp://127.0.0.1"',
    );
    expect(refusal('127.0.0.1:3000', {})).toBe(
      '--api: not a URL: "127.0.0.1:3000" (expected e.g. http://127.0.0.1:3000)',
    );
    expect(refusal('https://user:pw@example.com', {})).toBe(
      '--api: expected a base URL without credentials, query or fragment',
    );
    expect(refusal(undefined, { PORT: 'http' })).toBe('PORT: expected a port number 1..65535, got "http"');
    expect(thrownBy(LocalApiSettingError, () => resolveApiTarget(undefined, {})).message).toMatch(
      /^no API token: set BBGOV_API_TOKEN/,
    );
  });
});

const REQUEST: AccessRequestAnswer = {
  id: 'ar-1',
  workspace: 'acme',
  status: 'pending',
  resource: { type: 'repository', slug: 'api' },
  principal: { type: 'user', accountId: '557058:ada' },
  permission: 'write',
  durationMinutes: 60,
  reason: 'on call',
  requestedBy: 'reza',
  createdAt: '2025-01-01T00:00:00.000Z',
};

describe('bbgov requests: one line per request', () => {
  it('says id, status, what for whom, who asked, and the expiry', () => {
    expect(formatAccessRequest(REQUEST)).toBe(
      'ar-1  pending    write on repository api for user 557058:ada  requested by reza  lasts 60 min once approved',
    );
    expect(
      formatAccessRequest({ ...REQUEST, status: 'active', expiresAt: '2025-01-01T01:00:00.000Z' }),
    ).toMatch(/ active {5}write on .* expires 2025-01-01T01:00:00.000Z$/);
    const { durationMinutes: _minutes, ...untilRevoked } = REQUEST;
    expect(
      formatAccessRequest({
        ...untilRevoked,
        resource: { type: 'project', key: 'CORE' },
        principal: { type: 'group', slug: 'developers' },
      }),
    ).toBe('ar-1  pending    write on project CORE for group developers  requested by reza  until revoked');
    expect(formatAccessRequest({ ...REQUEST, status: 'denied' })).toMatch(/ no grant$/);
    expect(
      formatAccessRequest({ ...REQUEST, status: 'expired', expiredAt: '2025-01-01T01:00:05.000Z' }),
    ).toMatch(/ expired 2025-01-01T01:00:05.000Z$/);
    // Active without an end: already held (never revoked), or granted until revoked.
    expect(formatAccessRequest({ ...REQUEST, status: 'active', alreadyHeld: true })).toMatch(
      / already held$/,
    );
    expect(
      formatAccessRequest({ ...REQUEST, status: 'active', alreadyHeld: false, durationMinutes: undefined }),
    ).toMatch(/ until revoked$/);
  });

  it('prints what others wrote as one visible line: no escape sequence, forged line or reordering', () => {
    const forged = formatAccessRequest({
      ...REQUEST,
      requestedBy: 'reza\u001b[2J\u001b[31m',
      principal: { type: 'user', accountId: '557058:ada\nar-fake  active  read\u202e' },
    });
    expect(forged).toBe(
      'ar-1  pending    write on repository api for user 557058:ada\\nar-fake  active  read\\u202e  requested by reza\\u001b[2J\\u001b[31m  lasts 60 min once approved',
    );
    expect([...forged].some((character) => character.charCodeAt(0) < 0x20 || character === '\u202e')).toBe(
      false,
    );
  });
});

describe('bbgov requests: against a stand-in API', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A server answering every request with `status` and `body`, recording what it received. */
  async function standIn(status: number, body: unknown) {
    const received: { method: string; url: string; authorization: string; body: string }[] = [];
    server = createServer((request: IncomingMessage, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          authorization: request.headers.authorization ?? '',
          body: text,
        });
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { received, env: { BBGOV_API_URL: url, BBGOV_API_TOKEN: 'tok-1' }, url };
  }

  function capture() {
    const lines = { out: [] as string[], err: [] as string[] };
    return {
      lines,
      output: { out: (line: string) => lines.out.push(line), err: (line: string) => lines.err.push(line) },
    };
  }

  it('sends the call with the bearer token and prints the answer as a line, or as the JSON answered', async () => {
    const api = await standIn(200, { ...REQUEST, status: 'denied', decidedBy: 'april', comment: 'no' });
    const { lines, output } = capture();
    expect(await runRequestsCommand(parsed('deny', 'ar-1', '--comment', 'no'), api.env, output)).toBe(0);
    expect(api.received).toEqual([
      {
        method: 'POST',
        url: '/v1/access-requests/ar-1/deny',
        authorization: 'Bearer tok-1',
        body: '{"comment":"no"}',
      },
    ]);
    expect(lines.out).toEqual([
      'ar-1  denied     write on repository api for user 557058:ada  requested by reza  no grant',
    ]);
    const json = capture();
    expect(await runRequestsCommand(parsed('show', 'ar-1', '--json'), api.env, json.output)).toBe(0);
    expect(JSON.parse(json.lines.out.join('\n'))).toMatchObject({ id: 'ar-1', decidedBy: 'april' });
  });

  it("answers the API's refusal with its status and message on stderr and exit code 1", async () => {
    const api = await standIn(403, {
      error: { code: 'forbidden', message: 'nobody decides a request they made', details: {} },
    });
    const { lines, output } = capture();
    expect(await runRequestsCommand(parsed('approve', 'ar-1'), api.env, output)).toBe(1);
    expect(lines.err).toEqual([
      'bbgov requests approve: HTTP 403 forbidden: nobody decides a request they made',
    ]);
    expect(lines.out).toEqual([]);
  });

  it('sends nothing when the arguments are wrong, and says which URL refused the connection', async () => {
    const api = await standIn(200, {});
    await expect(runRequestsCommand(parsed('approve', 'ar-1', '--status', 'x'), api.env)).rejects.toThrow(
      UsageError,
    );
    await expect(runRequestsCommand(parsed('approve', 'ar-1', '--status', 'x'), api.env)).rejects.toThrow(
      '--status is not a flag of "requests approve"',
    );
    expect(api.received).toEqual([]);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const { lines, output } = capture();
    expect(await runRequestsCommand(parsed('show', 'ar-1'), api.env, output)).toBe(1);
    expect(lines.err).toEqual([
      `bbgov requests show: cannot reach the API at ${api.url} (connection refused); the local API must be running (\`npm start\` or \`bbgov serve\`), or point --api or BBGOV_API_URL at it`,
    ]);
    const setting = capture();
    expect(await runRequestsCommand(parsed('show', 'ar-1'), { BBGOV_API_URL: api.url }, setting.output)).toBe(
      2,
    );
    expect(setting.lines.err[0]).toMatch(/^bbgov requests show: no API token/);
  });
});
