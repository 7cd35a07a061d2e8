// `npx bbgov <command>`: the connector on one machine, without AWS. Returns the process exit code:
// 0 success, 1 failure, 2 usage error.
import { probeOrganization, type OrganizationReport } from '../atlassian-admin/index.js';
import { effectiveUserAccess, type AccessFacts, type UserAccess } from '../access/index.js';
import { openHourlyBudget } from '../budget/index.js';
import { ConfigError, type Credential } from '../config/index.js';
import type { ScopeState, WorkspaceSyncStatus } from '../store/sync-state.js';
import { runSimulatorCli } from '../simulator/index.js';
import { normalizeUuid } from '../model/index.js';
import {
  coverageOf,
  describeDiscoveryRefusal,
  resolveGovernedWorkspaces,
  runSyncStep,
  runUntilPassComplete,
  summariseGaps,
  WorkspaceDiscoveryRefused,
  type Coverage,
} from '../sync/index.js';
import { isRefusal, Unauthorized } from '../bitbucket/index.js';
import {
  COMMANDS,
  generalUsage,
  parseCommandLine,
  portFlag,
  UsageError,
  type ParsedCommand,
} from './cli-commands.js';
import { openConnector, type LocalConnector } from './connector.js';
import { loadEnvFile } from './env-file.js';
import { progressPrinter } from './progress.js';
import { administrationLine, formatSummary, gapLines, summarizeWorkspace } from './workspace-summary.js';
import { JavaMissingError } from './embedded-dynamodb.js';
import { checkWebhooksArguments, localCommandHandlers } from './cli-server-commands.js';
import { runRequestsCommand } from './cli-request-commands.js';
import { runReviewCommand } from './cli-review-commands.js';
import { chooseWorkspace } from './workspace-choice.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function syncCommand(connector: LocalConnector, command: ParsedCommand): Promise<number> {
  const slug = command.values.workspace as string | undefined;
  let governed;
  try {
    governed = await resolveGovernedWorkspaces(
      connector.sync,
      slug ? [slug] : connector.config.bitbucket.workspaces,
    );
  } catch (error) {
    // Which scope or setting to fix, not Bitbucket's bare 401 (Bitbucket's words are in the line).
    if (!(error instanceof WorkspaceDiscoveryRefused)) throw error;
    err(`bbgov sync: ${error.message}`);
    return 1;
  }
  for (const skipped of governed.skipped) err(`skipped ${skipped.slug}: ${skipped.reason}`);
  const results = [];
  let failed = governed.skipped.length > 0 && slug !== undefined;
  if (governed.workspaces.length === 0) {
    err('no workspace can be governed with this credential (see `bbgov doctor`)');
    failed = true;
  }
  for (const workspace of governed.workspaces) {
    if (command.values['until-complete']) {
      const progress = progressPrinter();
      const result = await runUntilPassComplete(connector.sync, workspace, { onProgress: progress.update });
      progress.done();
      results.push({ workspace: workspace.slug, ...result, steps: result.steps.length });
      for (const line of gapLines(workspace.slug, result.capabilityGaps)) err(line);
      if (!result.completed) {
        failed = true;
        err(
          `${workspace.slug}: pass not complete: ${result.stoppedBecause}${result.resumeAfter ? `; resume after ${result.resumeAfter}` : ''}`,
        );
      } else if (!command.values.json) {
        out(
          `${workspace.slug}: ${result.stoppedBecause ?? `pass complete in ${result.steps.length} step(s), ${result.requests} requests`}`,
        );
      }
    } else {
      const report = await runSyncStep(connector.sync, workspace, Date.now() + 5 * 60_000);
      results.push(report);
      for (const line of gapLines(workspace.slug, report.capabilityGaps)) err(line);
      if (report.error) err(`${workspace.slug}: ${report.outcome}: ${report.error.message}`);
      else if (report.outcome !== 'completed-due-scopes')
        err(
          `${workspace.slug}: step ended: ${report.outcome}${report.resumeAfter ? `; resume after ${report.resumeAfter}` : ''} (${report.pass.refreshed}/${report.pass.total} scopes of the pass refreshed)`,
        );
      if (['rate-limited', 'credential-rejected', 'not-administrable'].includes(report.outcome))
        failed = true;
    }
    if (!command.values.json)
      out(
        formatSummary(
          workspace.slug,
          await summarizeWorkspace(connector.store, connector.localStore, workspace.id),
        ),
      );
  }
  if (command.values.json) out(JSON.stringify(results, null, 2));
  return failed ? 1 : 0;
}

