// Cursor paging (opaque cursors and full-URL next links), request shapes, answer shapes and describe().
import { afterEach, describe, expect, it } from 'vitest';
import {
  AdminResponseShapeError,
  bitbucketRoleOf,
  bitbucketWorkspaceResourceId,
  cursorOf,
  describeAdminCall,
  workspaceUuidOfResourceId,
} from '../../../lib/atlassian-admin/index.js';
import { API_KEY, ORG_ID, adminClientFor, sendJson, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const group = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `group ${id}`,
  description: null,
  directoryId: 'dir-1',
  externalSynced: false,
  managementAccess: { readable: true, modifiable: true, deletable: true },
  unusedField: 'kept out',
  ...extra,
});

describe('paging', () => {
  it('reads three pages of a search, passing each opaque cursor back in the body', async () => {
    const pages: Record<string, unknown> = {
      '': { data: [group('g1')], links: { next: 'c+2/=' } },
      'c+2/=': { data: [group('g2')], links: { next: 'c3' } },
      c3: { data: [group('g3')], links: { next: null } },
    };
    const setup = await adminClientFor((request, response) => {
      const body = JSON.parse(request.body) as { cursor?: string };
      sendJson(response, 200, pages[body.cursor ?? '']);
    });
    server = setup.server;
    const groups = await setup.client.searchGroups({ searchTerm: 'eng', resourceIds: ['ari:x'] });
    expect(groups.map((found) => found.id)).toEqual(['g1', 'g2', 'g3']);
    expect(groups[0]).not.toHaveProperty('unusedField');
    expect(server.requests.map((request) => [request.method, request.url])).toEqual([
      ['POST', `/admin/v2/orgs/${ORG_ID}/directories/-/groups/search`],
      ['POST', `/admin/v2/orgs/${ORG_ID}/directories/-/groups/search`],
      ['POST', `/admin/v2/orgs/${ORG_ID}/directories/-/groups/search`],
    ]);
    expect(server.requests.map((request) => JSON.parse(request.body))).toEqual([
      { searchTerm: 'eng', resourceIds: ['ari:x'], limit: 100 },
      { searchTerm: 'eng', resourceIds: ['ari:x'], limit: 100, cursor: 'c+2/=' },
      { searchTerm: 'eng', resourceIds: ['ari:x'], limit: 100, cursor: 'c3' },
    ]);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request.headers['content-type']).toContain('application/json');
    }
  });

  it('reads three pages of a GET listing whose next links are full URLs, cursor in the query', async () => {
    const setup = await adminClientFor((request, response) => {
      const url = new URL(request.url, 'http://x');
      const cursor = url.searchParams.get('cursor');
      const base = `https://api.atlassian.com${url.pathname}`;
      if (cursor === null) {
        return sendJson(response, 200, {
          data: [{ directoryId: 'd1', name: 'One' }],
          links: { next: `${base}?limit=100&cursor=abc%2B1` },
        });
      }
      if (cursor === 'abc+1') {
        return sendJson(response, 200, {
          data: [{ directoryId: 'd2', name: 'Two' }],
          links: { next: `${url.pathname}?cursor=p3` },
        });
      }
      return sendJson(response, 200, { data: [{ directoryId: 'd3', name: 'Three' }], links: {} });
    });
    server = setup.server;
    const directories = await setup.client.listDirectories();
    expect(directories.map((directory) => directory.directoryId)).toEqual(['d1', 'd2', 'd3']);
    expect(server.requests.map((request) => request.url)).toEqual([
      `/admin/v2/orgs/${ORG_ID}/directories?limit=100`,
      `/admin/v2/orgs/${ORG_ID}/directories?limit=100&cursor=abc%2B1`,
      `/admin/v2/orgs/${ORG_ID}/directories?limit=100&cursor=p3`,
    ]);
    // The next link's host is never contacted: only its cursor is used.
    expect(server.requests.every((request) => request.method === 'GET' && request.body === '')).toBe(true);
  });

  it('stops with a typed error when the same cursor comes back', async () => {
    const setup = await adminClientFor((_request, response) =>
      sendJson(response, 200, { data: [], links: { next: 'again' } }),
    );
    server = setup.server;
    await expect(setup.client.searchUsers({ groupIds: ['g1'] })).rejects.toThrow(/paging did not advance/);
    expect(server.requests).toHaveLength(2);
  });

  it('extracts cursors from opaque strings and URLs', () => {
    expect(cursorOf('opaque')).toBe('opaque');
    expect(cursorOf('https://api.atlassian.com/admin/v2/orgs/o/directories?cursor=x%3D')).toBe('x=');
    expect(cursorOf('/admin/v2/orgs/o/directories?limit=5&cursor=y')).toBe('y');
    expect(cursorOf(null)).toBeUndefined();
    expect(cursorOf('')).toBeUndefined();
    expect(cursorOf(undefined)).toBeUndefined();
  });
});

