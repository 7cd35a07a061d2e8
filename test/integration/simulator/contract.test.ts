// Contract coverage: one call per 2.0 operation the simulator serves, each answer validated against the
// matching response schema of cloud-openapi.json (see support/contract.ts for the accepted deviations).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../lib/simulator/index.js';
import { startSimulator } from '../../../lib/simulator/index.js';
import { call, validatedTemplates } from './support/client.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo' });
});
afterAll(() => sim.stop());

it('every 2.0 operation the simulator serves answers what the OpenAPI document declares', async () => {
  const hook = await call(sim.url, '/2.0/workspaces/acme/hooks', {
    method: 'POST',
    body: {
      url: 'http://127.0.0.1:9/hook',
      description: 'd',
      active: false,
      events: ['repo:push'],
      secret: 's3cret',
    },
  });
  const uid = encodeURIComponent(hook.json.uuid as string);
  const project = '/2.0/workspaces/acme/projects/CORE/permissions-config';
  const repo = '/2.0/repositories/acme/api/permissions-config';
  const calls: [string, string, unknown?][] = [
    ['GET', '/2.0/user'],
    ['GET', '/2.0/user/workspaces'],
    ['GET', '/2.0/workspaces/acme'],
    ['GET', '/2.0/workspaces/nope'],
    ['GET', '/2.0/workspaces/acme/members'],
    ['GET', '/2.0/workspaces/acme/permissions'],
    ['GET', '/2.0/workspaces/acme/permissions/repositories'],
    ['GET', '/2.0/workspaces/acme/projects'],
    ['GET', '/2.0/repositories/acme'],
    ['GET', `${project}/users`],
    ['GET', `${project}/users/557058:margaret`],
    ['PUT', `${project}/users/557058:alan`, { permission: 'write' }],
    ['GET', `${project}/groups`],
    ['GET', `${project}/groups/developers`],
    ['PUT', `${project}/groups/qa`, { permission: 'read' }],
    ['GET', `${repo}/users`],
    ['GET', `${repo}/users/557058:dennis`],
    ['PUT', `${repo}/users/557058:alan`, { permission: 'read' }],
    ['GET', `${repo}/groups`],
    ['GET', `${repo}/groups/developers`],
    ['PUT', `${repo}/groups/contractors`, { permission: 'read' }],
    ['GET', `${repo}/users/557058:ken`],
    ['GET', '/2.0/workspaces/acme/hooks'],
    ['GET', `/2.0/workspaces/acme/hooks/${uid}`],
    ['PUT', `/2.0/workspaces/acme/hooks/${uid}`, { description: 'e' }],
  ];
  for (const [method, path, body] of calls)
    await call(sim.url, path, { method, ...(body === undefined ? {} : { body }) });
  expect([...validatedTemplates].sort()).toEqual(
    [
      'GET /user 200',
      'GET /user/workspaces 200',
      'GET /workspaces/{workspace} 200',
      'GET /workspaces/{workspace} 404',
      'GET /workspaces/{workspace}/members 200',
      'GET /workspaces/{workspace}/permissions 200',
      'GET /workspaces/{workspace}/permissions/repositories 200',
      'GET /workspaces/{workspace}/projects 200',
      'GET /repositories/{workspace} 200',
      'GET /workspaces/{workspace}/projects/{project_key}/permissions-config/users 200',
      'GET /workspaces/{workspace}/projects/{project_key}/permissions-config/users/{selected_user_id} 200',
      'PUT /workspaces/{workspace}/projects/{project_key}/permissions-config/users/{selected_user_id} 200',
      'GET /workspaces/{workspace}/projects/{project_key}/permissions-config/groups 200',
      'GET /workspaces/{workspace}/projects/{project_key}/permissions-config/groups/{group_slug} 200',
      'PUT /workspaces/{workspace}/projects/{project_key}/permissions-config/groups/{group_slug} 200',
      'GET /repositories/{workspace}/{repo_slug}/permissions-config/users 200',
      'GET /repositories/{workspace}/{repo_slug}/permissions-config/users/{selected_user_id} 200',
      'GET /repositories/{workspace}/{repo_slug}/permissions-config/users/{selected_user_id} 404',
      'PUT /repositories/{workspace}/{repo_slug}/permissions-config/users/{selected_user_id} 200',
      'GET /repositories/{workspace}/{repo_slug}/permissions-config/groups 200',
      'GET /repositories/{workspace}/{repo_slug}/permissions-config/groups/{group_slug} 200',
      'PUT /repositories/{workspace}/{repo_slug}/permissions-config/groups/{group_slug} 200',
      'POST /workspaces/{workspace}/hooks 201',
      'GET /workspaces/{workspace}/hooks 200',
      'GET /workspaces/{workspace}/hooks/{uid} 200',
      'PUT /workspaces/{workspace}/hooks/{uid} 200',
    ].sort(),
  );
});

it('the validator itself rejects bodies that break the schema', async () => {
  const { checkContract } = await import('./support/contract.js');
  expect(checkContract('GET', '/2.0/repositories/acme', 200, { values: [], surprise: 1 }).errors).not.toEqual(
    [],
  );
  expect(
    checkContract('GET', '/2.0/repositories/acme', 200, { values: [{ is_private: 'yes' }] }).errors,
  ).not.toEqual([]);
  expect(checkContract('GET', '/2.0/repositories/acme', 200, { values: [], pagelen: 10 }).errors).toEqual([]);
});
