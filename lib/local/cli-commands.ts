// The bbgov command table: each command's usage line, summary and flags, in one place. The parser
// rejects unknown flags and bad values with the usage line; `--help` prints it.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  usage: string;
  summary: string;
  options: Options;
  /** Positional arguments: how many are required and allowed. */
  positionals: { min: number; max: number };
}

const json = { json: { type: 'boolean' } } as const;
const workspace = { workspace: { type: 'string' } } as const;

/**
 * `bbgov requests` actions and each one's usage line. They call the running API over HTTP as the caller
 * whose token is in BBGOV_API_TOKEN (else LOCAL_API_TOKEN), so that caller's roles apply.
 */
export const REQUEST_ACTION_USAGE = {
  create:
    'bbgov requests create --workspace SLUG --resource repository:SLUG|project:KEY|group:SLUG --principal user:ACCOUNT_ID|group:SLUG --permission P [--duration MINUTES] --reason TEXT [--api URL] [--json]',
  list: 'bbgov requests list --workspace SLUG [--status S] [--api URL] [--json]',
  show: 'bbgov requests show ID [--api URL] [--json]',
  approve: 'bbgov requests approve ID [--comment TEXT] [--api URL] [--json]',
  deny: 'bbgov requests deny ID [--comment TEXT] [--api URL] [--json]',
  withdraw: 'bbgov requests withdraw ID [--api URL] [--json]',
} as const;
export type RequestAction = keyof typeof REQUEST_ACTION_USAGE;

/**
 * `bbgov review` actions (access-review campaigns) and each one's usage line: through the running API as
 * the caller whose token is set, like `bbgov requests`. Lists are comma-separated.
 */
export const REVIEW_ACTION_USAGE = {
  list: 'bbgov review list --workspace SLUG [--api URL] [--json]',
  create:
    'bbgov review create --workspace SLUG --name TEXT --due ISO_TIME [--projects KEY,…] [--repositories SLUG,…] [--groups SLUG,…] [--reviewers project:KEY=PRINCIPAL,repository:SLUG=PRINCIPAL,…] [--api URL] [--json]',
  show: 'bbgov review show ID [--api URL] [--json]',
  items:
    'bbgov review items ID [--reviewer PRINCIPAL] [--decision keep|revoke|undecided] [--api URL] [--json]',
  decide:
    'bbgov review decide ID --items ITEM_ID,… --decision keep|revoke [--comment TEXT] [--api URL] [--json]',
  close: 'bbgov review close ID [--dry-run] [--api URL] [--json]',
  report: 'bbgov review report ID [--format csv|json|manifest] [--out FILE] [--api URL]',
} as const;
export type ReviewAction = keyof typeof REVIEW_ACTION_USAGE;