/** The `bbgov access` answer: the CONTRACTS.md effective access answer with the API's `coverage`. */
export type UserAccessAnswer = UserAccess & { coverage: Coverage };

/**
 * `accountId`'s effective access in a workspace with the coverage of the stored picture, as
 * `GET …/users/{accountId}/access` answers it: `{ workspace, user, groups, projects, repositories,
 * coverage: { complete, capabilityGaps } }`, or null for a user the store does not know.
 */
export async function loadUserAccessAnswer(
  stores: {
    store: { loadUserAccessFacts(workspaceId: string, accountId: string): Promise<AccessFacts> };
    syncState: {
      listScopeStates(workspaceId: string): Promise<ScopeState[]>;
      getStatus(workspaceId: string): Promise<WorkspaceSyncStatus | undefined>;
    };
  },
  workspaceId: string,
  accountId: string,
  options: { includePublic?: boolean } = {},
): Promise<UserAccessAnswer | null> {
  const [facts, states, status] = await Promise.all([
    stores.store.loadUserAccessFacts(workspaceId, accountId),
    stores.syncState.listScopeStates(workspaceId),
    stores.syncState.getStatus(workspaceId),
  ]);
  const answer = effectiveUserAccess(facts, accountId, options);
  return answer ? { ...answer, coverage: coverageOf(states, status?.administration) } : null;
}

/**
 * The access answer as text: the user, their groups, a project and a repository table, then one warning
 * line per capability gap when the coverage is incomplete (the tables may understate access there).
 */
export function formatUserAccess(answer: UserAccess & { coverage?: Coverage }): string {
  const rolePaths = answer.user.rolePaths ?? [];
  const roleVia =
    rolePaths.length > 0
      ? ` (via ${rolePaths.map((path) => `org group ${path.group}=${path.permission}`).join(', ')})`
      : '';
  const lines = [
    `${answer.user.displayName} (${answer.user.accountId}) in ${answer.workspace}: role ${answer.user.role ?? 'none'}${roleVia}`,
    `groups: ${answer.groups.length > 0 ? answer.groups.join(', ') : 'none'}`,
    '',
  ];
  const describePath = (path: Record<string, unknown>) =>
    [
      // `group developers write`, not `group group developers write`.
      path.via === 'group' ? '' : path.via,
      path.group ? `group ${String(path.group)}` : '',
      path.project ? `project ${String(path.project)}` : '',
      String(path.permission),
    ]
      .filter(Boolean)
      .join(' ');
  lines.push('PROJECT'.padEnd(16) + 'PERMISSION'.padEnd(13) + 'PATHS');
  for (const project of answer.projects) {
    lines.push(
      project.key.padEnd(16) + project.permission.padEnd(13) + project.paths.map(describePath).join('; '),
    );
  }
  lines.push('', 'REPOSITORY'.padEnd(28) + 'PERMISSION'.padEnd(13) + 'LAST ACTIVITY'.padEnd(26) + 'PATHS');
  for (const repository of answer.repositories) {
    lines.push(
      repository.slug.padEnd(28) +
        repository.permission.padEnd(13) +
        (repository.lastActivity ?? '-').padEnd(26) +
        repository.paths.map(describePath).join('; '),
    );
  }
  if (answer.coverage && !answer.coverage.complete) {
    lines.push('', ...gapLines(answer.workspace, answer.coverage.capabilityGaps));
    for (const unread of answer.coverage.unreadScopes ?? [])
      lines.push(`${answer.workspace}: not read: ${unread.scope}: ${unread.reason}`);
  }
  return lines.join('\n');
}

async function accessCommand(connector: LocalConnector, command: ParsedCommand): Promise<number> {
  const workspace = await chooseWorkspace(connector, command.values.workspace as string | undefined);
  const accountId = command.positionals[0] ?? '';
  const answer = await loadUserAccessAnswer(
    { store: connector.store, syncState: connector.stores.syncState },
    workspace.id,
    accountId,
    { includePublic: command.values['include-public'] === true },
  );
  if (!answer) {
    err(
      `no user ${accountId} in workspace ${workspace.slug} (run \`bbgov sync\` first if the picture is empty)`,
    );
    return 1;
  }
  out(command.values.json ? JSON.stringify(answer, null, 2) : formatUserAccess(answer));
  return 0;
}

