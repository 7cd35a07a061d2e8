// A scripted Admin API on 127.0.0.1 (the Bitbucket tests' server) and a client pointed at it.
import {
  AdminApiClient,
  type AdminApiClientOptions,
  type AdminRequestObservation,
} from '../../../lib/atlassian-admin/index.js';
import {
  fakeClock,
  startTestServer,
  type Handler,
  type TestServer,
} from '../bitbucket/support/test-server.js';

export const ORG_ID = 'org-7f3a';
export const API_KEY = 'ATCTT3xFfGN0-admin-k3y-v4lue';

export async function adminClientFor(handler: Handler, options: Partial<AdminApiClientOptions> = {}) {
  const server: TestServer = await startTestServer(handler);
  const clock = fakeClock();
  const observed: AdminRequestObservation[] = [];
  const client = new AdminApiClient({
    apiUrl: server.url,
    credential: async () => ({ orgId: ORG_ID, apiKey: API_KEY }),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    onRequest: (observation) => observed.push(observation),
    ...options,
  });
  return { client, clock, server, observed };
}

export { sendJson, sendText } from '../bitbucket/support/test-server.js';
export type { Handler, TestServer } from '../bitbucket/support/test-server.js';
