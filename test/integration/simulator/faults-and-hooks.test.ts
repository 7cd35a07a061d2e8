// Injected faults (latency, status, drop, malformed JSON, gone) and signed webhook deliveries to a local
// receiver, with retries on 5xx and no events for membership or permission changes.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../lib/simulator/index.js';
import { startSimulator } from '../../../lib/simulator/index.js';
import { adaAuth, bearer, call, control } from './support/client.js';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo' });
});
afterAll(() => sim.stop());
afterEach(async () => {
  await control(sim.url, 'reset', 'POST');
});

const addFaults = (faults: unknown[]) => control(sim.url, 'faults', 'POST', { faults });

describe('faults', () => {
  it('status: a 503 for the next two matching requests, then normal service', async () => {
    await addFaults([
      { match: { method: 'GET', pathPrefix: '/2.0/repositories/' }, kind: 'status', status: 503, times: 2 },
    ]);
    expect((await call(sim.url, '/2.0/user')).status).toBe(200);
    expect((await call(sim.url, '/2.0/repositories/acme')).status).toBe(503);
    expect((await call(sim.url, '/2.0/repositories/acme')).status).toBe(503);
    expect((await call(sim.url, '/2.0/repositories/acme')).status).toBe(200);
  });

  it('status 429: text/plain, with Retry-After only when given', async () => {
    await addFaults([
      { kind: 'status', status: 429 },
      { kind: 'status', status: 429, retryAfter: 7 },
    ]);
    const plain = await call(sim.url, '/2.0/user');
    expect(plain.status).toBe(429);
    expect(plain.text).toBe('Rate limit for this resource has been exceeded');
    expect(plain.headers.get('retry-after')).toBeNull();
    const withHeader = await call(sim.url, '/2.0/user');
    expect(withHeader.headers.get('retry-after')).toBe('7');
  });

  it('matches on identity', async () => {
    await addFaults([{ match: { identity: 'access-token:acme' }, kind: 'status', status: 500 }]);
    expect((await call(sim.url, '/2.0/user')).status).toBe(200);
    expect((await call(sim.url, '/2.0/user', { auth: bearer('wat') })).status).toBe(500);
  });

  it('drop: the connection closes without an answer', async () => {
    await addFaults([{ kind: 'drop' }]);
    await expect(fetch(`${sim.url}/2.0/user`, { headers: { authorization: adaAuth } })).rejects.toThrow();
    expect((await call(sim.url, '/2.0/user')).status).toBe(200);
  });

  it('malformed-json: a 200 whose body does not parse', async () => {
    await addFaults([{ kind: 'malformed-json' }]);
    const response = await fetch(`${sim.url}/2.0/repositories/acme`, { headers: { authorization: adaAuth } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    await expect(response.json()).rejects.toThrow();
  });

  it('gone: 410 with a CHANGE- notice', async () => {
    await addFaults([{ kind: 'gone', match: { pathPrefix: '/1.0/groups' } }]);
    const answer = await call(sim.url, '/1.0/groups/acme');
    expect(answer.status).toBe(410);
    expect(answer.json.error.detail).toContain('CHANGE-');
  });

  it('latency: the answer still comes, after the delay', async () => {
    await addFaults([{ kind: 'latency', ms: 50 }]);
    expect((await call(sim.url, '/2.0/user')).status).toBe(200);
    expect((await control(sim.url, 'faults')).json.faults).toEqual([]);
  });

  it('DELETE /_simulator/faults clears pending faults; bad specs are refused', async () => {
    await addFaults([{ kind: 'status', status: 500, times: 5 }]);
    await control(sim.url, 'faults', 'DELETE');
    expect((await call(sim.url, '/2.0/user')).status).toBe(200);
    expect((await addFaults([{ kind: 'explode' }])).status).toBe(400);
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe('webhooks', () => {
  const received: Received[] = [];
  let receiver: Server;
  let receiverUrl: string;
  let failuresToServe = 0;
  const secret = 'a-long-webhook-secret-for-tests';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        if (failuresToServe > 0) {
          failuresToServe--;
          res.writeHead(503).end();
        } else res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  afterEach(() => {
    received.length = 0;
    failuresToServe = 0;
  });

  async function registerHook(events: string[], withSecret = true) {
    const answer = await call(sim.url, '/2.0/workspaces/acme/hooks', {
      method: 'POST',
      body: {
        description: 'governance',
        url: receiverUrl,
        active: true,
        events,
        ...(withSecret ? { secret } : {}),
      },
    });
    expect(answer.status).toBe(201);
    return answer.json;
  }

  const settle = async () => (await control(sim.url, 'deliveries?settle=true')).json.deliveries as any[];

  it('manages hooks without ever echoing the secret', async () => {
    const hook = await registerHook(['repo:created', 'repo:push']);
    expect(hook).toMatchObject({
      type: 'webhook_subscription',
      url: receiverUrl,
      active: true,
      secret_set: true,
      subject_type: 'workspace',
    });
    expect(JSON.stringify(hook)).not.toContain(secret);
    const uid = encodeURIComponent(hook.uuid);
    const listed = await call(sim.url, '/2.0/workspaces/acme/hooks');
    expect(listed.json.values).toHaveLength(1);
    expect(JSON.stringify(listed.json)).not.toContain(secret);
    const updated = await call(sim.url, `/2.0/workspaces/acme/hooks/${uid}`, {
      method: 'PUT',
      body: { active: false, description: 'paused' },
    });
    expect(updated.json).toMatchObject({ active: false, description: 'paused', secret_set: true });
    expect((await call(sim.url, `/2.0/workspaces/acme/hooks/${uid}`)).json.active).toBe(false);
    expect(
      (
        await call(sim.url, '/2.0/workspaces/acme/hooks', {
          method: 'POST',
          body: { url: 'not a url', events: ['repo:push'] },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call(sim.url, '/2.0/workspaces/acme/hooks', {
          method: 'POST',
          body: { url: receiverUrl, events: ['repo:explode'] },
        })
      ).status,
    ).toBe(400);
    expect((await call(sim.url, `/2.0/workspaces/acme/hooks/${uid}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(sim.url, `/2.0/workspaces/acme/hooks/${uid}`)).status).toBe(404);
  });

  it('delivers signed repo events with Bitbucket headers and payloads', async () => {
    const hook = await registerHook([
      'repo:created',
      'repo:updated',
      'repo:deleted',
      'repo:push',
      'project:updated',
      'pullrequest:created',
    ]);
    await control(sim.url, 'mutations', 'POST', {
      mutations: [
        {
          op: 'createRepository',
          workspace: 'acme',
          repository: { slug: 'new-repo', project: 'CORE', isPrivate: true },
        },
        { op: 'renameRepository', workspace: 'acme', slug: 'new-repo', newName: 'Renamed' },
        { op: 'push', workspace: 'acme', repository: 'api', accountId: '557058:alan' },
        {
          op: 'pullRequest',
          workspace: 'acme',
          repository: 'api',
          accountId: '557058:alan',
          action: 'created',
        },
        { op: 'updateProject', workspace: 'acme', project: 'WEB', name: 'Web sites' },
        { op: 'deleteRepository', workspace: 'acme', slug: 'new-repo' },
      ],
    });
    const deliveries = await settle();
    expect(deliveries.map((d) => [d.event, d.status, d.attempt])).toEqual(
      expect.arrayContaining([
        ['repo:created', 200, 1],
        ['repo:updated', 200, 1],
        ['repo:push', 200, 1],
        ['pullrequest:created', 200, 1],
        ['project:updated', 200, 1],
        ['repo:deleted', 200, 1],
      ]),
    );
    expect(received).toHaveLength(6);
    for (const { headers, body } of received) {
      expect(headers['content-type']).toBe('application/json');
      expect(headers['x-hook-uuid']).toBe(hook.uuid);
      expect(headers['x-request-uuid']).toMatch(/^\{[0-9a-f-]{36}\}$/);
      expect(headers['x-attempt-number']).toBe('1');
      const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      expect(headers['x-hub-signature']).toBe(expected);
    }
    const byKey = new Map(
      received.map((r) => [r.headers['x-event-key'], JSON.parse(r.body.toString('utf8'))]),
    );
    expect(byKey.get('repo:created')).toMatchObject({
      actor: { type: 'user', account_id: '557058:ada' },
      repository: { type: 'repository', full_name: 'acme/new-repo', project: { key: 'CORE' } },
    });
    expect(byKey.get('repo:updated').changes).toEqual({ name: { old: 'new-repo', new: 'Renamed' } });
    expect(byKey.get('repo:push').push.changes[0].new).toMatchObject({ type: 'branch', name: 'main' });
    expect(byKey.get('repo:push').actor.account_id).toBe('557058:alan');
    expect(byKey.get('pullrequest:created').pullrequest).toMatchObject({
      type: 'pullrequest',
      state: 'OPEN',
    });
    expect(byKey.get('project:updated')).toMatchObject({
      project: { key: 'WEB', name: 'Web sites' },
      changes: { name: { old: 'Web', new: 'Web sites' } },
    });
  });

  it('push payloads carry the author’s commit dates, older than the push', async () => {
    await registerHook(['repo:push']);
    const pushedAfter = Date.now();
    await control(sim.url, 'mutations', 'POST', {
      mutations: [
        { op: 'push', workspace: 'acme', repository: 'api', accountId: '557058:alan' },
        {
          op: 'push',
          workspace: 'acme',
          repository: 'api',
          accountId: '557058:alan',
          commitDate: '2016-11-09T10:15:00+00:00',
        },
      ],
    });
    await settle();
    const [plain, tagged] = received.map((r) => JSON.parse(r.body.toString('utf8')).push.changes[0]);
    const day = 86_400_000;
    for (const change of [plain, tagged]) {
      const dates = [change.new.target.date, change.old.target.date, change.commits[0].date].map(Date.parse);
      for (const date of dates) expect(date).toBeLessThan(pushedAfter - day);
      expect(change.old.target.date < change.new.target.date).toBe(true);
    }
    expect(plain.commits[0].date).toBe(plain.new.target.date);
    expect(tagged.new.target.date).toBe('2016-11-09T10:15:00+00:00');
    expect(tagged.commits[0].date).toBe('2016-11-09T10:15:00+00:00');
  });

  it('retries on 5xx up to twice more with the same request uuid', async () => {
    await registerHook(['repo:push'], false);
    failuresToServe = 5;
    await control(sim.url, 'mutations', 'POST', {
      mutations: [{ op: 'push', workspace: 'acme', repository: 'api', accountId: '557058:alan' }],
    });
    const deliveries = await settle();
    expect(deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 503],
    ]);
    expect(new Set(received.map((r) => r.headers['x-request-uuid'])).size).toBe(1);
    expect(received.map((r) => r.headers['x-attempt-number'])).toEqual(['1', '2', '3']);
    expect(received[0]!.headers['x-hub-signature']).toBeUndefined();
  });

  it('stops retrying once the receiver recovers', async () => {
    await registerHook(['repo:push']);
    failuresToServe = 1;
    await control(sim.url, 'mutations', 'POST', {
      mutations: [{ op: 'push', workspace: 'acme', repository: 'api', accountId: '557058:alan' }],
    });
    expect((await settle()).map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
  });

  it('membership, group and permission changes fire no event', async () => {
    await registerHook(['repo:created', 'repo:updated', 'repo:deleted', 'repo:push', 'project:updated']);
    await control(sim.url, 'mutations', 'POST', {
      mutations: [
        { op: 'addGroupMember', workspace: 'acme', group: 'qa', accountId: '557058:ken' },
        { op: 'setMemberRole', workspace: 'acme', accountId: '557058:ken', role: 'owner' },
        {
          op: 'grantRepository',
          workspace: 'acme',
          repository: 'api',
          user: '557058:alan',
          permission: 'admin',
        },
        { op: 'grantProject', workspace: 'acme', project: 'CORE', group: 'qa', permission: 'read' },
        { op: 'setGroupDefaultPermission', workspace: 'acme', group: 'qa', permission: 'write' },
        { op: 'removeMember', workspace: 'acme', accountId: '557058:vendor' },
      ],
    });
    await call(sim.url, '/2.0/repositories/acme/api/permissions-config/users/557058:ken', {
      method: 'PUT',
      body: { permission: 'write' },
    });
    await call(sim.url, '/1.0/groups/acme/qa/members/557058:alan', { method: 'PUT' });
    expect(await settle()).toEqual([]);
    expect(received).toEqual([]);
  });

  it('inactive hooks and unsubscribed events receive nothing', async () => {
    const hook = await registerHook(['repo:push']);
    await control(sim.url, 'mutations', 'POST', {
      mutations: [{ op: 'createRepository', workspace: 'acme', repository: { slug: 'x', project: 'CORE' } }],
    });
    await call(sim.url, `/2.0/workspaces/acme/hooks/${encodeURIComponent(hook.uuid)}`, {
      method: 'PUT',
      body: { active: false },
    });
    await control(sim.url, 'mutations', 'POST', {
      mutations: [{ op: 'push', workspace: 'acme', repository: 'api', accountId: '557058:alan' }],
    });
    expect(await settle()).toEqual([]);
  });
});
