// Contract coverage: one call per 2.0 operation the simulator serves, each answer validated against the
// matching response schema of cloud-openapi.json (see support/contract.ts for the accepted deviations).
// Without the document (a clone with nothing beside it) the calls and their statuses are still checked;
// only the schema checks skip, with the reason printed once by support/contract.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../lib/simulator/index.js';
import { startSimulator } from '../../../lib/simulator/index.js';
import type { Answer } from './support/client.js';
import { call, validatedTemplates } from './support/client.js';
import { checkContract, openApiDocument } from './support/contract.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'demo' });
});
afterAll(() => sim.stop());

/** Calls every 2.0 operation the simulator serves once; both tests below share the one pass. */
let everyOperation: Promise<{ expected: number; answer: Answer }[]> | undefined;
function callEveryOperation() {
  everyOperation ??= (async () => {
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
    // [expected status, method, path, body]
    const calls: [number, string, string, unknown?][] = [
      [200, 'GET', '/2.0/user'],
      [200, 'GET', '/2.0/user/workspaces'],
      [200, 'GET', '/2.0/workspaces/acme'],
      [404, 'GET', '/2.0/workspaces/nope'],
      [200, 'GET', '/2.0/workspaces/acme/members'],
      [200, 'GET', '/2.0/workspaces/acme/permissions'],
      [200, 'GET', '/2.0/workspaces/acme/permissions/repositories'],
      [200, 'GET', '/2.0/workspaces/acme/projects'],
      [200, 'GET', '/2.0/repositories/acme'],
      [200, 'GET', `${project}/users`],
      [200, 'GET', `${project}/users/557058:margaret`],
      [200, 'PUT', `${project}/users/557058:alan`, { permission: 'write' }],
      [200, 'GET', `${project}/groups`],
      [200, 'GET', `${project}/groups/developers`],
      [200, 'PUT', `${project}/groups/qa`, { permission: 'read' }],
      [200, 'GET', `${repo}/users`],
      [200, 'GET', `${repo}/users/557058:dennis`],
      [200, 'PUT', `${repo}/users/557058:alan`, { permission: 'read' }],
      [200, 'GET', `${repo}/groups`],
      [200, 'GET', `${repo}/groups/developers`],
      [200, 'PUT', `${repo}/groups/contractors`, { permission: 'read' }],
      [404, 'GET', `${repo}/users/557058:ken`],
      [200, 'GET', '/2.0/workspaces/acme/hooks'],
      [200, 'GET', `/2.0/workspaces/acme/hooks/${uid}`],
      [200, 'PUT', `/2.0/workspaces/acme/hooks/${uid}`, { description: 'e' }],
    ];
    const answers = [{ expected: 201, answer: hook }];
    for (const [expected, method, path, body] of calls)
      answers.push({
        expected,
        answer: await call(sim.url, path, { method, ...(body === undefined ? {} : { body }) }),
      });
    return answers;
  })();
  return everyOperation;
}

it('every 2.0 operation the simulator serves answers with the expected status', async () => {
  const answers = await callEveryOperation();
  expect(answers.map((a) => a.answer.status)).toEqual(answers.map((a) => a.expected));
});

// Needs the document: without it nothing is validated, so there is no coverage to compare.
it.skipIf(!openApiDocument.available)(
  'every 2.0 operation the simulator serves answers what the OpenAPI document declares',
  async () => {
    await callEveryOperation();
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
  },
);

// Needs the document: it tests the schema validator, which has nothing to validate against without it.
it.skipIf(!openApiDocument.available)('the validator itself rejects bodies that break the schema', () => {
  expect(checkContract('GET', '/2.0/repositories/acme', 200, { values: [], surprise: 1 }).errors).not.toEqual(
    [],
  );
  expect(
    checkContract('GET', '/2.0/repositories/acme', 200, { values: [{ is_private: 'yes' }] }).errors,
  ).not.toEqual([]);
  expect(checkContract('GET', '/2.0/repositories/acme', 200, { values: [], pagelen: 10 }).errors).toEqual([]);
});
