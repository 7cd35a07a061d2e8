// Paging (pagelen, fields, `next` as given, same-origin), wire shapes and the requests each method sends.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBitbucketClient,
  endpoints,
  ResponseShapeError,
  UpstreamError,
} from '../../../lib/bitbucket/index.js';
import { API_TOKEN, fixedCredential } from './support/credentials.js';
import {
  fakeClock,
  sendJson,
  startTestServer,
  type Handler,
  type TestServer,
} from './support/test-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(handler: Handler) {
  const server = await startTestServer(handler);
  servers.push(server);
  return server;
}

function clientOf(server: TestServer) {
  const clock = fakeClock();
  return createBitbucketClient({
    apiUrl: server.url,
    oauthUrl: server.url,
    credentials: fixedCredential(API_TOKEN),
    now: clock.now,
    sleep: clock.sleep,
  });
}

const project = (index: number) => ({
  uuid: `{p${index}}`,
  key: `P${index}`,
  name: `Project ${index}`,
  is_private: true,
});

describe('paging', () => {
  it('asks for 100 a page with trimmed fields and follows next exactly as given', async () => {
    const server = await serve((request, response) => {
      if (request.url.startsWith('/2.0/workspaces/acme/projects?')) {
        return sendJson(response, 200, {
          values: [project(1), project(2)],
          next: `${server.url}/opaque/cursor?token=a%2Bb&page=2`,
        });
      }
      if (request.url === '/opaque/cursor?token=a%2Bb&page=2')
        return sendJson(response, 200, { values: [project(3)] });
      return sendJson(response, 404, {});
    });
    const projects = await clientOf(server).listProjects('acme');
    expect(projects.map((p) => p.key)).toEqual(['P1', 'P2', 'P3']);
    const first = new URL(server.requests[0]!.url, server.url);
    expect(first.searchParams.get('pagelen')).toBe('100');
    expect(first.searchParams.get('fields')).toBe(
      'next,values.uuid,values.key,values.name,values.is_private',
    );
    expect(server.requests[1]!.url).toBe('/opaque/cursor?token=a%2Bb&page=2');
  });

  it('keeps next in every trimmed listing', () => {
    for (const endpoint of Object.values(endpoints)) {
      if ('paged' in endpoint && endpoint.paged) expect(endpoint.fields?.split(',')).toContain('next');
    }
  });

  it('refuses to send credentials to a next link on another origin', async () => {
    const elsewhere = await serve((_request, response) => sendJson(response, 200, { values: [] }));
    const server = await serve((_request, response) =>
      sendJson(response, 200, {
        values: [project(1)],
        next: `${elsewhere.url}/2.0/workspaces/acme/projects?page=2`,
      }),
    );
    const error = await clientOf(server)
      .listProjects('acme')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(String(error)).toContain(`refusing to send credentials to ${elsewhere.url}`);
    expect(elsewhere.requests).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it('filters repositories by project with BBQL', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { values: [] }));
    await clientOf(server).listRepositories('acme', { projectKey: 'CORE' });
    const url = new URL(server.requests[0]!.url, server.url);
    expect(url.pathname).toBe('/2.0/repositories/acme');
    expect(url.searchParams.get('q')).toBe('project.key="CORE"');
  });
});

describe('response shapes', () => {
  it('names the endpoint and the field path of a missing required field', async () => {
    const broken = [project(0), project(1), project(2), { key: 'P3', name: 'no uuid', is_private: false }];
    const server = await serve((_request, response) => sendJson(response, 200, { values: broken }));
    const error = await clientOf(server)
      .listProjects('acme')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect((error as ResponseShapeError).field).toBe('values[3].uuid');
    expect(String(error)).toContain(
      'GET /2.0/workspaces/{workspace}/projects: values[3].uuid: expected string',
    );
  });

  it('accepts unknown fields and keeps them', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { uuid: '{w}', slug: 'acme', name: 'Acme', is_privacy_enforced: true }),
    );
    await expect(clientOf(server).getWorkspace('acme')).resolves.toEqual({
      uuid: '{w}',
      slug: 'acme',
      name: 'Acme',
      is_privacy_enforced: true,
    });
  });

  it('rejects a permission outside the known values', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { values: [{ permission: 'superuser', user: { account_id: 'a' } }] }),
    );
    const error = await clientOf(server)
      .listRepositoryUserGrants('acme', 'api')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(String(error)).toContain(
      'GET /2.0/repositories/{workspace}/{repo_slug}/permissions-config/users: values[0].permission',
    );
  });

  it('reads the unpaged 1.0 group array', async () => {
    const groups = [
      {
        name: 'Developers',
        slug: 'developers',
        permission: 'write',
        auto_add: false,
        members: [{ account_id: 'a' }],
      },
    ];
    const server = await serve((_request, response) => sendJson(response, 200, groups));
    await expect(clientOf(server).listGroups('acme')).resolves.toEqual(groups);
    expect(server.requests[0]!.url).toBe('/1.0/groups/acme');
  });
});

describe('writes', () => {
  it('adds a group member with a PUT and an empty body', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { account_id: 'a' }));
    await clientOf(server).addGroupMember('acme', 'developers', '{0a1b-2c}');
    const [request] = server.requests;
    expect(request).toMatchObject({
      method: 'PUT',
      url: '/1.0/groups/acme/developers/members/%7B0a1b-2c%7D',
      body: '',
    });
    expect(request!.headers['content-length']).toBe('0');
  });

  it('puts a permission as JSON and reads back the grant', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, {
        type: 'project_user_permission',
        permission: 'write',
        user: { account_id: '557058:x' },
      }),
    );
    const grant = await clientOf(server).putProjectUserGrant('acme', 'CORE', '557058:x', 'write');
    expect(grant.permission).toBe('write');
    const [request] = server.requests;
    expect(request!.method).toBe('PUT');
    expect(new URL(request!.url, server.url).pathname).toBe(
      '/2.0/workspaces/acme/projects/CORE/permissions-config/users/557058%3Ax',
    );
    expect(JSON.parse(request!.body)).toEqual({ permission: 'write' });
  });

  it('answers null for a grant that does not exist', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 404, { type: 'error', error: { message: 'no' } }),
    );
    await expect(clientOf(server).getRepositoryGroupGrant('acme', 'api', 'devs')).resolves.toBeNull();
  });

  it('deletes without expecting a body', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 204;
      response.end();
    });
    await expect(
      clientOf(server).deleteRepositoryUserGrant('acme', 'api', '557058:x'),
    ).resolves.toBeUndefined();
    expect(server.requests[0]!.method).toBe('DELETE');
  });
});
