// Role provenance through the store on DynamoDB Local and the API handlers: in a workspace administered
// in admin.atlassian.com the access answers, who-can-reach answers and the export say which organization
// group made a user a member or owner; the answers match the OpenAPI document's schemas.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveResourceAccess, effectiveUserAccess, type AccessFacts } from '../../../lib/access/index.js';
import type { ApiDependencies } from '../../../lib/api/api-dependencies.js';
import type { ApiRequest } from '../../../lib/api/api-request.js';
import { handleExport } from '../../../lib/api/export-handler.js';
import { buildOpenApiDocument } from '../../../lib/api/openapi.js';
import {
  handleGroupAccess,
  handleProjectAccess,
  handleRepositoryAccess,
  handleUserAccess,
} from '../../../lib/api/read-handlers.js';
import {
  orgGroupMembershipGrant,
  resource,
  type GovernanceItem,
  type Grant,
  type Resource,
  type ScopeRef,
} from '../../../lib/model/index.js';
import { GovernanceStore } from '../../../lib/store/index.js';
import { AccessRequestStore } from '../../../lib/store/access-requests.js';
import { SyncStateStore } from '../../../lib/store/sync-state.js';
import { freshTable } from '../../support/dynamodb.js';
import {
  group,
  member,
  ORIGIN,
  project,
  projectGrant,
  repository,
  repositoryGrant,
  role,
  T1,
  user,
  uuidOf,
} from '../store/store-fixtures.js';

const ORG_WS = uuidOf('w', 18);
const BB_WS = uuidOf('w', 19);
const P1 = uuidOf('p', 1);
const R1 = uuidOf('r', 1);

function orgGroup(id: string, name: string, slug: string | null, workspaceRole: 'member' | 'admin') {
  return resource('org-group', id, { name, slug, directoryId: 'dir-1', idpManaged: false, workspaceRole });
}

/** ada owner through bb-admins, bob member through developers, carol member through two groups. */
function observation(
  ws: string,
  administeredInOrganization: boolean,
): { scope: ScopeRef; items: GovernanceItem[] }[] {
  const scopes: { scope: ScopeRef; items: GovernanceItem[] }[] = [
    {
      scope: { kind: 'members' },
      items: [
        ...['ada', 'bob', 'carol'].map((id) => user(id)),
        role(ws, 'ada', 'owner'),
        role(ws, 'bob', 'member'),
        role(ws, 'carol', 'member'),
      ],
    },
    {
      scope: { kind: 'groups' },
      items: [
        group('bb-admins'),
        group('developers'),
        member('bb-admins', 'ada'),
        member('developers', 'bob'),
        member('developers', 'carol'),
      ],
    },
    { scope: { kind: 'projects' }, items: [project(1, 'CORE')] },
    { scope: { kind: 'repositories' }, items: [repository(1, 'api', 1)] },
    {
      scope: { kind: 'project-grants', projectId: P1 },
      items: [projectGrant(P1, { type: 'group', id: 'developers' }, 'read')],
    },
    {
      scope: { kind: 'repository-grants', repositoryId: R1 },
      items: [repositoryGrant(R1, { type: 'group', id: 'developers' }, 'write')],
    },
  ];
  if (administeredInOrganization) {
    scopes.push({
      scope: { kind: 'org-groups' },
      items: [
        orgGroup('g-admins', 'bb-admins', 'bb-admins', 'admin'),
        orgGroup('g-devs', 'Developers', 'developers', 'member'),
        orgGroup('g-contractors', 'Contractors', null, 'member'),
        orgGroupMembershipGrant('g-admins', 'ada'),
        orgGroupMembershipGrant('g-devs', 'bob'),
        orgGroupMembershipGrant('g-devs', 'carol'),
        orgGroupMembershipGrant('g-contractors', 'carol'),
      ],
    });
  }
  return scopes;
}

function fullFacts(ws: string, slug: string): AccessFacts {
  const items = observation(ws, true).flatMap((scope) => scope.items);
  return {
    workspace: { id: ws, slug },
    resources: items.filter((item): item is Resource => item.kind === 'resource'),
    grants: items.filter((item): item is Grant => item.kind === 'grant'),
    activity: [],
    itemsRead: 0,
  };
}

let table: Awaited<ReturnType<typeof freshTable>>;
let store: GovernanceStore;
let dependencies: ApiDependencies;

