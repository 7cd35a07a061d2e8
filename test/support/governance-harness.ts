// A whole connector for end-to-end tests: the Bitbucket simulator over real HTTP, a fresh table on
// DynamoDB Local, and the real client, store and sync wired as production wires them.
import { randomUUID } from 'node:crypto';
import type { Credential } from '../../lib/config/index.js';
import { createBitbucketClient, type BitbucketClient } from '../../lib/bitbucket/index.js';
import { normalizeUuid } from '../../lib/model/index.js';
import { startSimulator, type RunningSimulator, type SeedDocument } from '../../lib/simulator/index.js';
import { GovernanceStore } from '../../lib/store/index.js';
import { queryPrefix } from '../../lib/store/dynamodb-reads.js';
import { fromStoredRecord } from '../../lib/store/stored-items.js';
import { RequestLedger, SyncStateStore } from '../../lib/store/sync-state.js';
import {
  additionalSyncIdentities,
  DEFAULT_SYNC_SETTINGS,
  type SyncDependencies,
  type SyncSettings,
  type WorkspaceRef,
} from '../../lib/sync/index.js';
import {
  organizationAccess,
  type AdministrationSetting,
  type OrganizationAccess,
} from '../../lib/atlassian-admin/index.js';
import { freshTable, freshTableAt } from './dynamodb.js';

export interface HarnessOptions {
  seed: SeedDocument | string;
  hourlyRequestLimit?: number;
  settings?: Partial<SyncSettings>;
  /** The credential the connector uses; default: the seed's first api-token credential. */
  credential?: Credential;
  /** Further identities the sync reads with (BITBUCKET_SYNC_IDENTITIES), each with its own ledger. */
  syncIdentities?: Credential[];
  now?: () => Date;
  /** The simulator's clock (rate window, tokens); default the wall clock. */
  simulatorNow?: () => number;
  /** A DynamoDB endpoint to use instead of the one vitest's global setup provides (benchmarks). */
  dynamoDbEndpoint?: string;
  /**
   * The organization side given to the sync: `seed` (default) uses the seed's first organization's key
   * when it has one; `none` gives an organization side with no credential; `absent` gives none at all.
   */
  organization?: 'seed' | 'none' | 'absent';
  /** BITBUCKET_ADMINISTRATION for the organization side (default `auto`). */
  administration?: AdministrationSetting;
}

