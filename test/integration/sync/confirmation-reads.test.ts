// The single-item reads that confirm a removal: as the simulator serves them (each answer checked against
// Atlassian's OpenAPI document by support/client.ts, 404 when absent), and as BitbucketCloudSource uses
// them to tell an item a listing walk missed from one that is gone, one budgeted request per subject.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BitbucketCloudSource,
  BudgetExhausted,
  createBitbucketClient,
  RequestBudget,
} from '../../../lib/bitbucket/index.js';
import {
  itemIdentity,
  normalizeUuid,
  projectGrant,
  repositoryGrant,
  resource,
  workspaceRoleGrant,
  type GovernanceItem,
} from '../../../lib/model/index.js';
import { startSimulator, type RunningSimulator } from '../../../lib/simulator/index.js';
import type { ScopeTarget } from '../../../lib/source/index.js';
import { subjectOf } from '../../../lib/sync/observed-items.js';
import { fixedCredential } from '../../unit/bitbucket/support/credentials.js';
import { requestCounts } from '../bitbucket/simulator-control.js';
import { ADA, call } from '../simulator/support/client.js';

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

describe('BitbucketCloudSource.confirmAbsent against the simulator', () => {
  const workspace = { id: '', slug: 'acme' };
  let source: BitbucketCloudSource;
  let targets: ScopeTarget[];
  beforeAll(async () => {
    const client = createBitbucketClient({
      apiUrl: sim.url,
      oauthUrl: sim.url,
      credentials: fixedCredential({ auth: 'api-token', email: ADA.email, apiToken: ADA.token }),
    });
    source = new BitbucketCloudSource(client);
    workspace.id = normalizeUuid((await client.getWorkspace('acme')).uuid);
    const projects = await source.listScope(workspace, { kind: 'projects' }, {});
    const repositories = await source.listScope(workspace, { kind: 'repositories' }, {});
    const core = projects.find(
      (item) => item.kind === 'resource' && (item.attributes as { key?: string }).key === 'CORE',
    )!;
    const api = repositories.find(
      (item) => item.kind === 'resource' && (item.attributes as { slug?: string }).slug === 'api',
    )!;
    targets = [
      { kind: 'members' },
      { kind: 'projects' },
      { kind: 'repositories' },
      { kind: 'project-grants', projectId: (core as { id: string }).id, key: 'CORE' },
      { kind: 'repository-grants', repositoryId: (api as { id: string }).id, slug: 'api' },
    ];
  });

  /** Items no listing has: the same shapes with ids Bitbucket does not know. */
  function unknownItems(target: ScopeTarget): GovernanceItem[] {
    const nobody = '557058:nobody';
    const uuid = '0f0f0f0f-0000-4000-8000-00000000dead';
    switch (target.kind) {
      case 'members':
        return [
          resource('user', nobody, {
            uuid,
            displayName: 'Nobody',
            nickname: null,
            accountStatus: 'active',
            lastAccessed: null,
          }),
          workspaceRoleGrant(workspace.id, nobody, 'member'),
        ];
      case 'projects':
        return [resource('project', uuid, { key: 'GONE', name: 'Gone', isPrivate: true })];
      case 'repositories':
        return [
          resource('repository', uuid, {
            slug: 'gone',
            name: 'gone',
            fullName: 'acme/gone',
            projectUuid: uuid,
            isPrivate: true,
          }),
        ];
      case 'project-grants':
        return [
          projectGrant(target.projectId, { type: 'user', id: nobody }, 'read'),
          projectGrant(target.projectId, { type: 'group', id: 'no-such-group' }, 'read'),
        ];
      case 'repository-grants':
        return [
          repositoryGrant(target.repositoryId, { type: 'user', id: nobody }, 'read'),
          repositoryGrant(target.repositoryId, { type: 'group', id: 'no-such-group' }, 'read'),
        ];
      default:
        return [];
    }
  }

  it('an item that exists is present with its content; one request for it', async () => {
    for (const target of targets) {
      const listed = await source.listScope(workspace, target, {});
      // The first member is two items (user and role) and still one read.
      const first = listed[0]!;
      const asked =
        target.kind === 'members' ? listed.filter((item) => subjectOf(item) === subjectOf(first)) : [first];
      const budget = new RequestBudget(10);
      const check = await source.confirmAbsent(workspace, target, asked, { budget });
      expect(check.gone, target.kind).toEqual([]);
      expect(check.present, target.kind).toEqual(asked);
      expect(budget.spent, target.kind).toBe(1);
    }
  });

  it('an item Bitbucket does not have is gone (404 or an empty filtered listing); one request per subject', async () => {
    for (const target of targets) {
      const asked = unknownItems(target);
      const budget = new RequestBudget(10);
      const check = await source.confirmAbsent(workspace, target, asked, { budget });
      expect(check.present, target.kind).toEqual([]);
      expect(check.gone.sort(), target.kind).toEqual(asked.map(itemIdentity).sort());
      // Members: user and role in one read; grants: one read per principal.
      expect(budget.spent, target.kind).toBe(new Set(asked.map(subjectOf)).size);
    }
  });

  it('groups are one unpaged answer: trusted as read, nothing to confirm', async () => {
    expect(source.isSnapshot('groups')).toBe(true);
    for (const target of targets) expect(source.isSnapshot(target.kind)).toBe(false);
  });

  it('the budget pays for confirmation reads: none is sent without a unit', async () => {
    const before = await requestCounts(sim.url);
    await expect(
      source.confirmAbsent(workspace, { kind: 'repositories' }, unknownItems({ kind: 'repositories' }), {
        budget: new RequestBudget(0),
      }),
    ).rejects.toBeInstanceOf(BudgetExhausted);
    const after = await requestCounts(sim.url);
    expect(after.total).toBe(before.total);
  });
});