beforeAll(async () => {
  table = await freshTable('org-group-provenance');
  store = new GovernanceStore({ documentClient: table.documentClient, tableName: table.tableName });
  const syncState = new SyncStateStore({ documentClient: table.documentClient, tableName: table.tableName });
  await store.putWorkspace({ uuid: ORG_WS, slug: 'acme', name: 'Acme' }, T1, ORIGIN);
  await store.putWorkspace({ uuid: BB_WS, slug: 'legacy', name: 'Legacy' }, T1, ORIGIN);
  for (const { scope, items } of observation(ORG_WS, true)) {
    await store.applyScopeDiff(ORG_WS, scope, items, T1, ORIGIN);
  }
  for (const { scope, items } of observation(BB_WS, false)) {
    await store.applyScopeDiff(BB_WS, scope, items, T1, ORIGIN);
  }
  const accessRequests = new AccessRequestStore({
    documentClient: table.documentClient,
    tableName: table.tableName,
  });
  dependencies = { store, syncState, accessRequests } as unknown as ApiDependencies;
}, 60_000);
afterAll(() => table.client.destroy());

function request(routeKey: string, pathParameters: Record<string, string>, query = {}): ApiRequest {
  return { routeKey, pathParameters, query, headers: {}, body: undefined, actor: 'local' };
}

/** A user, who-can-reach or export entry: only what the assertions read. */
interface Entry {
  accountId: string;
  resourceType?: string;
  rolePaths?: unknown;
  paths?: unknown;
}

/** The parts of the answers the assertions read. */
interface Answer {
  user: Entry;
  users: Entry[];
  projects: Entry[];
  repositories: Entry[];
  rows: Entry[];
  csv: string;
}

async function body(answer: Promise<{ statusCode: number; body: string }>): Promise<Answer> {
  const { statusCode, body: text } = await answer;
  expect(statusCode).toBe(200);
  return JSON.parse(text) as Answer;
}

const userAccess = (workspace: string, accountId: string) =>
  body(
    handleUserAccess(
      request('GET /v1/workspaces/{workspace}/users/{accountId}/access', { workspace, accountId }),
      dependencies,
    ),
  );

const OWNER_VIA_ADMINS = { via: 'workspace-owner', permission: 'admin', group: 'bb-admins' };

describe('GET …/users/{accountId}/access', () => {
  it('carries rolePaths and owner paths naming the admin organization group', async () => {
    const ada = await userAccess('acme', 'ada');
    expect(ada.user).toEqual({
      accountId: 'ada',
      displayName: 'Name ada',
      role: 'owner',
      rolePaths: [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }],
    });
    expect(ada.projects[0]?.paths).toEqual([OWNER_VIA_ADMINS]);
    expect(ada.repositories[0]?.paths).toEqual([OWNER_VIA_ADMINS]);
    const carol = await userAccess('acme', 'carol');
    expect(carol.user.rolePaths).toEqual([
      { via: 'org-group', group: 'Contractors', permission: 'member' },
      { via: 'org-group', group: 'developers', permission: 'member' },
    ]);
  });

  it('answers a Bitbucket-administered workspace exactly as before', async () => {
    const ada = await userAccess('legacy', 'ada');
    expect(JSON.stringify(ada.user)).toBe('{"accountId":"ada","displayName":"Name ada","role":"owner"}');
    expect(JSON.stringify(ada.repositories[0]?.paths)).toBe(
      '[{"via":"workspace-owner","permission":"admin"}]',
    );
  });

  it('gives from the store the answers of the full picture in memory', async () => {
    for (const accountId of ['ada', 'bob', 'carol']) {
      const facts = await store.loadUserAccessFacts(ORG_WS, accountId);
      expect(effectiveUserAccess(facts, accountId)).toEqual(
        effectiveUserAccess(fullFacts(ORG_WS, 'acme'), accountId),
      );
    }
    for (const target of [
      { type: 'project', id: P1 },
      { type: 'repository', id: R1 },
      { type: 'group', id: 'developers' },
    ] as const) {
      const facts = await store.loadResourceAccessFacts(ORG_WS, target.type, target.id);
      expect(effectiveResourceAccess(facts!, target)).toEqual(
        effectiveResourceAccess(fullFacts(ORG_WS, 'acme'), target),
      );
    }
  });
});

