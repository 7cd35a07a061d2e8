// Listing faults: page-drift (the list shifts between two page reads of one walk, as if an item were
// inserted or deleted before the reader, and shifts back once the walk ends) and repeated-item (a page
// repeats the last item of the previous one). Neither changes the workspace.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../lib/simulator/index.js';
import { startSimulator } from '../../../lib/simulator/index.js';
import { call, collect, control } from './support/client.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo' });
});
afterAll(() => sim.stop());
afterEach(async () => {
  await control(sim.url, 'reset', 'POST');
});

const MEMBERS = '/2.0/workspaces/acme/permissions';
const addFaults = async (faults: unknown[]) => {
  const answer = await control(sim.url, 'faults', 'POST', { faults });
  expect(answer.status).toBe(200);
};
const ids = (values: any[]) => values.map((v) => v.user.account_id as string);
const walk = async (path: string) => collect(sim.url, path);
const counted = (items: string[]) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
};

describe('page-drift', () => {
  it('delete (the default): one walk misses the first item of the next page; the next walk sees all', async () => {
    const truth = ids((await walk(`${MEMBERS}?pagelen=5`)).values);
    expect(truth).toHaveLength(12);
    await addFaults([{ kind: 'page-drift', match: { pathPrefix: MEMBERS } }]);
    const first = await call(sim.url, `${MEMBERS}?pagelen=5`);
    const second = await call(sim.url, first.json.next);
    expect(second.json.size).toBe(11);
    expect(ids(second.json.values)).toEqual(truth.slice(6, 11));
    const third = await call(sim.url, second.json.next);
    expect(third.json).not.toHaveProperty('next');
    const drifted = [...ids(first.json.values), ...ids(second.json.values), ...ids(third.json.values)];
    expect(drifted).toEqual(truth.filter((_, i) => i !== 5));
    // The walk ended: the list is back, and the workspace never changed.
    expect(ids((await walk(`${MEMBERS}?pagelen=5`)).values)).toEqual(truth);
    expect((await control(sim.url, 'state')).json.workspaces[0].members).toHaveLength(12);
  });

  it('insert: one walk returns the last item of a page twice; times counts walks', async () => {
    const truth = ids((await walk(`${MEMBERS}?pagelen=5`)).values);
    await addFaults([{ kind: 'page-drift', drift: 'insert', times: 2, match: { pathPrefix: MEMBERS } }]);
    for (let i = 0; i < 2; i++) {
      const drifted = ids((await walk(`${MEMBERS}?pagelen=5`)).values);
      expect(drifted).toHaveLength(13);
      expect(drifted.slice(4, 6)).toEqual([truth[4], truth[4]]);
      expect(new Set(drifted)).toEqual(new Set(truth));
    }
    expect(ids((await walk(`${MEMBERS}?pagelen=5`)).values)).toEqual(truth);
    expect((await control(sim.url, 'faults')).json.faults).toEqual([]);
  });

  it('afterPage moves the drift later; a new walk from page 1 starts unshifted', async () => {
    const truth = ids((await walk(`${MEMBERS}?pagelen=4`)).values);
    await addFaults([{ kind: 'page-drift', afterPage: 2, match: { pathPrefix: MEMBERS } }]);
    const drifted = ids((await walk(`${MEMBERS}?pagelen=4`)).values);
    expect(drifted).toEqual(truth.filter((_, i) => i !== 8));
    // A walk abandoned after its drift is forgotten when the reader starts over.
    await addFaults([{ kind: 'page-drift', match: { pathPrefix: MEMBERS } }]);
    const first = await call(sim.url, `${MEMBERS}?pagelen=4`);
    await call(sim.url, first.json.next);
    expect(ids((await walk(`${MEMBERS}?pagelen=4`)).values)).toEqual(truth);
  });

  it('is matched like other faults and left alone by requests that are not page reads', async () => {
    await addFaults([{ kind: 'page-drift', match: { pathPrefix: '/2.0/repositories/acme' } }]);
    expect((await call(sim.url, '/2.0/user')).status).toBe(200);
    expect(ids((await walk(`${MEMBERS}?pagelen=5`)).values)).toHaveLength(12);
    // A one-page walk never asks for page 2, so the fault waits for a walk that does.
    expect((await walk('/2.0/repositories/acme?pagelen=100')).values).toHaveLength(10);
    expect((await control(sim.url, 'faults')).json.faults).toHaveLength(1);
    expect((await walk('/2.0/repositories/acme?pagelen=3')).values).toHaveLength(9);
  });

  it('applies to every page-numbered listing', async () => {
    await control(sim.url, 'mutations', 'POST', {
      mutations: [
        { op: 'grantProject', workspace: 'acme', project: 'CORE', user: '557058:alan', permission: 'read' },
        {
          op: 'grantRepository',
          workspace: 'acme',
          repository: 'api',
          user: '557058:ken',
          permission: 'read',
        },
      ],
    });
    for (const slug of ['one', 'two'])
      await call(sim.url, '/2.0/workspaces/acme/hooks', {
        method: 'POST',
        body: { url: `http://127.0.0.1:9/${slug}`, description: slug, active: false, events: ['repo:push'] },
      });
    const listings = [
      '/2.0/workspaces/acme/members',
      '/2.0/workspaces/acme/permissions',
      '/2.0/workspaces/acme/projects',
      '/2.0/repositories/acme',
      '/2.0/workspaces/acme/projects/CORE/permissions-config/users',
      '/2.0/workspaces/acme/projects/CORE/permissions-config/groups',
      '/2.0/repositories/acme/api/permissions-config/users',
      '/2.0/repositories/acme/api/permissions-config/groups',
      '/2.0/workspaces/acme/hooks',
    ];
    for (const path of listings) {
      const truth = (await walk(`${path}?pagelen=1`)).values.map((v) => JSON.stringify(v));
      expect(truth.length, path).toBeGreaterThanOrEqual(2);
      await addFaults([
        { kind: 'page-drift', match: { pathPrefix: path } },
        { kind: 'page-drift', drift: 'insert', match: { pathPrefix: path } },
      ]);
      const missed = (await walk(`${path}?pagelen=1`)).values.map((v) => JSON.stringify(v));
      expect(missed, path).toEqual(truth.filter((_, i) => i !== 1));
      const repeated = (await walk(`${path}?pagelen=1`)).values.map((v) => JSON.stringify(v));
      expect(repeated, path).toEqual([truth[0], ...truth]);
      expect(
        (await walk(`${path}?pagelen=1`)).values.map((v) => JSON.stringify(v)),
        path,
      ).toEqual(truth);
    }
  });
});