/**
 * What is true of a credential kind's expiry, for `doctor` (Bitbucket reports none of them on the wire).
 * Source: API-NOTES "Credentials" (API tokens at most one year; OAuth access tokens live one hour).
 */
export function credentialExpiryNote(kind: Credential['auth']): string {
  switch (kind) {
    case 'api-token':
      return 'not reported by Bitbucket; Atlassian API tokens expire at most one year after creation (see the token in your Atlassian account)';
    case 'oauth-client-credentials':
      return 'access tokens live one hour and are fetched again as needed; the OAuth consumer itself does not expire';
    case 'access-token':
      return 'not reported by Bitbucket; see the expiry chosen when the token was created in the workspace, project or repository settings';
  }
}

/** Doctor's organization part: which workspaces the organization administers, what its key may do. */
async function organizationSection(
  connector: LocalConnector,
  probeWrite: boolean,
): Promise<OrganizationReport> {
  const hour = await openHourlyBudget(connector.organization.ledger, 'diagnostics', {
    hourlyLimit: connector.organization.hourlyRequestLimit,
    cap: 20,
  });
  try {
    const governed = (await connector.store.listWorkspaces()).map(({ slug, uuid }) => ({ slug, uuid }));
    return await probeOrganization(connector.organization, governed, { budget: hour.budget }, { probeWrite });
  } finally {
    await hour.close();
  }
}

/** One line per governed workspace: its administration as the last sync step found it. */
async function administrationLines(connector: LocalConnector): Promise<string[] | string> {
  const workspaces = await connector.store.listWorkspaces();
  if (workspaces.length === 0) return 'unknown until the first sync (bbgov sync)';
  const lines: string[] = [];
  for (const workspace of workspaces) {
    const [status, states] = await Promise.all([
      connector.stores.syncState.getStatus(workspace.uuid),
      connector.stores.syncState.listScopeStates(workspace.uuid),
    ]);
    const orgGroupsRefreshed = states.some((state) => state.scope === 'org-groups' && state.refreshedAt);
    lines.push(administrationLine(workspace.slug, status?.administration, orgGroupsRefreshed));
  }
  return lines;
}

/**
 * The sync's further identities (BITBUCKET_SYNC_IDENTITIES): who each acts as (`GET /2.0/user`, one
 * request from its own hour), by e-mail or client id, never a secret. Unhealthy when one is refused, cannot
 * be read, or acts as an account already read with (Bitbucket counts requests per account).
 */
async function syncIdentitiesSection(
  connector: LocalConnector,
  primaryIdentity: unknown,
): Promise<{ lines: string[]; healthy: boolean }> {
  let identities;
  try {
    identities = (await connector.sync.additionalIdentities?.()) ?? [];
  } catch (error) {
    return { lines: [`unreadable: ${(error as Error).message}`], healthy: false };
  }
  const lines: string[] = [];
  let healthy = true;
  const accounts = new Set<string>();
  const primary = typeof primaryIdentity === 'string' ? /\(([^)]+)\)$/.exec(primaryIdentity)?.[1] : undefined;
  if (primary) accounts.add(primary);
  for (const identity of identities) {
    const label = identity.label ?? identity.name;
    const hour = await openHourlyBudget(identity.ledger, 'diagnostics', {
      hourlyLimit: connector.config.bitbucket.hourlyRequestLimit,
      // `GET /2.0/user`, and an OAuth consumer's token request before it.
      cap: 2,
    });
    try {
      const user = await identity.client.getCurrentUser({ budget: hour.budget });
      const shared = accounts.has(user.account_id);
      accounts.add(user.account_id);
      if (shared) healthy = false;
      lines.push(
        `${label}: ${user.display_name} (${user.account_id})${shared ? ': the same account as another identity, so it adds no hour' : ''}`,
      );
    } catch (error) {
      healthy = false;
      lines.push(`${label}: unavailable: ${(error as Error).message}`);
    } finally {
      await hour.close();
    }
  }
  return { lines, healthy };
}

