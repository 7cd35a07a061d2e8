// The single-item reads that confirm a removal, as the simulator serves them: each answer checked against
// Atlassian's OpenAPI document (support/client.ts validates every 2.0 JSON answer), 404 when absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../lib/simulator/index.js';
import { call } from '../simulator/support/client.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo' });
});
afterAll(() => sim.stop());

describe('simulator: one project, one repository', () => {
  it('GET /2.0/workspaces/{ws}/projects/{key} answers the project, 404 in Bitbucket error form when absent', async () => {
    const found = await call(sim.url, '/2.0/workspaces/acme/projects/CORE');
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({ type: 'project', key: 'CORE' });
    const absent = await call(sim.url, '/2.0/workspaces/acme/projects/NOPE');
    expect(absent.status).toBe(404);
    expect(absent.json).toMatchObject({ type: 'error', error: { message: expect.any(String) } });
  });

  it('GET /2.0/repositories/{ws}/{slug} answers by slug and by {uuid}, 404 when absent', async () => {
    const bySlug = await call(sim.url, '/2.0/repositories/acme/api');
    expect(bySlug.status).toBe(200);
    expect(bySlug.json).toMatchObject({ type: 'repository', slug: 'api' });
    const uuid = (bySlug.json as { uuid: string }).uuid;
    const byUuid = await call(sim.url, `/2.0/repositories/acme/${encodeURIComponent(uuid)}`);
    expect(byUuid.status).toBe(200);
    expect(byUuid.json).toMatchObject({ uuid, slug: 'api' });
    const absent = await call(sim.url, '/2.0/repositories/acme/no-such-repo');
    expect(absent.status).toBe(404);
    expect(absent.json).toMatchObject({ type: 'error', error: { message: expect.any(String) } });
  });
});