describe('who can reach', () => {
  it('a repository, a project and a group: owner paths with group, each user’s rolePaths', async () => {
    const parameters = (resourceId: string) => ({ workspace: 'acme', resourceId });
    const repositoryAnswer = await body(
      handleRepositoryAccess(
        request('GET /v1/workspaces/{workspace}/repositories/{resourceId}/access', parameters('api')),
        dependencies,
      ),
    );
    expect(repositoryAnswer.users.map((u) => [u.accountId, u.rolePaths, u.paths])).toEqual([
      ['ada', [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }], [OWNER_VIA_ADMINS]],
      [
        'bob',
        [{ via: 'org-group', group: 'developers', permission: 'member' }],
        [
          { via: 'group', group: 'developers', permission: 'write' },
          { via: 'project-group', project: 'CORE', group: 'developers', permission: 'read' },
        ],
      ],
      [
        'carol',
        [
          { via: 'org-group', group: 'Contractors', permission: 'member' },
          { via: 'org-group', group: 'developers', permission: 'member' },
        ],
        [
          { via: 'group', group: 'developers', permission: 'write' },
          { via: 'project-group', project: 'CORE', group: 'developers', permission: 'read' },
        ],
      ],
    ]);
    const projectAnswer = await body(
      handleProjectAccess(
        request('GET /v1/workspaces/{workspace}/projects/{resourceId}/access', parameters('CORE')),
        dependencies,
      ),
    );
    expect(projectAnswer.users[0]).toMatchObject({ accountId: 'ada', paths: [OWNER_VIA_ADMINS] });
    const groupAnswer = await body(
      handleGroupAccess(
        request('GET /v1/workspaces/{workspace}/groups/{resourceId}/access', parameters('bb-admins')),
        dependencies,
      ),
    );
    expect(groupAnswer.users).toEqual([
      expect.objectContaining({
        accountId: 'ada',
        rolePaths: [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }],
      }),
    ]);
  });

  it('has no rolePaths in a Bitbucket-administered workspace', async () => {
    const answer = await body(
      handleRepositoryAccess(
        request('GET /v1/workspaces/{workspace}/repositories/{resourceId}/access', {
          workspace: 'legacy',
          resourceId: 'api',
        }),
        dependencies,
      ),
    );
    for (const entry of answer.users) expect(entry).not.toHaveProperty('rolePaths');
    expect(answer.users[0]?.paths).toEqual([{ via: 'workspace-owner', permission: 'admin' }]);
  });
});

describe('the access-review export', () => {
  const exportOf = (workspace: string, format: 'csv' | 'json') =>
    body(
      handleExport(request('GET /v1/workspaces/{workspace}/export', { workspace }, { format }), dependencies),
    );

  it('JSON rows carry rolePaths and owner paths with their group', async () => {
    const { rows } = await exportOf('acme', 'json');
    const ada = rows.find((row) => row.accountId === 'ada' && row.resourceType === 'repository');
    expect(ada).toMatchObject({
      role: 'owner',
      paths: [OWNER_VIA_ADMINS],
      rolePaths: [{ via: 'org-group', group: 'bb-admins', permission: 'admin' }],
    });
    const legacy = await exportOf('legacy', 'json');
    for (const row of legacy.rows) expect(row).not.toHaveProperty('rolePaths');
  });

  it('CSV keeps role plain and adds the provenance in a column, rolePaths, and in paths', async () => {
    const lines = ((await exportOf('acme', 'csv')).csv as string).split('\r\n');
    expect(lines[0]).toBe(
      'accountId,displayName,role,resourceType,resourceId,resourceName,permission,paths,explicitGrant,lastActivity,firstSeen,rolePaths,accessRequests',
    );
    expect(lines[1]).toBe(
      `ada,Name ada,owner,project,${P1},CORE,admin,workspace-owner(org-group:bb-admins)=admin,,,${T1},org-group:bb-admins=admin,`,
    );
    expect(lines).toContain(
      `carol,Name carol,member,repository,${R1},api,write,group:developers=write; project-group:CORE/developers=read,,,${T1},org-group:Contractors=member; org-group:developers=member,`,
    );
    const legacy = ((await exportOf('legacy', 'csv')).csv as string).split('\r\n');
    expect(legacy[1]).toBe(`ada,Name ada,owner,project,${P1},CORE,admin,workspace-owner=admin,,,${T1},,`);
  });
});

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument() as {
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>
    >;
    components: object;
  };
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema({ $id: 'components', ...document.components }, 'components');
  const validatorOf = (path: string) =>
    ajv.compile(
      JSON.parse(
        JSON.stringify(
          document.paths[path]!.get!.responses['200']!.content['application/json']!.schema,
        ).replaceAll('"#/components/', '"components#/'),
      ) as object,
    );

  it('describes rolePaths, org-group and the owner path’s group, and accepts the answers', async () => {
    const userSchema = JSON.stringify(
      document.paths['/v1/workspaces/{workspace}/users/{accountId}/access']!.get!.responses['200'],
    );
    expect(userSchema).toContain('rolePaths');
    expect(userSchema).toContain('"org-group"');
    const validUser = validatorOf('/v1/workspaces/{workspace}/users/{accountId}/access');
    for (const accountId of ['ada', 'carol']) {
      expect(validUser(await userAccess('acme', accountId)), JSON.stringify(validUser.errors)).toBe(true);
    }
  });
});
