// `bbgov requests …`: access requests through the running API, as the caller whose bearer token is set, so
// the API's roles decide (a requester cannot approve their own request here either). Every argument is
// checked before the first HTTP call; a usage error names the flag and what it takes.
import { checkActionLine } from './cli-action-line.js';
import { terminalSafe } from './terminal-text.js';
import type { z } from 'zod';
import {
  AccessRequestBody,
  MAX_DURATION_MINUTES,
  type AccessRequestAnswer as AccessRequestAnswerSchema,
} from '../api/access-request-schemas.js';
import { ALL_PERMISSIONS } from '../api/provisioning-schemas.js';
import { checkIdentifier, InvalidIdentifierError, type IdentifierKind } from '../model/index.js';
import { ACCESS_REQUEST_STATUSES } from '../store/access-requests.js';
import { REQUEST_ACTION_USAGE, UsageError, type ParsedCommand, type RequestAction } from './cli-commands.js';
import { callLocalApiForCommand } from './local-api-client.js';

/** One API call a `bbgov requests` command line stands for. */
export interface RequestCall {
  action: RequestAction;
  method: 'GET' | 'POST';
  /** Path under the API's base URL, e.g. `/v1/access-requests/ar-…/approve` (ids URL-encoded). */
  path: string;
  body?: unknown;
  /** `--api` when given (else BBGOV_API_URL, else loopback on PORT). */
  api?: string;
  json: boolean;
}

/** An access request as the API answers it (the OpenAPI schema; `workspace` is the slug). */
export type AccessRequestAnswer = z.infer<typeof AccessRequestAnswerSchema>;

/** The flags each action takes; `api` and `json` go with all. */
const ACTION_FLAGS: Record<RequestAction, readonly string[]> = {
  create: ['workspace', 'resource', 'principal', 'permission', 'duration', 'reason'],
  list: ['workspace', 'status'],
  show: [],
  approve: ['comment'],
  deny: ['comment'],
  withdraw: [],
};
const REQUIRED_FLAGS: Partial<Record<RequestAction, readonly string[]>> = {
  create: ['workspace', 'resource', 'principal', 'permission', 'reason'],
  list: ['workspace'],
};
const TAKES_ID = new Set<RequestAction>(['show', 'approve', 'deny', 'withdraw']);

/** Request ids are `ar-<uuid>`; anything path-like (`..`, `/`) is refused before it reaches a URL. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

interface SelectorKind {
  /** The selector field the id goes to, and the Bitbucket rule it is held to. */
  field: string;
  kind: IdentifierKind;
  /** How usage writes it: `repository:SLUG`. */
  shape: string;
}
const RESOURCE_KINDS: Record<string, SelectorKind> = {
  repository: { field: 'slug', kind: 'repository slug', shape: 'repository:SLUG' },
  project: { field: 'key', kind: 'project key', shape: 'project:KEY' },
  group: { field: 'slug', kind: 'group slug', shape: 'group:SLUG' },
};
const PRINCIPAL_KINDS: Record<string, SelectorKind> = {
  user: { field: 'accountId', kind: 'account id', shape: 'user:ACCOUNT_ID' },
  group: { field: 'slug', kind: 'group slug', shape: 'group:SLUG' },
};

/**
 * `type:id` (split at the first `:`, so `user:557058:ada` keeps its account id whole) as the API's selector:
 * `{type, <field>: id}` with the field `kinds` names for the type (repository → slug, project → key, …).
 * @throws UsageError naming `flag`: no `:`, an unknown type, or an id that breaks Bitbucket's rule.
 */
function parseSelector(
  flag: string,
  text: string,
  kinds: Record<string, SelectorKind>,
  usage: string,
): Record<string, string> {
  const colon = text.indexOf(':');
  const type = colon > 0 ? text.slice(0, colon) : '';
  const spec = Object.hasOwn(kinds, type) ? kinds[type] : undefined;
  if (!spec)
    throw new UsageError(
      `--${flag}: expected ${Object.values(kinds)
        .map((entry) => entry.shape)
        .join(' or ')}, got "${text}"`,
      usage,
    );
  const id = text.slice(colon + 1);
  try {
    checkIdentifier(spec.kind, id);
  } catch (error) {
    if (error instanceof InvalidIdentifierError) throw new UsageError(`--${flag}: ${error.message}`, usage);
    throw error;
  }
  return { type, [spec.field]: id };
}