export interface Harness {
  simulator: RunningSimulator;
  client: BitbucketClient;
  store: GovernanceStore;
  syncState: SyncStateStore;
  ledger: RequestLedger;
  /** The Admin API's own hourly ledger. */
  adminLedger: RequestLedger;
  /** The ledger of a further identity (`bitbucket:{fingerprint}`, see additionalSyncIdentities). */
  ledgerOf(identity: string): RequestLedger;
  /** The organization side the sync was given (absent with `organization: 'absent'`). */
  organization?: OrganizationAccess;
  tableName: string;
  documentClient: Awaited<ReturnType<typeof freshTable>>['documentClient'];
  dependencies: SyncDependencies;
  /** Resource and grant items written (puts and deletes), counted on the wire. */
  modelWrites: { count: number };
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  mutate(mutations: Record<string, unknown>[]): Promise<void>;
  groundTruth(): Promise<SeedDocument>;
  /** Bitbucket API requests the simulator received (all identities). */
  requestTotal(): Promise<number>;
  /** Every resource and grant stored for a workspace, as sorted strings. */
  storedPicture(workspaceId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The sync's reference to a seed's workspace (its first, or the one with `slug`). */
export function workspaceRefOf(seed: SeedDocument, slug?: string): WorkspaceRef {
  const workspace = slug ? seed.workspaces.find((entry) => entry.slug === slug) : seed.workspaces[0];
  if (!workspace) throw new Error(`no workspace ${slug ?? ''} in the seed`);
  return { id: normalizeUuid(workspace.uuid), slug: workspace.slug };
}

/** Sorted strings naming every grant and resource of the seed's workspace, as the store would hold them. */
export function expectedPicture(seed: SeedDocument, slug: string): string[] {
  const workspace = seed.workspaces.find((entry) => entry.slug === slug);
  if (!workspace) throw new Error(`no workspace ${slug} in the seed`);
  const wsId = normalizeUuid(workspace.uuid);
  const lines: string[] = [];
  for (const member of workspace.members) {
    lines.push(
      `resource/user/${member.accountId}`,
      `grant/workspace/${wsId}/user/${member.accountId}=${member.role}`,
    );
  }
  for (const group of workspace.groups) {
    lines.push(`resource/group/${group.slug}`);
    for (const accountId of group.members) lines.push(`grant/group/${group.slug}/user/${accountId}=member`);
  }
  const projectUuid = new Map(
    workspace.projects.map((project) => [project.key, normalizeUuid(project.uuid)]),
  );
  for (const project of workspace.projects) {
    const id = normalizeUuid(project.uuid);
    lines.push(`resource/project/${id}`);
    for (const grant of project.userGrants)
      lines.push(`grant/project/${id}/user/${grant.accountId}=${grant.permission}`);
    for (const grant of project.groupGrants)
      lines.push(`grant/project/${id}/group/${grant.group}=${grant.permission}`);
  }
  for (const repository of workspace.repositories) {
    const id = normalizeUuid(repository.uuid);
    lines.push(`resource/repository/${id}@${projectUuid.get(repository.project)}:${repository.slug}`);
    for (const grant of repository.userGrants) {
      lines.push(`grant/repository/${id}/user/${grant.accountId}=${grant.permission}`);
    }
    for (const grant of repository.groupGrants) {
      lines.push(`grant/repository/${id}/group/${grant.group}=${grant.permission}`);
    }
  }
  return lines.sort();
}

function describeStored(record: Record<string, unknown>): string | undefined {
  const item = fromStoredRecord(record).item as unknown as
    | { kind: 'resource'; type: string; id: string; attributes: Record<string, unknown> }
    | {
        kind: 'grant';
        resource: { type: string; id: string };
        principal: { type: string; id: string };
        entitlement: string;
      }
    | undefined;
  if (!item) return undefined;
  if (item.kind === 'resource') {
    if (item.type === 'workspace') return undefined;
    const suffix =
      item.type === 'repository' ? `@${item.attributes.projectUuid}:${item.attributes.slug}` : '';
    return `resource/${item.type}/${item.id}${suffix}`;
  }
  return `grant/${item.resource.type}/${item.resource.id}/${item.principal.type}/${item.principal.id}=${item.entitlement}`;
}

/** Sort key of a (marshalled or plain) item or key. */
function sortKeyOf(value: unknown): string | undefined {
  const sk = (value as { SK?: unknown } | undefined)?.SK;
  if (typeof sk === 'string') return sk;
  return (sk as { S?: string } | undefined)?.S;
}

function isModelKey(sk: string | undefined): boolean {
  return sk !== undefined && (sk.startsWith('RES#') || sk.startsWith('GRANT#'));
}

/** The listing requests a full pass needs at pagelen=100: the lower bound for the scopes we read. */
export function lowerBoundRequests(seed: SeedDocument, slug?: string): number {
  const workspace = slug ? seed.workspaces.find((entry) => entry.slug === slug) : seed.workspaces[0];
  if (!workspace) throw new Error(`no workspace ${slug ?? ''} in the seed`);
  const pages = (count: number) => Math.max(1, Math.ceil(count / 100));
  const grantPages = (users: number, groups: number) => pages(users) + pages(groups);
  return (
    pages(workspace.members.length) +
    1 + // 1.0 groups: one unpaged answer
    pages(workspace.projects.length) +
    pages(workspace.repositories.length) +
    workspace.projects.reduce((sum, p) => sum + grantPages(p.userGrants.length, p.groupGrants.length), 0) +
    workspace.repositories.reduce((sum, r) => sum + grantPages(r.userGrants.length, r.groupGrants.length), 0)
  );
}

/** Resource and grant items a DynamoDB write request puts or deletes (change records and sync state excluded). */
function countModelWrites(commandName: string, input: Record<string, unknown>): number {
  switch (commandName) {
    case 'PutItemCommand':
      return Number(isModelKey(sortKeyOf(input.Item)));
    case 'DeleteItemCommand':
    case 'UpdateItemCommand':
      return Number(isModelKey(sortKeyOf(input.Key)));
    case 'TransactWriteItemsCommand':
      return (
        (input.TransactItems ?? []) as {
          Put?: { Item?: unknown };
          Delete?: { Key?: unknown };
          Update?: { Key?: unknown };
        }[]
      ).filter((entry) => isModelKey(sortKeyOf(entry.Put?.Item ?? entry.Delete?.Key ?? entry.Update?.Key)))
        .length;
    case 'BatchWriteItemCommand':
      return Object.values(
        (input.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]
        >,
      )
        .flat()
        .filter((entry) => isModelKey(sortKeyOf(entry.PutRequest?.Item ?? entry.DeleteRequest?.Key))).length;
    default:
      return 0;
  }
}

/** Counts resource and grant items written through a client (its document client shares the stack). */
export function attachModelWriteCounter(client: {
  middlewareStack: Awaited<ReturnType<typeof freshTable>>['client']['middlewareStack'];
}): { count: number } {
  const modelWrites = { count: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      modelWrites.count += countModelWrites(context.commandName ?? '', args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'modelWriteCounter' },
  );
  return modelWrites;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const simulator = await startSimulator({
    seed: options.seed,
    hourlyRequestLimit: options.hourlyRequestLimit ?? 1_000_000,
    ...(options.simulatorNow ? { now: options.simulatorNow } : {}),
  });
  const table = options.dynamoDbEndpoint
    ? await freshTableAt(options.dynamoDbEndpoint, 'bench')
    : await freshTable('e2e');
  const modelWrites = attachModelWriteCounter(table.client);
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${simulator.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const seed = await control<SeedDocument>('GET', '/_simulator/state');
  const apiToken = seed.credentials.find((entry) => entry.kind === 'api-token');
  const credential: Credential =
    options.credential ??
    (apiToken && apiToken.kind === 'api-token'
      ? { auth: 'api-token', email: apiToken.email, apiToken: apiToken.token }
      : (() => {
          throw new Error('the seed has no api-token credential');
        })());
  const client = createBitbucketClient({
    apiUrl: simulator.url,
    oauthUrl: simulator.url,
    credentials: { current: async () => credential, reload: async () => credential },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  const now = options.now ?? (() => new Date());
  const store = new GovernanceStore({
    documentClient: table.documentClient,
    tableName: table.tableName,
    now,
  });
  const syncState = new SyncStateStore({ documentClient: table.documentClient, tableName: table.tableName });
  const ledger = new RequestLedger({ documentClient: table.documentClient, tableName: table.tableName });
  const adminLedger = new RequestLedger({
    documentClient: table.documentClient,
    tableName: table.tableName,
    identity: 'atlassian-admin',
  });
  const [seedOrganization] = seed.organizations ?? [];
  const organizationMode = options.organization ?? 'seed';
  const organization =
    organizationMode === 'absent'
      ? undefined
      : organizationAccess(
          {
            apiUrl: simulator.url,
            administration: options.administration ?? 'auto',
            hourlyRequestLimit: 1_000_000,
          },
          {
            current: async () =>
              organizationMode === 'seed' && seedOrganization
                ? { orgId: seedOrganization.id, apiKey: seedOrganization.apiKey }
                : null,
          },
          adminLedger,
          { retry: { baseDelayMs: 5, maxDelayMs: 50 } },
        );
  const ledgerOf = (identity: string) =>
    new RequestLedger({ documentClient: table.documentClient, tableName: table.tableName, identity });
  const syncIdentities = options.syncIdentities ?? [];
  const additionalIdentities = additionalSyncIdentities(
    {
      bitbucket: {
        apiUrl: simulator.url,
        oauthUrl: simulator.url,
        workspaces: [],
        hourlyRequestLimit: options.hourlyRequestLimit ?? 1000,
        credentials: { from: 'environment', credential },
        syncIdentities: { from: 'environment', credentials: syncIdentities },
      },
    },
    ledgerOf,
  );
  const settings: SyncSettings = {
    ...DEFAULT_SYNC_SETTINGS,
    hourlyRequestBudget: 1_000_000,
    hourlyRequestLimit: 1_000_000,
    ...options.settings,
  };
  return {
    simulator,
    client,
    store,
    syncState,
    ledger,
    adminLedger,
    ledgerOf,
    ...(organization ? { organization } : {}),
    tableName: table.tableName,
    documentClient: table.documentClient,
    dependencies: {
      client,
      store,
      syncState,
      ledger,
      settings,
      now,
      runnerId: randomUUID(),
      ...(syncIdentities.length > 0 ? { additionalIdentities } : {}),
      ...(organization ? { organization } : {}),
    },
    modelWrites,
    control,
    mutate: async (mutations) => {
      await control('POST', '/_simulator/mutations', { mutations });
    },
    groundTruth: () => control<SeedDocument>('GET', '/_simulator/state'),
    requestTotal: async () => (await control<{ total: number }>('GET', '/_simulator/requests')).total,
    storedPicture: async (workspaceId) => {
      const records = (
        await Promise.all(
          ['RES#', 'GRANT#'].map((prefix) =>
            queryPrefix(table.documentClient, table.tableName, `WS#${workspaceId}`, prefix),
          ),
        )
      ).flat();
      return records
        .map(describeStored)
        .filter((line): line is string => line !== undefined)
        .sort();
    },
    close: async () => {
      await simulator.stop();
      table.client.destroy();
    },
  };
}
