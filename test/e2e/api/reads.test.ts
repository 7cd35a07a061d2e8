// The read routes end to end, each answer checked against the served OpenAPI 3.1 document: workspaces,
// sync status and actions, access answers, the change log with paging, exports inline and to a file.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../lib/api/routes.js';
import { normalizeUuid } from '../../../lib/model/index.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { openApiValidator } from './openapi-validator.js';

let fixture: ApiFixture;
let matchesDocument: ReturnType<typeof openApiValidator>;
const SEED = 'generated:users=30,groups=4,projects=3,repos=12,seed=21';

beforeAll(async () => {
  fixture = await startApiFixture(SEED);
  const document = await fixture.call('GET', '/v1/openapi.json');
  matchesDocument = openApiValidator(document.body);
});
afterAll(async () => {
  await fixture?.close();
});

const ws = () => fixture.seed.workspaces[0]!;
const base = () => `/v1/workspaces/${fixture.workspace.slug}`;

async function get(template: string, path: string, status = 200) {
  const answer = await fixture.call('GET', path);
  expect(answer.status, answer.text).toBe(status);
  matchesDocument(template, 'GET', status, answer.body);
  return answer;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with an operation for every iam route, each with its answers and security', async () => {
    const { body } = await fixture.call('GET', '/v1/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    expect(body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(body.components.securitySchemes.sigv4).toMatchObject({ type: 'apiKey', in: 'header' });
    const iamRoutes = ROUTES.filter((route) => route.auth === 'iam');
    const operations = Object.entries(body.paths).flatMap(([path, methods]) =>
      Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(iamRoutes.map((route) => `${route.method} ${route.path}`).sort());
    const operationIds = new Set<string>();
    for (const route of iamRoutes) {
      const operation = body.paths[route.path][route.method.toLowerCase()];
      expect(operationIds.has(operation.operationId)).toBe(false);
      operationIds.add(operation.operationId);
      expect(operation.security).toEqual([{ sigv4: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '500']));
      const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = operation.parameters
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name);
      expect(declared).toEqual(pathParameters);
      if (route.method === 'POST')
        expect(operation.requestBody.content['application/json'].schema).toBeDefined();
    }
    const grant = body.paths['/v1/workspaces/{workspace}/grants'].post;
    expect(grant.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    expect(Object.keys(grant.responses)).toEqual(
      expect.arrayContaining(['200', '400', '402', '404', '409', '422', '429', '502']),
    );
    expect(grant.responses['429'].headers['Retry-After']).toBeDefined();
  });

  it('its answer schemas are strict enough to catch a wrong answer', () => {
    expect(() => matchesDocument('/v1/workspaces', 'GET', 200, { workspaces: [{ slug: 1 }] })).toThrow();
    expect(() =>
      matchesDocument('/v1/workspaces/{workspace}/grants', 'POST', 409, { error: { code: 'conflict' } }),
    ).toThrow();
  });
});