describe('endpoints', () => {
  it('searches users of a group in one directory and reads role assignments', async () => {
    const setup = await adminClientFor((request, response) => {
      if (request.url.includes('/users/search')) {
        return sendJson(response, 200, {
          data: [{ accountId: 'a1', name: 'Ada', email: 'ada@example.com', accountStatus: 'active' }],
          links: { next: null },
        });
      }
      return sendJson(response, 200, {
        data: [
          {
            principalId: 'g1',
            resourceId: 'ari:cloud:bitbucket::workspace/1234-ab',
            roleId: 'atlassian/admin',
          },
        ],
        links: { next: null },
      });
    });
    server = setup.server;
    const users = await setup.client.searchUsers({ directoryId: 'dir 1', groupIds: ['g1'] });
    expect(users).toEqual([
      { accountId: 'a1', name: 'Ada', email: 'ada@example.com', accountStatus: 'active' },
    ]);
    const roles = await setup.client.groupRoleAssignments('dir-1', 'g1');
    expect(roles[0]?.roleId).toBe('atlassian/admin');
    expect(server.requests[0]?.url).toBe(`/admin/v2/orgs/${ORG_ID}/directories/dir%201/users/search`);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ groupIds: ['g1'], limit: 100 });
    expect(server.requests[1]?.url).toBe(
      `/admin/v2/orgs/${ORG_ID}/directories/dir-1/groups/g1/role-assignments?limit=100`,
    );
  });

  it('gets one group and derives whether an identity provider manages it', async () => {
    const answers = [
      group('g1'),
      group('g2', { externalSynced: true }),
      group('g3', { managementAccess: { readable: true, modifiable: false, deletable: false } }),
    ];
    let index = 0;
    const setup = await adminClientFor((_request, response) =>
      sendJson(response, 200, { data: answers[index++] }),
    );
    server = setup.server;
    const managed = [];
    for (const id of ['g1', 'g2', 'g3']) {
      managed.push((await setup.client.getGroup('dir-1', id)).managedByIdentityProvider);
    }
    expect(managed).toEqual([false, true, true]);
    expect(server.requests[2]?.url).toBe(`/admin/v2/orgs/${ORG_ID}/directories/dir-1/groups/g3`);
  });

  it('adds and removes a member (204)', async () => {
    const setup = await adminClientFor((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    server = setup.server;
    await setup.client.addGroupMember('dir-1', 'g1', 'acc:1');
    await setup.client.removeGroupMember('dir-1', 'g1', 'acc:1');
    expect(server.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/admin/v2/orgs/${ORG_ID}/directories/dir-1/groups/g1/memberships`, '{"accountId":"acc:1"}'],
      ['DELETE', `/admin/v2/orgs/${ORG_ID}/directories/dir-1/groups/g1/memberships/acc%3A1`, ''],
    ]);
  });

  it('lists only Bitbucket workspaces, with slug from attributes or hostUrl', async () => {
    const setup = await adminClientFor((_request, response) =>
      sendJson(response, 200, {
        data: [
          {
            id: 'ari:cloud:bitbucket::workspace/aaaa-1',
            type: 'workspace',
            attributes: { name: 'Acme', typeKey: 'bitbucket', slug: 'acme' },
          },
          {
            id: 'ari:cloud:bitbucket::workspace/bbbb-2',
            type: 'workspace',
            attributes: { name: 'Beta', typeKey: 'bitbucket', hostUrl: 'https://bitbucket.org/beta-ws/' },
          },
          {
            id: 'ari:cloud:jira::site/cccc',
            type: 'workspace',
            attributes: { name: 'Jira', typeKey: 'jira-software', hostUrl: 'https://acme.atlassian.net' },
          },
        ],
        links: { next: null },
      }),
    );
    server = setup.server;
    expect(await setup.client.listWorkspaces()).toEqual([
      {
        resourceId: 'ari:cloud:bitbucket::workspace/aaaa-1',
        workspaceUuid: '{aaaa-1}',
        slug: 'acme',
        name: 'Acme',
      },
      {
        resourceId: 'ari:cloud:bitbucket::workspace/bbbb-2',
        workspaceUuid: '{bbbb-2}',
        slug: 'beta-ws',
        name: 'Beta',
      },
    ]);
    expect(server.requests[0]?.method).toBe('POST');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ limit: 100 });
  });

  it('turns a malformed answer into a typed error naming the endpoint and field', async () => {
    const setup = await adminClientFor((_request, response) =>
      sendJson(response, 200, { data: [{ directoryId: 'd1' }, { name: 'no id' }], links: { next: null } }),
    );
    server = setup.server;
    const error = await setup.client.listDirectories().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdminResponseShapeError);
    expect((error as AdminResponseShapeError).field).toBe('data[1].directoryId');
    expect(String(error)).toContain('GET /admin/v2/orgs/{orgId}/directories: data[1].directoryId');
    expect((error as AdminResponseShapeError).retryable).toBe(false);
  });

  it('turns a body that is not JSON into a typed error', async () => {
    const setup = await adminClientFor((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<html>login</html>');
    });
    server = setup.server;
    await expect(setup.client.getGroup('-', 'g1')).rejects.toBeInstanceOf(AdminResponseShapeError);
  });
});

describe('describe', () => {
  it('describes a call without sending it, with the orgId and never the key', async () => {
    const setup = await adminClientFor(() => {
      throw new Error('nothing should be sent');
    });
    server = setup.server;
    const description = await setup.client.describe('removeGroupMember', {
      directoryId: 'dir-1',
      groupId: 'g1',
      accountId: 'acc-1',
    });
    expect(description).toEqual({
      method: 'DELETE',
      endpoint:
        'DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships/{accountId}',
      path: `/admin/v2/orgs/${ORG_ID}/directories/dir-1/groups/g1/memberships/acc-1`,
    });
    expect(JSON.stringify(description)).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(0);
    expect(describeAdminCall('listWorkspaces', { orgId: 'o1' }).path).toBe('/admin/v2/orgs/o1/workspaces');
    expect(() => describeAdminCall('getGroup', { orgId: 'o1' })).toThrow(/directoryId/);
  });
});

describe('Bitbucket resources and roles', () => {
  it('builds the workspace resource id from a braced or bare uuid of any case', () => {
    const expected = 'ari:cloud:bitbucket::workspace/3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    expect(bitbucketWorkspaceResourceId('{3F2504E0-4F89-11D3-9A0C-0305E82C3301}')).toBe(expected);
    expect(bitbucketWorkspaceResourceId('3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe(expected);
    expect(workspaceUuidOfResourceId(expected)).toBe('{3f2504e0-4f89-11d3-9a0c-0305e82c3301}');
    expect(workspaceUuidOfResourceId('ari:cloud:jira::site/1')).toBeNull();
    expect(() => bitbucketWorkspaceResourceId('{}')).toThrow(RangeError);
  });

  it('maps role ids to workspace roles', () => {
    expect(bitbucketRoleOf('atlassian/user')).toBe('member');
    expect(bitbucketRoleOf('atlassian/admin')).toBe('admin');
    expect(bitbucketRoleOf('jira-software/user')).toBeNull();
  });
});