/** `--resource repository:SLUG|project:KEY|group:SLUG` as the API's resource selector. @throws UsageError */
export function parseResource(text: string, usage: string = REQUEST_ACTION_USAGE.create) {
  return parseSelector('resource', text, RESOURCE_KINDS, usage);
}

/** `--principal user:ACCOUNT_ID|group:SLUG` as the API's principal selector. @throws UsageError */
export function parsePrincipal(text: string, usage: string = REQUEST_ACTION_USAGE.create) {
  return parseSelector('principal', text, PRINCIPAL_KINDS, usage);
}

/** `--duration` as whole minutes, 1 … MAX_DURATION_MINUTES (30 days). @throws UsageError */
export function parseDuration(text: string, usage: string = REQUEST_ACTION_USAGE.create): number {
  const minutes = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > MAX_DURATION_MINUTES)
    throw new UsageError(
      `--duration: expected whole minutes from 1 to ${MAX_DURATION_MINUTES} (30 days), got "${text}"`,
      usage,
    );
  return minutes;
}

const FLAG_OF_FIELD: Record<string, string> = {
  resource: '--resource',
  principal: '--principal',
  permission: '--permission',
  durationMinutes: '--duration',
  reason: '--reason',
};

function createBody(values: ParsedCommand['values'], usage: string): unknown {
  const permission = values.permission as string;
  if (!(ALL_PERMISSIONS as readonly string[]).includes(permission))
    throw new UsageError(
      `--permission: expected one of ${ALL_PERMISSIONS.join(', ')}, got "${permission}"`,
      usage,
    );
  const body = {
    resource: parseResource(values.resource as string, usage),
    principal: parsePrincipal(values.principal as string, usage),
    permission,
    ...(values.duration !== undefined
      ? { durationMinutes: parseDuration(values.duration as string, usage) }
      : {}),
    reason: values.reason as string,
  };
  if (body.reason.trim() === '' || body.reason.length > 2000)
    throw new UsageError('--reason: expected a reason of 1 to 2000 characters', usage);
  // The API's own schema, so what it would refuse (a permission the resource does not take, an empty
  // reason) is said here, by flag, before anything is sent.
  const checked = AccessRequestBody.safeParse(body);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    throw new UsageError(`${FLAG_OF_FIELD[field] ?? field}: ${issue.message}`, usage);
  }
  return body;
}

/**
 * The API call a parsed `bbgov requests` command line stands for, with every argument checked.
 * @throws UsageError (exit code 2) naming what was wrong: a missing or unknown action, a flag the action
 *   does not take, a missing required flag, a missing or malformed ID, a bad `type:id`, permission,
 *   duration, status or workspace slug.
 */
export function planRequestCommand(command: ParsedCommand): RequestCall {
  const { action, id, values, usage } = checkActionLine(command, {
    command: 'requests',
    usage: REQUEST_ACTION_USAGE,
    flags: ACTION_FLAGS,
    required: REQUIRED_FLAGS,
    takesId: (name) => TAKES_ID.has(name),
    idName: 'request ID',
    idExample: 'ar-…',
    idPattern: REQUEST_ID,
  });
  const slug = values.workspace as string | undefined;
  if (slug !== undefined) {
    try {
      checkIdentifier('workspace slug', slug);
    } catch (error) {
      if (error instanceof InvalidIdentifierError)
        throw new UsageError(`--workspace: ${error.message}`, usage);
      throw error;
    }
  }
  const common = {
    action,
    json: values.json === true,
    ...(values.api !== undefined ? { api: values.api as string } : {}),
  };
  const byId = `/v1/access-requests/${encodeURIComponent(id ?? '')}`;
  const decision = values.comment !== undefined ? { comment: values.comment as string } : {};
  switch (action) {
    case 'create':
      return {
        ...common,
        method: 'POST',
        path: `/v1/workspaces/${slug}/access-requests`,
        body: createBody(values, usage),
      };
    case 'list': {
      const status = values.status as string | undefined;
      if (status !== undefined && !(ACCESS_REQUEST_STATUSES as readonly string[]).includes(status))
        throw new UsageError(
          `--status: expected one of ${ACCESS_REQUEST_STATUSES.join(', ')}, got "${status}"`,
          usage,
        );
      return {
        ...common,
        method: 'GET',
        path: `/v1/workspaces/${slug}/access-requests${status ? `?status=${status}` : ''}`,
      };
    }
    case 'show':
      return { ...common, method: 'GET', path: byId };
    case 'approve':
    case 'deny':
      return { ...common, method: 'POST', path: `${byId}/${action}`, body: decision };
    case 'withdraw':
      return { ...common, method: 'POST', path: `${byId}/withdraw` };
  }
}

