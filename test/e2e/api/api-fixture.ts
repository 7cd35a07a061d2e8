// The API end to end: the simulator over HTTP, DynamoDB Local filled by one real sync pass, the real
// API handler behind the local HTTP adapter (bearer token standing in for IAM).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiHandler } from '../../../lib/handlers/api-handler.js';
import type { ApiDependencies } from '../../../lib/api/index.js';
import { createBitbucketClient } from '../../../lib/bitbucket/index.js';
import type { Credential } from '../../../lib/config/index.js';
import { startLocalHttpServer, type HttpLambdaHandler } from '../../../lib/local/api-gateway-adapter.js';
import { localAuthorizationPolicy, localBearerTokens } from '../../../lib/local/local-authorization.js';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { AccessRequestStore } from '../../../lib/store/access-requests.js';
import { ReviewCampaignStore } from '../../../lib/store/review-campaigns.js';
import { normalizeUuid } from '../../../lib/model/index.js';
import type { SeedDocument } from '../../../lib/simulator/index.js';
import { LocalExportWriter } from '../../../lib/store/export-files.js';
import { ProvisioningRequestStore } from '../../../lib/store/provisioning-requests.js';
import { runUntilPassComplete, type WorkspaceRef } from '../../../lib/sync/index.js';
import { startHarness, type Harness, type HarnessOptions } from '../../support/governance-harness.js';

export const API_TOKEN = 'test-api-token-0123456789';

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ApiFixture {
  harness: Harness;
  seed: SeedDocument;
  workspace: WorkspaceRef;
  dataDir: string;
  dependencies: ApiDependencies;
  url: string;
  // Answers are read field by field in tests; their shapes are checked against the OpenAPI schemas.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call<T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string },
  ): Promise<ApiAnswer<T>>;
  /** Another handler on its own port: same store, other collaborators (credential, limits). */
  variant(overrides: Partial<ApiDependencies>): Promise<{ url: string; call: ApiFixture['call'] }>;
  /** Requests the simulator received per `METHOD /route/template`, summed over identities. */
  requestsByRoute(): Promise<Record<string, number>>;
  clearRequestLog(): Promise<void>;
  close(): Promise<void>;
}

/** A client for another credential of the same simulator. */
export function clientFor(harness: Harness, credential: Credential) {
  return createBitbucketClient({
    apiUrl: harness.simulator.url,
    oauthUrl: harness.simulator.url,
    credentials: { current: async () => credential, reload: async () => credential },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
}

function caller(url: string): ApiFixture['call'] {
  return async (method, path, options = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? API_TOKEN}`,
        ...(options.body !== undefined || options.rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
        ...options.headers,
      },
      ...(options.rawBody !== undefined
        ? { body: options.rawBody }
        : options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, headers: response.headers, body: body as any, text };
  };
}

export async function startApiFixture(
  seed: SeedDocument | string,
  options: Omit<HarnessOptions, 'seed'> & {
    /** Callers with roles (LOCAL_API_TOKENS entries); API_TOKEN stays one administrator of all. */
    callers?: LocalTokenEntry[];
  } = {},
): Promise<ApiFixture> {
  const { callers = [], ...harnessOptions } = options;
  const harness = await startHarness({ ...harnessOptions, seed });
  const truth = await harness.groundTruth();
  const first = truth.workspaces[0]!;
  const workspace: WorkspaceRef = { id: normalizeUuid(first.uuid), slug: first.slug };
  await harness.store.putWorkspace(
    { uuid: workspace.id, slug: workspace.slug, name: first.name },
    new Date().toISOString(),
    { cause: 'sync', actor: 'sync' },
  );
  const pass = await runUntilPassComplete(harness.dependencies, workspace);
  if (!pass.completed) throw new Error(`the sync pass did not complete: ${pass.stoppedBecause}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'api-e2e-'));
  const dependencies: ApiDependencies = {
    authorization: localAuthorizationPolicy(callers),
    client: harness.client,
    store: harness.store,
    syncState: harness.syncState,
    ledger: harness.ledger,
    requests: new ProvisioningRequestStore({
      documentClient: harness.documentClient,
      tableName: harness.tableName,
    }),
    accessRequests: new AccessRequestStore({
      documentClient: harness.documentClient,
      tableName: harness.tableName,
    }),
    reviews: new ReviewCampaignStore({
      documentClient: harness.documentClient,
      tableName: harness.tableName,
    }),
    exportWriter: new LocalExportWriter(dataDir),
    hourlyRequestLimit: 1_000_000,
    ...(harness.organization
      ? { organization: { access: harness.organization, statuses: harness.syncState } }
      : {}),
  };
  const servers: { close(): Promise<void> }[] = [];
  const serve = async (deps: ApiDependencies) => {
    const api = createApiHandler(deps) as unknown as HttpLambdaHandler;
    const notHere: HttpLambdaHandler = async () => ({ statusCode: 404, body: '' });
    const server = await startLocalHttpServer({
      handlers: { api, webhook: notHere },
      apiToken: API_TOKEN,
      apiTokens: localBearerTokens(callers),
    });
    servers.push(server);
    return server.url;
  };
  const url = await serve(dependencies);
  return {
    harness,
    seed: truth,
    workspace,
    dataDir,
    dependencies,
    url,
    call: caller(url),
    variant: async (overrides) => {
      const variantUrl = await serve({ ...dependencies, ...overrides });
      return { url: variantUrl, call: caller(variantUrl) };
    },
    requestsByRoute: async () => {
      const log = await harness.control<{ byRoute: { route: string; count: number }[] }>(
        'GET',
        '/_simulator/requests',
      );
      const counts: Record<string, number> = {};
      for (const entry of log.byRoute) counts[entry.route] = (counts[entry.route] ?? 0) + entry.count;
      return counts;
    },
    clearRequestLog: async () => {
      await harness.control('DELETE', '/_simulator/requests');
    },
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
      await harness.close();
    },
  };
}

/** Sum of requests whose route starts with `METHOD /prefix`. */
export function countRequests(counts: Record<string, number>, method: string, fragment: string): number {
  return Object.entries(counts)
    .filter(([route]) => route.startsWith(`${method} `) && route.includes(fragment))
    .reduce((sum, [, count]) => sum + count, 0);
}
