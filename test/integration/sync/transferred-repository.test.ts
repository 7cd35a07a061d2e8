// A repository transferred to another workspace, as the removal confirmation reads it. Bitbucket resolves a
// repository by `{uuid}` whatever the workspace segment: the OpenAPI document (`repository.uuid`) says a
// uuid URL "will survive renaming of the repository by its owner, or even transfer of the repository to a
// different user". So `GET /2.0/repositories/{old workspace}/{uuid}` answers 200 with the repository as it
// is now, in its new workspace; the confirmation must read that as gone from the governed workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitbucketCloudSource, createBitbucketClient, RequestBudget } from '../../../lib/bitbucket/index.js';
import { itemIdentity, normalizeUuid, resource } from '../../../lib/model/index.js';
import { demoSeed } from '../../../lib/simulator/demo-seed.js';
import { parseSeed, startSimulator, type RunningSimulator } from '../../../lib/simulator/index.js';
import { fixedCredential } from '../../unit/bitbucket/support/credentials.js';
import { ADA, call } from '../simulator/support/client.js';

const MOVED_UUID = '{7e57a11e-0000-4000-8000-00000000beef}';
const GLOBEX_UUID = '{9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d}';

/** The demo seed with a second workspace, `globex`, that holds `moved` (transferred from acme). */
function twoWorkspaces() {
  const seed = demoSeed();
  const acme = seed.workspaces[0]!;
  seed.workspaces.push({
    ...acme,
    slug: 'globex',
    uuid: GLOBEX_UUID,
    name: 'Globex',
    members: acme.members.filter((member) => member.accountId === '557058:ada'),
    groups: [],
    projects: [
      {
        key: 'MOV',
        uuid: '{7e57a11e-0000-4000-8000-0000000000aa}',
        name: 'Moved',
        isPrivate: true,
        userGrants: [],
        groupGrants: [],
      },
    ],
    repositories: [
      {
        slug: 'moved',
        uuid: MOVED_UUID,
        name: 'moved',
        project: 'MOV',
        isPrivate: true,
        userGrants: [],
        groupGrants: [],
      },
    ],
  } as (typeof seed.workspaces)[number]);
  return seed;
}

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: parseSeed(twoWorkspaces()) });
});
afterAll(() => sim.stop());

describe('simulator: a repository by {uuid} under another workspace segment', () => {
  it('answers the repository as it is now, in the workspace that holds it', async () => {
    const answer = await call(sim.url, `/2.0/repositories/acme/${encodeURIComponent(MOVED_UUID)}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      uuid: MOVED_UUID,
      full_name: 'globex/moved',
      workspace: { slug: 'globex', uuid: GLOBEX_UUID },
    });
  });

  it('still answers 404 for a slug of another workspace, and for a uuid nobody has', async () => {
    expect((await call(sim.url, '/2.0/repositories/acme/moved')).status).toBe(404);
    const unknown = encodeURIComponent('{0f0f0f0f-0000-4000-8000-00000000dead}');
    expect((await call(sim.url, `/2.0/repositories/acme/${unknown}`)).status).toBe(404);
  });
});

describe('confirmAbsent: a repository transferred away is gone from the governed workspace', () => {
  it('reads the repository once and finds it under another workspace: gone, not present', async () => {
    const client = createBitbucketClient({
      apiUrl: sim.url,
      oauthUrl: sim.url,
      credentials: fixedCredential({ auth: 'api-token', email: ADA.email, apiToken: ADA.token }),
    });
    const source = new BitbucketCloudSource(client);
    const workspace = { id: normalizeUuid((await client.getWorkspace('acme')).uuid), slug: 'acme' };
    const stored = resource('repository', normalizeUuid(MOVED_UUID), {
      slug: 'moved',
      name: 'moved',
      fullName: 'acme/moved',
      projectUuid: normalizeUuid('{7e57a11e-0000-4000-8000-0000000000aa}'),
      isPrivate: true,
    });
    const budget = new RequestBudget(5);
    const check = await source.confirmAbsent(workspace, { kind: 'repositories' }, [stored], { budget });
    expect(check).toEqual({ gone: [itemIdentity(stored)], present: [] });
    expect(budget.spent).toBe(1);
  });
});