describe('workspaces and sync', () => {
  it('lists the governed workspaces', async () => {
    const answer = await get('/v1/workspaces', '/v1/workspaces');
    expect(answer.body.workspaces).toEqual([
      {
        slug: fixture.workspace.slug,
        uuid: fixture.workspace.id,
        name: ws().name,
        // No organization key, and members with `last_accessed`: Bitbucket administers it.
        administration: expect.objectContaining({ mode: 'bitbucket', orgGroupsRead: false }),
      },
    ]);
  });

  it('reports pass progress and freshness of every scope kind', async () => {
    const answer = await get('/v1/workspaces/{workspace}/sync', `${base()}/sync`);
    expect(answer.body.lastCompletedPass).not.toBeNull();
    expect(Object.keys(answer.body.freshnessSeconds).sort()).toEqual(
      ['groups', 'members', 'project-grants', 'projects', 'repositories', 'repository-grants'].sort(),
    );
    expect(answer.body.pass.totalScopes).toBe(4 + ws().projects.length + ws().repositories.length);
    expect(answer.body).toMatchObject({ holds: [], resumeAfter: null, workspaceId: fixture.workspace.id });
  });

  it('marks scopes dirty, refuses unknown scopes by index, and 404s a release without a hold', async () => {
    const marked = await fixture.call('POST', `${base()}/sync`, {
      body: { markDirty: ['members', 'groups'] },
    });
    expect(marked.status).toBe(202);
    matchesDocument('/v1/workspaces/{workspace}/sync', 'POST', 202, marked.body);
    const status = await fixture.call('GET', `${base()}/sync`);
    expect(status.body.dirtyScopes).toEqual(expect.arrayContaining(['members', 'groups']));

    const unknown = await fixture.call('POST', `${base()}/sync`, {
      body: { markDirty: ['members', 'bogus'] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.field).toBe('markDirty[1]');
    const release = await fixture.call('POST', `${base()}/sync`, { body: { releaseHold: 'members' } });
    expect(release.status).toBe(404);
    matchesDocument('/v1/workspaces/{workspace}/sync', 'POST', 404, release.body);
    const empty = await fixture.call('POST', `${base()}/sync`, { body: {} });
    expect(empty.status).toBe(400);
    const unknownWorkspace = await fixture.call('GET', '/v1/workspaces/nope/sync');
    expect(unknownWorkspace.status).toBe(404);
  });
});

describe('access answers', () => {
  it("answers a user's access, 404 for an unknown user, and names a bad query parameter", async () => {
    const owner = ws().members.find((member) => member.role === 'owner')!;
    const template = '/v1/workspaces/{workspace}/users/{accountId}/access';
    const answer = await get(template, `${base()}/users/${owner.accountId}/access`);
    expect(answer.body.user).toMatchObject({ accountId: owner.accountId, role: 'owner' });
    expect(answer.body.repositories).toHaveLength(ws().repositories.length);
    expect(answer.body.repositories.every((r: { permission: string }) => r.permission === 'admin')).toBe(
      true,
    );
    expect(answer.body.coverage).toEqual({ complete: true, capabilityGaps: [] });
    await get(template, `${base()}/users/557058:nobody/access`, 404);
    const bad = await fixture.call('GET', `${base()}/users/${owner.accountId}/access?includePublic=maybe`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.parameter).toBe('includePublic');
    const extra = await fixture.call('GET', `${base()}/users/${owner.accountId}/access?colour=blue`);
    expect(extra.status).toBe(400);
    expect(extra.body.error.details.parameter).toBe('colour');
  });

  it('answers who can reach a project (by key and uuid), a repository (by slug and uuid) and a group', async () => {
    const project = ws().projects[0]!;
    const projectTemplate = '/v1/workspaces/{workspace}/projects/{resourceId}/access';
    const byKey = await get(projectTemplate, `${base()}/projects/${project.key}/access`);
    const byUuid = await get(
      projectTemplate,
      `${base()}/projects/${encodeURIComponent(project.uuid)}/access`,
    );
    expect(byUuid.body).toEqual(byKey.body);
    expect(byKey.body.resource).toMatchObject({ type: 'project', key: project.key });
    expect(byKey.body.coverage).toEqual({ complete: true, capabilityGaps: [] });

    const repository = ws().repositories[0]!;
    const repoTemplate = '/v1/workspaces/{workspace}/repositories/{resourceId}/access';
    const bySlug = await get(repoTemplate, `${base()}/repositories/${repository.slug}/access`);
    const byRepoUuid = await get(
      repoTemplate,
      `${base()}/repositories/${repository.uuid.replace(/[{}]/g, '')}/access`,
    );
    expect(byRepoUuid.body).toEqual(bySlug.body);
    const owners = ws()
      .members.filter((m) => m.role === 'owner')
      .map((m) => m.accountId);
    for (const owner of owners) {
      expect(bySlug.body.users.find((u: { accountId: string }) => u.accountId === owner)?.permission).toBe(
        'admin',
      );
    }

    const group = ws().groups[0]!;
    const groupAnswer = await get(
      '/v1/workspaces/{workspace}/groups/{resourceId}/access',
      `${base()}/groups/${group.slug}/access`,
    );
    expect(groupAnswer.body.users.map((u: { accountId: string }) => u.accountId).sort()).toEqual(
      [...group.members].sort(),
    );

    await get(repoTemplate, `${base()}/repositories/no-such-repo/access`, 404);
    await get(projectTemplate, `${base()}/projects/NOPE/access`, 404);
    await get(
      '/v1/workspaces/{workspace}/groups/{resourceId}/access',
      `${base()}/groups/no-such-group/access`,
      404,
    );
  });
  it('says what it could not see: a scope whose grants the credential is refused makes coverage incomplete', async () => {
    const project = ws().projects[0]!;
    const scope = `project-grants/${normalizeUuid(project.uuid)}`;
    const states = await fixture.harness.syncState.listScopeStates(fixture.workspace.id);
    const before = states.find((state) => state.scope === scope)!;
    expect(before).toBeDefined();
    const endpoint = 'GET /2.0/workspaces/{workspace}/projects/{project_key}/permissions-config/users';
    await fixture.harness.syncState.putScopeState(fixture.workspace.id, {
      ...before,
      capabilityGap: {
        since: '2026-06-01T00:00:00.000Z',
        checkedAt: '2026-06-01T01:00:00.000Z',
        status: 403,
        endpoint,
        likelyMissing: ['admin:project:bitbucket'],
        namedByBitbucket: false,
        message: 'You do not have access to this resource',
      },
    });
    try {
      const owner = ws().members.find((member) => member.role === 'owner')!;
      const expected = {
        complete: false,
        capabilityGaps: [
          expect.objectContaining({
            kind: 'project-grants',
            scopes: 1,
            status: 403,
            endpoint,
            likelyMissing: ['admin:project:bitbucket'],
            since: '2026-06-01T00:00:00.000Z',
            message: expect.stringContaining('admin:project:bitbucket'),
          }),
        ],
      };
      // Before: the answers said nothing, and a project admin seen only through a group looked like write.
      const user = await get(
        '/v1/workspaces/{workspace}/users/{accountId}/access',
        `${base()}/users/${owner.accountId}/access`,
      );
      expect(user.body.coverage).toEqual(expected);
      const repository = await get(
        '/v1/workspaces/{workspace}/repositories/{resourceId}/access',
        `${base()}/repositories/${ws().repositories[0]!.slug}/access`,
      );
      expect(repository.body.coverage).toEqual(expected);
      const group = await get(
        '/v1/workspaces/{workspace}/groups/{resourceId}/access',
        `${base()}/groups/${ws().groups[0]!.slug}/access`,
      );
      expect(group.body.coverage).toEqual(expected);
      const projectAnswer = await get(
        '/v1/workspaces/{workspace}/projects/{resourceId}/access',
        `${base()}/projects/${project.key}/access`,
      );
      expect(projectAnswer.body.coverage).toEqual(expected);
    } finally {
      await fixture.harness.syncState.putScopeState(fixture.workspace.id, before);
    }
  });
});

describe('change log', () => {
  it('pages through every change since a time and validates its parameters by name', async () => {
    const template = '/v1/workspaces/{workspace}/changes';
    const since = '2000-01-01T00:00:00Z';
    const all = await get(template, `${base()}/changes?since=${since}&limit=500`);
    expect(all.body.changes.length).toBeGreaterThan(20);
    const collected: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(
        template,
        `${base()}/changes?since=${since}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.body.changes.length).toBeLessThanOrEqual(7);
      collected.push(...page.body.changes.map((c: { id: string }) => c.id));
      cursor = page.body.cursor;
    } while (cursor);
    expect(collected).toEqual(all.body.changes.map((c: { id: string }) => c.id));
    expect(all.body.changes[0]).toMatchObject({ cause: 'sync', actor: 'sync' });

    for (const [query, parameter] of [
      ['', 'since'],
      ['since=yesterday', 'since'],
      [`since=${since}&limit=0`, 'limit'],
      [`since=${since}&limit=501`, 'limit'],
      [`since=${since}&cursor=garbage`, 'cursor'],
    ] as const) {
      const answer = await fixture.call('GET', `${base()}/changes?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.details.parameter, query).toBe(parameter);
      expect(answer.body.error.message).toContain(parameter);
    }
  });
});

describe('export', () => {
  it('answers JSON rows with a manifest whose SHA-256 covers the rows', async () => {
    const answer = await get('/v1/workspaces/{workspace}/export', `${base()}/export?format=json`);
    const { manifest, rows } = answer.body;
    expect(manifest).toMatchObject({ workspace: fixture.workspace.slug, format: 'json', rows: rows.length });
    expect(manifest.users).toBe(ws().members.length);
    expect(manifest.rowsByResourceType.project + manifest.rowsByResourceType.repository).toBe(rows.length);
    expect(manifest.sha256).toBe(createHash('sha256').update(JSON.stringify(rows)).digest('hex'));
    expect(Object.keys(manifest.freshnessSeconds)).toContain('repository-grants');
    const owner = ws().members.find((member) => member.role === 'owner')!;
    const ownerRows = rows.filter((row: { accountId: string }) => row.accountId === owner.accountId);
    expect(
      ownerRows.filter((row: { resourceType: string }) => row.resourceType === 'repository'),
    ).toHaveLength(ws().repositories.length);
    const granted = ws().repositories.flatMap((r) => r.userGrants.map((g) => ({ r, g })))[0];
    if (granted) {
      const row = rows.find(
        (entry: { accountId: string; resourceName: string }) =>
          entry.accountId === granted.g.accountId && entry.resourceName === granted.r.slug,
      );
      expect(row.explicitGrant).toBe(granted.g.permission);
      expect(row.firstSeen).toEqual(expect.any(String));
    }
  });

  it('answers CSV with a header and one line per row, and refuses an unknown format by name', async () => {
    const json = await fixture.call('GET', `${base()}/export?format=json`);
    const csv = await get('/v1/workspaces/{workspace}/export', `${base()}/export?format=csv`);
    const text: string = csv.body.csv;
    expect(createHash('sha256').update(text).digest('hex')).toBe(csv.body.manifest.sha256);
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'accountId,displayName,role,resourceType,resourceId,resourceName,permission,paths,explicitGrant,lastActivity,firstSeen,rolePaths,accessRequests',
    );
    expect(lines).toHaveLength(json.body.rows.length + 1);
    const bad = await fixture.call('GET', `${base()}/export?format=xml`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.parameter).toBe('format');
  });

  it('writes a large export to a file under DATA_DIR/exports and answers the manifest and where it is', async () => {
    const small = await fixture.variant({ exportInlineLimitBytes: 100 });
    const answer = await small.call('GET', `${base()}/export?format=csv`);
    expect(answer.status).toBe(200);
    matchesDocument('/v1/workspaces/{workspace}/export', 'GET', 200, answer.body);
    expect(answer.body.csv).toBeUndefined();
    expect(answer.body.file.location).toContain(`${fixture.dataDir}/exports/`);
    const content = await readFile(answer.body.file.location, 'utf8');
    expect(createHash('sha256').update(content).digest('hex')).toBe(answer.body.manifest.sha256);
    expect(Buffer.byteLength(content)).toBe(answer.body.manifest.bytes);
  });
});