describe('repeated-item', () => {
  it('the next page after the first also starts with the previous page’s last item; nothing is missed', async () => {
    const truth = ids((await walk(`${MEMBERS}?pagelen=5`)).values);
    await addFaults([{ kind: 'repeated-item', match: { pathPrefix: MEMBERS } }]);
    const first = await call(sim.url, `${MEMBERS}?pagelen=5`);
    expect((await control(sim.url, 'faults')).json.faults).toHaveLength(1);
    const second = await call(sim.url, first.json.next);
    expect(ids(second.json.values)).toEqual([truth[4], ...truth.slice(5, 10)]);
    const rest = await collect(sim.url, second.json.next);
    const all = [...ids(first.json.values), ...ids(second.json.values), ...ids(rest.values)];
    expect(all).toHaveLength(13);
    expect(new Set(all)).toEqual(new Set(truth));
  });

  it('times counts pages', async () => {
    const truth = ids((await walk(`${MEMBERS}?pagelen=5`)).values);
    await addFaults([{ kind: 'repeated-item', times: 2, match: { pathPrefix: MEMBERS } }]);
    const all = ids((await walk(`${MEMBERS}?pagelen=5`)).values);
    expect(all).toHaveLength(14);
    expect([...counted(all)].filter(([, n]) => n > 1).map(([id]) => id)).toEqual([truth[4], truth[9]]);
    expect(ids((await walk(`${MEMBERS}?pagelen=5`)).values)).toEqual(truth);
  });
});
