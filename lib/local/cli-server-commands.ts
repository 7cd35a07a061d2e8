// bbgov commands that run the API's own code paths locally: `serve`, `export`, `webhooks install`.
import { writeFile } from 'node:fs/promises';
import { routeApiRequest } from '../api/index.js';
import { withHourlyBudget } from '../budget/index.js';
import { SecretsManagerWebhookSecretStore } from '../config/webhook-secret-writer.js';
import { assertReceiverUrl, installWebhook, InsecureWebhookUrl } from '../webhooks/install.js';
import { FileWebhookSecretStore, localWebhookSecretsPath } from '../webhooks/secret-file.js';
import { COMMANDS, portFlag, UsageError, type CommandName, type ParsedCommand } from './cli-commands.js';
import { chooseWorkspace } from './workspace-choice.js';
import { localApiDependencies, type LocalConnector } from './connector.js';
import { randomLocalApiToken } from './local-api-token.js';
import { listeningLines, startLocalServices } from './local-services.js';

type CommandHandler = (connector: LocalConnector, command: ParsedCommand) => Promise<number>;

const out = (line = '') => process.stdout.write(`${line}\n`);

async function serve(connector: LocalConnector, command: ParsedCommand): Promise<number> {
  const port = portFlag(command.values.port, 'serve', connector.config.local.port);
  const apiToken = connector.config.local.apiToken ?? randomLocalApiToken();
  const services = await startLocalServices(connector, { port, apiToken });
  for (const line of listeningLines(services.url)) out(line);
  out(`local API token: ${apiToken}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await services.close();
  return 0;
}

async function exportCommand(connector: LocalConnector, command: ParsedCommand): Promise<number> {
  const format = (command.values.format as string | undefined) ?? 'csv';
  if (!['csv', 'json', 'group-csv', 'group-json'].includes(format)) {
    throw new UsageError(
      `--format: expected csv, json, group-csv or group-json, got "${format}"`,
      COMMANDS.export.usage,
    );
  }
  const workspace = await chooseWorkspace(connector, command.values.workspace as string | undefined);
  // The same handler as GET /v1/workspaces/{ws}/export, told to answer inline whatever the size.
  const { answer } = await routeApiRequest(
    {
      routeKey: 'GET /v1/workspaces/{workspace}/export',
      pathParameters: { workspace: workspace.slug },
      query: { format },
      headers: {},
      body: undefined,
      actor: 'local',
    },
    { ...localApiDependencies(connector), exportInlineLimitBytes: Number.POSITIVE_INFINITY },
  );
  const body = JSON.parse(answer.body) as {
    manifest?: unknown;
    csv?: string;
    rows?: unknown;
    groupRows?: unknown;
    error?: { message: string };
  };
  if (answer.statusCode !== 200 || !body.manifest)
    throw new Error(body.error?.message ?? `export answered ${answer.statusCode}`);
  const content = format.endsWith('csv')
    ? (body.csv ?? '')
    : `${JSON.stringify(format === 'json' ? body.rows : body.groupRows, null, 2)}\n`;
  const outFile = command.values.out as string | undefined;
  if (outFile) {
    // An export lists who can reach what: readable by its owner alone.
    await writeFile(outFile, content, { mode: 0o600 });
    await writeFile(`${outFile}.manifest.json`, `${JSON.stringify(body.manifest, null, 2)}\n`, {
      mode: 0o600,
    });
    out(`wrote ${outFile} and ${outFile}.manifest.json`);
  } else {
    process.stdout.write(content);
    process.stderr.write(`${JSON.stringify(body.manifest)}\n`);
  }
  return 0;
}

/**
 * The `webhooks` arguments, checked before anything starts: the action, and a receiver URL that is https
 * (or loopback http with --allow-insecure). Returns the URL.
 * @throws UsageError (exit code 2) naming the flag and what to change.
 */
export function checkWebhooksArguments(command: ParsedCommand): string {
  if (command.positionals[0] !== 'install') {
    throw new UsageError(`unknown webhooks action "${command.positionals[0]}"`, COMMANDS.webhooks.usage);
  }
  const url = (command.values.url as string | undefined) ?? '';
  try {
    assertReceiverUrl(url, { allowInsecure: command.values['allow-insecure'] === true });
  } catch (error) {
    if (!(error instanceof InsecureWebhookUrl)) throw error;
    throw new UsageError(`--url: ${error.message}`, COMMANDS.webhooks.usage);
  }
  return url;
}

async function webhooksCommand(connector: LocalConnector, command: ParsedCommand): Promise<number> {
  const url = checkWebhooksArguments(command);
  const workspace = await chooseWorkspace(connector, command.values.workspace as string | undefined);
  const secrets = connector.config.webhooks.secrets;
  const secretStore =
    secrets.from === 'secrets-manager'
      ? new SecretsManagerWebhookSecretStore(secrets.secretArn)
      : new FileWebhookSecretStore(localWebhookSecretsPath(connector.config.local.dataDir));
  const installed = await withHourlyBudget(
    connector.stores.ledger,
    'hook-install',
    { hourlyLimit: connector.config.bitbucket.hourlyRequestLimit, cap: 10 },
    ({ budget }) =>
      installWebhook({
        client: connector.client,
        workspaceSlug: workspace.slug,
        url,
        secretStore,
        allowInsecure: command.values['allow-insecure'] === true,
        call: { budget },
      }),
  );
  out(`${installed.action} webhook ${installed.hookUuid} on ${workspace.slug} → ${installed.url}`);
  out(`events: ${installed.events.join(', ')}`);
  out(
    secrets.from === 'secrets-manager'
      ? `secret stored in ${secrets.secretArn}`
      : `secret stored in ${localWebhookSecretsPath(connector.config.local.dataDir)}`,
  );
  return 0;
}

export const localCommandHandlers: Record<
  Exclude<CommandName, 'simulator' | 'sync' | 'access' | 'doctor' | 'requests' | 'review'>,
  CommandHandler
> = {
  serve,
  export: exportCommand,
  webhooks: webhooksCommand,
};
