// `npm start`: the whole connector on one machine. Embedded DynamoDB, real Bitbucket when credentials are
// configured (environment or .env) or the bundled simulator otherwise, a sync until the pass completes with
// a progress bar, a summary, then the API and webhook route on 127.0.0.1. Ctrl-C stops everything.
import './local-process-defaults.js';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';
import { loadSeed, SeedError } from '../simulator/index.js';
import { runUntilPassComplete, resolveGovernedWorkspaces, WorkspaceDiscoveryRefused } from '../sync/index.js';
import { openConnector, type LocalConnector } from './connector.js';
import { JavaMissingError } from './embedded-dynamodb.js';
import { loadEnvFile } from './env-file.js';
import { randomLocalApiToken } from './local-api-token.js';
import { listeningLines, startLocalServices, type LocalServices } from './local-services.js';
import { progressPrinter } from './progress.js';
import { administrationLine, formatSummary, gapLines, summarizeWorkspace } from './workspace-summary.js';

const say = (line = '') => process.stdout.write(`${line}\n`);

function exampleCalls(
  url: string,
  token: string,
  workspace: string,
  accountId: string | undefined,
): string[] {
  const auth = `-H "Authorization: Bearer ${token}"`;
  return [
    `  curl -s ${auth} ${url}/v1/workspaces/${workspace}/sync`,
    `  curl -s ${auth} ${url}/v1/workspaces/${workspace}/users/${encodeURIComponent(accountId ?? 'ACCOUNT_ID')}/access`,
    `  curl -s ${auth} "${url}/v1/workspaces/${workspace}/export?format=csv"`,
  ];
}

/** Fails now, before a pass spends Bitbucket requests, when the API's port is taken. */
async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError([`PORT: 127.0.0.1:${port} is already in use (set PORT to a free port)`])
          : error,
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

const USAGE = 'usage: npm start [-- [--fresh] [--seed demo|generated:…|FILE.json]]';

async function main(argv: string[]): Promise<number> {
  let options: { fresh: boolean; seed: string | undefined };
  try {
    const { values } = parseArgs({
      args: argv,
      options: { fresh: { type: 'boolean' }, seed: { type: 'string' } },
      strict: true,
    });
    options = { fresh: values.fresh === true, seed: values.seed };
  } catch (error) {
    process.stderr.write(`npm start: ${(error as Error).message.split('\n')[0]}\n${USAGE}\n`);
    return 2;
  }
  loadEnvFile('.env');
  const config = loadConfig();
  if (options.seed !== undefined) {
    if (config.bitbucket.credentials.from !== 'none') {
      process.stderr.write(
        'npm start: --seed applies to the bundled simulator only; unset the BITBUCKET_* credential to use it\n',
      );
      return 2;
    }
    try {
      loadSeed(options.seed);
    } catch (error) {
      if (!(error instanceof SeedError)) throw error;
      process.stderr.write(`npm start: --seed: ${error.message}\n${USAGE}\n`);
      return 2;
    }
  }
  await assertPortFree(config.local.port);
  const usingSimulator = config.bitbucket.credentials.from === 'none';
  say(
    usingSimulator
      ? `No Bitbucket credentials configured: using the bundled Bitbucket simulator with ${options.seed ? `the seed ${options.seed}` : 'its demo workspace'} (set BITBUCKET_EMAIL + BITBUCKET_API_TOKEN to use your own).`
      : `Using Bitbucket at ${config.bitbucket.apiUrl} with the ${config.bitbucket.credentials.from === 'environment' ? config.bitbucket.credentials.credential.auth : 'configured'} credential.`,
  );

  let connector: LocalConnector | undefined;
  let services: LocalServices | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await services?.close();
    await connector?.close();
  };
  const onSignal = () => {
    say('\nstopping…');
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    connector = await openConnector({
      fresh: options.fresh,
      ...(options.seed === undefined ? {} : { simulatorSeed: options.seed }),
    });
    services = await syncThenServe(connector, config);
  } catch (error) {
    await stop();
    throw error;
  }
  return new Promise<number>(() => undefined);
}

async function syncThenServe(connector: LocalConnector, config: AppConfig): Promise<LocalServices> {
  if (connector.simulator) say(`simulator listening on ${connector.simulator.url}`);
  say(
    `store: ${connector.localStore.embedded ? `embedded DynamoDB Local, data in ${config.local.dataDir}/dynamodb` : connector.localStore.endpoint}`,
  );
  // Once, beside the store line: the engine cannot be bound to loopback (embedded-dynamodb.ts).
  if (connector.localStore.exposure) process.stderr.write(`warning: ${connector.localStore.exposure}\n`);

  const governed = await resolveGovernedWorkspaces(connector.sync, config.bitbucket.workspaces);
  for (const skipped of governed.skipped) say(`skipped ${skipped.slug}: ${skipped.reason}`);
  if (governed.workspaces.length === 0)
    throw new Error('no workspace can be governed with this credential (see `npx bbgov doctor`)');

  let firstUser: string | undefined;
  for (const workspace of governed.workspaces) {
    const progress = progressPrinter(process.stdout);
    const result = await runUntilPassComplete(connector.sync, workspace, { onProgress: progress.update });
    progress.done();
    for (const line of gapLines(workspace.slug, result.capabilityGaps)) say(line);
    if (!result.completed) {
      say(
        `${workspace.slug}: pass not complete: ${result.stoppedBecause}${result.resumeAfter ? `; resume after ${result.resumeAfter}` : ''}. The API serves what is stored so far, and the timer's steps go on.`,
      );
    }
    say(
      formatSummary(
        workspace.slug,
        await summarizeWorkspace(connector.store, connector.localStore, workspace.id),
      ),
    );
    const administration = (await connector.stores.syncState.getStatus(workspace.id))?.administration;
    if (administration?.mode === 'organization') {
      const states = await connector.stores.syncState.listScopeStates(workspace.id);
      const refreshed = states.some((state) => state.scope === 'org-groups' && state.refreshedAt);
      say(administrationLine(workspace.slug, administration, refreshed));
    }
    firstUser ??= (await connector.store.listResources(workspace.id, 'user'))[0]?.item.id;
  }

  const apiToken = config.local.apiToken ?? randomLocalApiToken();
  const services = await startLocalServices(connector, { port: config.local.port, apiToken });
  for (const line of listeningLines(services.url)) say(line);
  say(
    `local API token: ${apiToken}${config.local.apiToken ? ' (from LOCAL_API_TOKEN)' : ' (random; set LOCAL_API_TOKEN to fix it)'}`,
  );
  say('try:');
  for (const line of exampleCalls(services.url, apiToken, governed.workspaces[0]!.slug, firstUser)) say(line);
  say('Ctrl-C stops everything.');
  return services;
}

/** What went wrong, in a line; the stack only for a programming error, where it is what a bug report needs. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Already says what to fix (the credential, or the scope it lacks) with Bitbucket's words.
  if (error instanceof WorkspaceDiscoveryRefused) return error.message;
  const programming =
    error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError;
  return programming
    ? (error.stack ?? error.message)
    : `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Configuration problems are the user's to fix: the problem lines alone, exit code 2.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof JavaMissingError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`npm start failed: ${describeFailure(error)}\n`);
    process.exit(1);
  },
);
