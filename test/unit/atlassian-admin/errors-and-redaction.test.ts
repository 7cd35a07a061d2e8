// Status → typed error mapping, Atlassian's words in the message, and the organization API key never in
// an error (message, stack or JSON), whatever the kind.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AdminApiError,
  AdminBadRequest,
  AdminDeadlineExceeded,
  AdminForbidden,
  AdminNotFound,
  AdminResponseShapeError,
  AdminUnauthorized,
  AdminUpstreamError,
  describeAdminErrorBody,
} from '../../../lib/atlassian-admin/index.js';
import { BitbucketError } from '../../../lib/bitbucket/index.js';
import { API_KEY, adminClientFor, sendJson, sendText, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const MEMBERSHIPS = 'POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships';

async function failureOf(status: number, body: unknown, headers: Record<string, string> = {}) {
  const setup = await adminClientFor(
    (_request, response) =>
      typeof body === 'string'
        ? sendText(response, status, body, headers)
        : sendJson(response, status, body, headers),
    { retry: { maxRetries: 0 } },
  );
  server = setup.server;
  return setup.client.addGroupMember('dir-1', 'g1', 'acc-1').catch((caught: unknown) => caught);
}

const errorsBody = (status: number, code: string, title: string, detail: string) => ({
  errors: [{ status: String(status), code, title, detail }],
});

describe('status mapping', () => {
  it('401 → AdminUnauthorized with Atlassian title and detail', async () => {
    const error = await failureOf(401, errorsBody(401, 'ADMIN-401', 'Unauthorized', 'The API key expired'));
    expect(error).toBeInstanceOf(AdminUnauthorized);
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).not.toBeInstanceOf(BitbucketError);
    expect(error).toMatchObject({
      status: 401,
      code: 'ADMIN-401',
      endpoint: MEMBERSHIPS,
      adminSaid: 'Unauthorized: The API key expired',
      retryable: false,
    });
    expect(String(error)).toContain('The API key expired');
  });

  it('403 for a missing scope is not IdP-managed', async () => {
    const error = await failureOf(
      403,
      errorsBody(403, 'FORBIDDEN', 'Forbidden', 'Missing scope write:groups:admin'),
    );
    expect(error).toBeInstanceOf(AdminForbidden);
    expect(error).toMatchObject({ managedByIdentityProvider: false, code: 'FORBIDDEN' });
  });

  it('403 for a group synced from an identity provider says so', async () => {
    const byDetail = await failureOf(
      403,
      errorsBody(
        403,
        'ADMIN-403',
        'Forbidden',
        "You can't add a user to a group synced from an identity provider",
      ),
    );
    expect(byDetail).toMatchObject({ name: 'AdminForbidden', managedByIdentityProvider: true });
    await server?.stop();
    const byCode = await failureOf(403, { errors: [{ code: 'GROUP_MANAGED_BY_IDP', title: 'Forbidden' }] });
    expect(byCode).toMatchObject({ managedByIdentityProvider: true, code: 'GROUP_MANAGED_BY_IDP' });
  });

  it('404 → AdminNotFound, 400 → AdminBadRequest, with a message body', async () => {
    const notFound = await failureOf(404, { message: 'Group not found' });
    expect(notFound).toBeInstanceOf(AdminNotFound);
    expect(notFound).toMatchObject({ adminSaid: 'Group not found' });
    await server?.stop();
    const bad = await failureOf(400, { code: 'INVALID', message: 'accountId is required' });
    expect(bad).toBeInstanceOf(AdminBadRequest);
    expect(bad).toMatchObject({ code: 'INVALID', adminSaid: 'accountId is required' });
  });

  it('reads the shapes an error body comes in', () => {
    expect(describeAdminErrorBody('{"errors":[{"title":"A","detail":"B"},{"title":"C"}]}')).toEqual({
      code: undefined,
      said: 'A: B (and 1 more)',
    });
    expect(describeAdminErrorBody('{"error":{"message":"nested"}}').said).toBe('nested');
    expect(describeAdminErrorBody('plain text').said).toBe('plain text');
    expect(describeAdminErrorBody('').said).toBe('no description');
  });
});

describe('the key never appears in an error', () => {
  const echo = `invalid key ${API_KEY} (Authorization: Bearer ${API_KEY})`;
  const cases: Array<[string, number, unknown, Record<string, string>?]> = [
    ['AdminBadRequest', 400, { errors: [{ title: 'Bad', detail: echo, code: API_KEY }] }],
    ['AdminUnauthorized', 401, { errors: [{ title: 'Unauthorized', detail: echo }] }],
    ['AdminForbidden', 403, { message: echo }],
    ['AdminNotFound', 404, echo],
    ['AdminRateLimited', 429, { errors: [{ detail: echo }] }, { 'Retry-After': '1' }],
    ['AdminUpstreamError', 502, echo],
  ];
  for (const [name, status, body, headers] of cases) {
    it(`${name} (${status})`, async () => {
      const error = await failureOf(status, body, headers);
      expect(error).toMatchObject({ name });
      expectNoKey(error);
    });
  }

  it('AdminResponseShapeError, AdminDeadlineExceeded and a network failure', async () => {
    const setup = await adminClientFor((_request, response) => sendJson(response, 200, { data: API_KEY }), {
      retry: { maxRetries: 0 },
    });
    server = setup.server;
    const shape = await setup.client.listDirectories().catch((caught: unknown) => caught);
    expect(shape).toBeInstanceOf(AdminResponseShapeError);
    expectNoKey(shape);
    const deadline = await setup.client
      .listDirectories({ deadlineAt: setup.clock.now() })
      .catch((caught: unknown) => caught);
    expect(deadline).toBeInstanceOf(AdminDeadlineExceeded);
    expectNoKey(deadline);
    await setup.server.stop();
    server = undefined;
    const network = await setup.client.listDirectories().catch((caught: unknown) => caught);
    expect(network).toBeInstanceOf(AdminUpstreamError);
    expectNoKey(network);
  });
});

function expectNoKey(error: unknown) {
  expect(error).toBeInstanceOf(AdminApiError);
  const typed = error as AdminApiError;
  for (const text of [
    String(typed),
    typed.stack ?? '',
    JSON.stringify(typed),
    typed.adminSaid,
    typed.code ?? '',
  ]) {
    expect(text).not.toContain(API_KEY);
  }
}