export const COMMANDS = {
  simulator: {
    usage:
      'bbgov simulator [--port N] [--seed demo|generated:users=U,groups=G,projects=P,repos=R[,seed=S]|FILE.json]',
    summary: 'run the bundled Bitbucket Cloud simulator on 127.0.0.1',
    options: { port: { type: 'string' }, seed: { type: 'string' } },
    positionals: { min: 0, max: 0 },
  },
  sync: {
    usage: 'bbgov sync [--workspace SLUG] [--until-complete] [--json]',
    summary: 'run one sync step (or steps until the pass completes) for each governed workspace',
    options: { ...workspace, 'until-complete': { type: 'boolean' }, ...json },
    positionals: { min: 0, max: 0 },
  },
  serve: {
    usage: 'bbgov serve [--port N]',
    summary: 'serve the API and the webhook route on 127.0.0.1, with a sync step every 5 minutes',
    options: { port: { type: 'string' } },
    positionals: { min: 0, max: 0 },
  },
  access: {
    usage: 'bbgov access ACCOUNT_ID [--workspace SLUG] [--include-public] [--json]',
    summary: "a user's effective access, with every path that grants it",
    options: { ...workspace, 'include-public': { type: 'boolean' }, ...json },
    positionals: { min: 1, max: 1 },
  },
  export: {
    usage: 'bbgov export [--workspace SLUG] [--format csv|json|group-csv|group-json] [--out FILE]',
    summary:
      'write the access-review export (one row per user and resource; group-*: one per group grant) and its manifest',
    options: { ...workspace, format: { type: 'string' }, out: { type: 'string' } },
    positionals: { min: 0, max: 0 },
  },
  doctor: {
    usage: 'bbgov doctor [--json] [--probe-write]',
    summary:
      'check configuration, credential, capabilities and reachable workspaces (--probe-write: also test the organization key can change memberships, with one harmless removal)',
    options: { ...json, 'probe-write': { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
  },
  webhooks: {
    usage: 'bbgov webhooks install --url URL [--workspace SLUG] [--allow-insecure]',
    summary:
      'register (or update) the workspace webhook and store its secret where the receiver reads it (--url must be https; --allow-insecure accepts http for a loopback host only: 127.0.0.0/8, ::1, localhost)',
    options: { url: { type: 'string' }, ...workspace, 'allow-insecure': { type: 'boolean' } },
    positionals: { min: 1, max: 1 },
  },
  requests: {
    usage: Object.values(REQUEST_ACTION_USAGE).join('\n       '),
    summary:
      'create, list, show, approve, deny or withdraw access requests through the running API (`npm start` or `bbgov serve`) as the caller whose token is in BBGOV_API_TOKEN (else LOCAL_API_TOKEN); --api URL, else BBGOV_API_URL, else http://127.0.0.1:PORT',
    options: {
      ...workspace,
      resource: { type: 'string' },
      principal: { type: 'string' },
      permission: { type: 'string' },
      duration: { type: 'string' },
      reason: { type: 'string' },
      status: { type: 'string' },
      comment: { type: 'string' },
      api: { type: 'string' },
      ...json,
    },
    // The action, then the request id for show, approve, deny and withdraw: checked per action.
    positionals: { min: 0, max: 2 },
  },
  review: {
    usage: Object.values(REVIEW_ACTION_USAGE).join('\n       '),
    summary:
      'list and create access-review campaigns, show progress and items, decide, close and fetch the report through the running API as the caller whose token is in BBGOV_API_TOKEN (else LOCAL_API_TOKEN); --api URL as for requests',
    options: {
      ...workspace,
      name: { type: 'string' },
      due: { type: 'string' },
      projects: { type: 'string' },
      repositories: { type: 'string' },
      groups: { type: 'string' },
      reviewers: { type: 'string' },
      reviewer: { type: 'string' },
      decision: { type: 'string' },
      items: { type: 'string' },
      comment: { type: 'string' },
      'dry-run': { type: 'boolean' },
      format: { type: 'string' },
      out: { type: 'string' },
      api: { type: 'string' },
      ...json,
    },
    // The action, then the campaign id for all but list and create: checked per action.
    positionals: { min: 0, max: 2 },
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export interface ParsedCommand {
  name: CommandName;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
}

export function generalUsage(): string {
  const lines = Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(10)} ${spec.summary}`);
  return [
    'usage: bbgov <command> [flags]   (bbgov <command> --help for its flags)',
    '',
    'commands:',
    ...lines,
  ].join('\n');
}

export function parseCommandLine(argv: string[]): ParsedCommand | { name: 'help' } {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return { name: 'help' };
  if (!(name in COMMANDS)) throw new UsageError(`unknown command "${name}"`, generalUsage());
  const spec: CommandSpec = COMMANDS[name as CommandName];
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments', `usage: ${spec.usage}`);
  }
  const help = parsed.values.help === true;
  if (
    !help &&
    (parsed.positionals.length < spec.positionals.min || parsed.positionals.length > spec.positionals.max)
  ) {
    throw new UsageError(
      parsed.positionals.length < spec.positionals.min
        ? 'missing argument'
        : `unexpected argument "${parsed.positionals[spec.positionals.max]}"`,
      `usage: ${spec.usage}`,
    );
  }
  return { name: name as CommandName, values: parsed.values, positionals: parsed.positionals, help };
}

/** A `--port` value as a port number, or a UsageError naming the flag. */
export function portFlag(
  value: string | boolean | undefined,
  command: CommandName,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      `--port: expected a port number 0..65535, got "${String(value)}"`,
      COMMANDS[command].usage,
    );
  }
  return port;
}
