// `bbgov doctor`'s capability report keeps Bitbucket's own words: a refusal's error.message and detail,
// and a removed endpoint's announcement, next to the call and status (issue 17, "Errors keep their cause").
import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketClient } from '../../../lib/bitbucket/index.js';
import { API_TOKEN, fixedCredential } from './support/credentials.js';
import { fakeClock, sendJson, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const TOKEN_REFUSAL = 'Token is invalid, expired, or not supported for this endpoint.';

describe('probeCapabilities reasons', () => {
  it("name the call, the status and Bitbucket's message and detail", async () => {
    server = await startTestServer((request, response) => {
      if (request.url.startsWith('/2.0/workspaces/acme/permissions'))
        return sendJson(response, 401, { type: 'error', error: { message: TOKEN_REFUSAL } });
      if (request.url.startsWith('/1.0/groups/acme'))
        return sendJson(response, 403, {
          type: 'error',
          error: { message: 'Forbidden', detail: 'groups are administered in admin.atlassian.com' },
        });
      return sendJson(response, 500, { type: 'error', error: { message: 'Something went wrong' } });
    });
    const clock = fakeClock();
    const client = createBitbucketClient({
      apiUrl: server.url,
      oauthUrl: server.url,
      credentials: fixedCredential(API_TOKEN),
      now: clock.now,
      sleep: clock.sleep,
      retry: { maxRetries: 0 },
    });
    const report = await client.probeCapabilities('acme');
    expect(report.readMembers.answer).toBe('no');
    expect(report.readMembers.reason).toContain('/2.0/workspaces/acme/permissions answered 401');
    expect(report.readMembers.reason).toContain(TOKEN_REFUSAL);
    expect(report.readGroups.answer).toBe('no');
    expect(report.readGroups.reason).toContain('groups are administered in admin.atlassian.com');
    expect(report.readPermissions.answer).toBe('unknown');
    expect(report.readPermissions.reason).toContain('Something went wrong');
    expect(JSON.stringify(report)).not.toContain('sup3r-s3cret-t0ken');
  });
});