async function doctorCommand(connector: LocalConnector, command: ParsedCommand): Promise<number> {
  const config = connector.config;
  const credential = await connector.credentials.current();
  const report: Record<string, unknown> = {
    bitbucket: connector.simulator
      ? `bundled simulator at ${connector.simulator.url}`
      : config.bitbucket.apiUrl,
    credential: credential.auth,
    store: connector.localStore.embedded
      ? `embedded DynamoDB Local (${config.local.dataDir})`
      : connector.localStore.endpoint,
    table: config.store.tableName,
    syncHourlyBudget: config.sync.hourlyRequestBudget,
  };
  let healthy = true;
  // Doctor's requests are paid from the rolling hour like every other call (about 10).
  const hour = await openHourlyBudget(connector.stores.ledger, 'diagnostics', {
    hourlyLimit: config.bitbucket.hourlyRequestLimit,
    cap: 30,
  });
  const call = { budget: hour.budget };
  let identity: 'accepted' | 'refused' | 'unknown' = 'unknown';
  try {
    const user = await connector.client.getCurrentUser(call);
    report.identity = `${user.display_name} (${user.account_id})`;
    identity = 'accepted';
  } catch (error) {
    report.identity = `unavailable: ${(error as Error).message}`;
    if (error instanceof Unauthorized) identity = 'refused';
    if (credential.auth !== 'access-token') healthy = false;
  }
  try {
    const workspaces = await connector.client.listUserWorkspaces(call);
    report.workspaces = workspaces.map((entry) => ({
      slug: entry.workspace.slug,
      administrator: entry.administrator,
    }));
    // What the sync found it may not read (per scope, from the last steps): no request needed.
    const gaps: string[] = [];
    for (const entry of workspaces) {
      const states = await connector.stores.syncState.listScopeStates(normalizeUuid(entry.workspace.uuid));
      gaps.push(...gapLines(entry.workspace.slug, summariseGaps(states)));
    }
    report.capabilityGaps = gaps.length > 0 ? gaps : 'none found by the sync';
    const target =
      config.bitbucket.workspaces[0] ?? workspaces.find((entry) => entry.administrator)?.workspace.slug;
    if (target)
      report.capabilities = {
        workspace: target,
        ...(await connector.client.probeCapabilities(target, call)),
      };
  } catch (error) {
    report.workspaces = `unavailable: ${
      isRefusal(error)
        ? describeDiscoveryRefusal(error, identity, new Date().toISOString()).message
        : (error as Error).message
    }`;
    healthy = false;
  }
  await hour.close();
  const further = await syncIdentitiesSection(connector, report.identity);
  if (further.lines.length > 0) report.syncIdentities = further.lines;
  if (!further.healthy) healthy = false;
  report.tokenExpiry = credentialExpiryNote(credential.auth);
  const organization = await organizationSection(connector, command.values['probe-write'] === true);
  report.organization = organization;
  // A configured key the Admin API refuses, or that may not read groups, is a fault to fix.
  if (
    organization.configured &&
    (organization.administers === undefined || organization.readGroups?.ok === false)
  )
    healthy = false;
  report.administration = await administrationLines(connector);
  if (command.values.json) out(JSON.stringify(report, null, 2));
  else
    for (const [key, value] of Object.entries(report))
      out(
        `${key.padEnd(18)} ${typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value)}`,
      );
  return healthy ? 0 : 1;
}

export async function runCli(argv: string[]): Promise<number> {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`bbgov: ${error.message}\n${error.usage}`);
      return 2;
    }
    throw error;
  }
  if (command.name === 'help') {
    out(generalUsage());
    return 0;
  }
  if (command.help) {
    out(`usage: ${COMMANDS[command.name].usage}\n\n${COMMANDS[command.name].summary}`);
    return 0;
  }
  try {
    loadEnvFile('.env');
    if (command.name === 'simulator') {
      const port = portFlag(command.values.port, 'simulator', 4010);
      await runSimulatorCli(['--port', String(port), '--seed', String(command.values.seed ?? 'demo')]);
      return 0;
    }
    // A caller of the running API: its roles apply there, so no store is opened here.
    if (command.name === 'requests') return await runRequestsCommand(command);
    if (command.name === 'review') return await runReviewCommand(command);
    // A refused receiver URL is known without the store: say so before DynamoDB Local starts.
    if (command.name === 'webhooks') checkWebhooksArguments(command);
    const connector = await openConnector();
    // Once per command, on stderr so --json output stays data.
    if (connector.localStore.exposure) err(`warning: ${connector.localStore.exposure}`);
    try {
      switch (command.name) {
        case 'sync':
          return await syncCommand(connector, command);
        case 'access':
          return await accessCommand(connector, command);
        case 'doctor':
          return await doctorCommand(connector, command);
        default:
          return await localCommandHandlers[command.name](connector, command);
      }
    } finally {
      await connector.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`bbgov: ${error.message}\nusage: ${error.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    if (error instanceof JavaMissingError) {
      err(error.message);
      return 1;
    }
    err(`bbgov ${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