const describeSelector = (selector: Record<string, string>) =>
  `${selector.type} ${selector.slug ?? selector.key ?? selector.accountId ?? selector.id ?? '?'}`;

/**
 * One line per request: id, status, `permission on <resource> for <principal>`, who asked, and the expiry
 * (`expires <ISO time>` when active and time-boxed, `expired …`, `lasts N min once approved` while
 * pending, `until revoked` without a duration, `no grant` when denied, withdrawn or failed).
 */
export function formatAccessRequest(request: AccessRequestAnswer): string {
  let expiry: string;
  if (request.status === 'expired') expiry = `expired ${request.expiredAt ?? request.expiresAt ?? ''}`.trim();
  else if (['denied', 'withdrawn', 'failed'].includes(request.status)) expiry = 'no grant';
  else if (request.expiresAt) expiry = `expires ${request.expiresAt}`;
  else if (request.status === 'active') expiry = request.alreadyHeld ? 'already held' : 'until revoked';
  else if (request.durationMinutes !== undefined)
    expiry = `lasts ${request.durationMinutes} min once approved`;
  else expiry = 'until revoked';
  return terminalSafe(
    [
      request.id,
      request.status.padEnd(9),
      `${request.permission} on ${describeSelector(request.resource)} for ${describeSelector(request.principal)}`,
      `requested by ${request.requestedBy}`,
      expiry,
    ].join('  '),
  );
}

/** `show`'s lines under the request's own: why it was asked, who decided, what went wrong. */
function detailLines(request: AccessRequestAnswer): string[] {
  const lines = [`  reason: ${request.reason}`, `  created: ${request.createdAt}`];
  if (request.decidedBy) lines.push(`  decided by ${request.decidedBy} at ${request.decidedAt ?? '?'}`);
  if (request.comment) lines.push(`  comment: ${request.comment}`);
  if (request.alreadyHeld) lines.push('  already held: nothing was granted, nothing will be revoked');
  if (request.provisioningRequestId) lines.push(`  grant: GET /v1/requests/${request.provisioningRequestId}`);
  if (request.failure) lines.push(`  failed: HTTP ${request.failure.status}: ${request.failure.message}`);
  if (request.expiry)
    lines.push(
      `  expiry: ${request.expiry.outcome}${request.expiry.detail ? ` (${request.expiry.detail})` : ''}`,
    );
  return lines.map(terminalSafe);
}

/** Where the command writes: stdout lines and stderr lines. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

const processOutput: CommandOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs `bbgov requests …`: checks the arguments, calls the API, prints the answer (`--json`: the API's JSON
 * as answered; otherwise formatAccessRequest lines). Returns the exit code: 0 done, 1 the API refused or
 * could not be reached (its status and message, or the URL, on stderr), 2 a bad setting (URL, PORT, token).
 * @throws UsageError (exit code 2) from planRequestCommand, before any request is sent.
 */
export async function runRequestsCommand(
  command: ParsedCommand,
  env: NodeJS.ProcessEnv = process.env,
  output: CommandOutput = processOutput,
): Promise<number> {
  const call = planRequestCommand(command);
  const name = `bbgov requests ${call.action}`;
  const result = await callLocalApiForCommand(name, call, env, (line) => output.err(line));
  if ('exitCode' in result) return result.exitCode;
  const { answer } = result;
  if (call.json) {
    output.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  if (call.action === 'list') {
    const { workspace, accessRequests } = answer as {
      workspace: string;
      accessRequests: AccessRequestAnswer[];
    };
    const status = command.values.status as string | undefined;
    if (accessRequests.length === 0)
      output.out(`no access requests in ${workspace}${status ? ` with status ${status}` : ''}`);
    for (const request of accessRequests) output.out(formatAccessRequest(request));
    return 0;
  }
  const request = answer as AccessRequestAnswer;
  output.out(formatAccessRequest(request));
  if (call.action === 'show') for (const line of detailLines(request)) output.out(line);
  return 0;
}
