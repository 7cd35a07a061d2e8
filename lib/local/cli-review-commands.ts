// `bbgov review …`: access-review campaigns through the running API, as the caller whose bearer token is
// set, so the API's roles decide (only the assigned reviewer or an administrator decides an item). Every
// argument is checked before the first HTTP call; a usage error names the flag and what it takes.
import { checkActionLine } from './cli-action-line.js';
import { terminalSafe } from './terminal-text.js';
import { writeFile } from 'node:fs/promises';
import { CreateReviewBody, REVIEW_DECISION_FILTERS } from '../api/review-schemas.js';
import { checkIdentifier, InvalidIdentifierError } from '../model/index.js';
import { REVIEW_ACTION_USAGE, UsageError, type ParsedCommand, type ReviewAction } from './cli-commands.js';
import type { CommandOutput } from './cli-request-commands.js';
import { callLocalApiForCommand } from './local-api-client.js';

/** One API call a `bbgov review` command line stands for. */
export interface ReviewCall {
  action: ReviewAction;
  method: 'GET' | 'POST';
  /** Path under the API's base URL, e.g. `/v1/reviews/rv-…/decisions` (ids URL-encoded). */
  path: string;
  body?: unknown;
  api?: string;
  json: boolean;
  /** `report --out FILE`: where the report's bytes go. */
  out?: string;
}

const ACTION_FLAGS: Record<ReviewAction, readonly string[]> = {
  list: ['workspace'],
  create: ['workspace', 'name', 'due', 'projects', 'repositories', 'groups', 'reviewers'],
  show: [],
  items: ['reviewer', 'decision'],
  decide: ['items', 'decision', 'comment'],
  close: ['dry-run'],
  report: ['format', 'out'],
};
const REQUIRED_FLAGS: Partial<Record<ReviewAction, readonly string[]>> = {
  list: ['workspace'],
  create: ['workspace', 'name', 'due'],
  decide: ['items', 'decision'],
};
/** The actions that name a workspace rather than a campaign. */
const WORKSPACE_ACTIONS: readonly ReviewAction[] = ['list', 'create'];
/** Campaign ids are `rv-<uuid>`; anything path-like (`..`, `/`) is refused before it reaches a URL. */
const REVIEW_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

const listOf = (text: string | undefined) =>
  text === undefined
    ? undefined
    : text
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');

/** `--reviewers project:KEY=PRINCIPAL,repository:SLUG=PRINCIPAL,…` as the API's reviewer rules. */
export function parseReviewers(text: string, usage: string = REVIEW_ACTION_USAGE.create) {
  const rules: { projects?: Record<string, string[]>; repositories?: Record<string, string[]> } = {};
  for (const entry of listOf(text) ?? []) {
    const match = /^(project|repository):([^=]+)=(.+)$/.exec(entry);
    if (!match)
      throw new UsageError(
        `--reviewers: expected project:KEY=PRINCIPAL or repository:SLUG=PRINCIPAL, got "${entry}"`,
        usage,
      );
    const kind = match[1] === 'project' ? 'projects' : 'repositories';
    const table = (rules[kind] ??= {});
    (table[match[2]!] ??= []).push(match[3]!);
  }
  return rules;
}

function createBody(values: ParsedCommand['values'], usage: string): unknown {
  const scope = {
    ...(values.projects !== undefined ? { projects: listOf(values.projects as string) } : {}),
    ...(values.repositories !== undefined ? { repositories: listOf(values.repositories as string) } : {}),
    ...(values.groups !== undefined ? { groups: listOf(values.groups as string) } : {}),
  };
  const body = {
    name: values.name as string,
    dueAt: values.due as string,
    ...(Object.keys(scope).length > 0 ? { scope } : {}),
    ...(values.reviewers !== undefined
      ? { reviewers: parseReviewers(values.reviewers as string, usage) }
      : {}),
  };
  // The API's own schema, so what it would refuse is said here, by flag, before anything is sent.
  const checked = CreateReviewBody.safeParse(body);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    const flag = { dueAt: 'due', scope: String(issue.path[1] ?? 'projects') }[field] ?? field;
    throw new UsageError(`--${flag}: ${issue.message}`, usage);
  }
  return body;
}

function oneOf(flag: string, value: unknown, allowed: readonly string[], usage: string): string | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as string))
    throw new UsageError(`--${flag}: expected one of ${allowed.join(', ')}, got "${String(value)}"`, usage);
  return value as string;
}

/**
 * The API call a parsed `bbgov review` command line stands for, with every argument checked.
 * @throws UsageError (exit code 2): a missing or unknown action, a flag the action does not take, a
 *   missing required flag, a missing or malformed ID, a bad workspace slug, decision, format or list.
 */
export function planReviewCommand(command: ParsedCommand): ReviewCall {
  const { action, id, values, usage } = checkActionLine(command, {
    command: 'review',
    usage: REVIEW_ACTION_USAGE,
    flags: ACTION_FLAGS,
    required: REQUIRED_FLAGS,
    takesId: (name) => !WORKSPACE_ACTIONS.includes(name),
    idName: 'review ID',
    idExample: 'rv-…',
    idPattern: REVIEW_ID,
  });
  const common = {
    action,
    json: values.json === true,
    ...(values.api !== undefined ? { api: values.api as string } : {}),
  };
  const byId = `/v1/reviews/${encodeURIComponent(id ?? '')}`;
  const workspaceSlug = () => {
    const slug = values.workspace as string;
    try {
      checkIdentifier('workspace slug', slug);
    } catch (error) {
      if (error instanceof InvalidIdentifierError)
        throw new UsageError(`--workspace: ${error.message}`, usage);
      throw error;
    }
    return slug;
  };
  switch (action) {
    case 'list':
      return { ...common, method: 'GET', path: `/v1/workspaces/${workspaceSlug()}/reviews` };
    case 'create':
      return {
        ...common,
        method: 'POST',
        path: `/v1/workspaces/${workspaceSlug()}/reviews`,
        body: createBody(values, usage),
      };
    case 'show':
      return { ...common, method: 'GET', path: byId };
    case 'items': {
      const decision = oneOf('decision', values.decision, REVIEW_DECISION_FILTERS, usage);
      const query = new URLSearchParams({
        ...(values.reviewer !== undefined ? { reviewer: values.reviewer as string } : {}),
        ...(decision !== undefined ? { decision } : {}),
      }).toString();
      return { ...common, method: 'GET', path: `${byId}/items${query ? `?${query}` : ''}` };
    }
    case 'decide': {
      const decision = oneOf('decision', values.decision, ['keep', 'revoke'], usage)!;
      const items = listOf(values.items as string) ?? [];
      if (items.length === 0) throw new UsageError('--items: expected at least one item ID', usage);
      const comment = values.comment !== undefined ? { comment: values.comment as string } : {};
      return {
        ...common,
        method: 'POST',
        path: `${byId}/decisions`,
        body: items.map((itemId) => ({ itemId, decision, ...comment })),
      };
    }
    case 'close':
      return {
        ...common,
        method: 'POST',
        path: `${byId}/close`,
        body: values['dry-run'] ? { dryRun: true } : {},
      };
    case 'report': {
      const format = oneOf('format', values.format, ['csv', 'json', 'manifest'], usage) ?? 'json';
      return {
        ...common,
        method: 'GET',
        path: `${byId}/report?format=${format}`,
        ...(values.out !== undefined ? { out: values.out as string } : {}),
      };
    }
  }
}

interface ItemLine {
  itemId: string;
  displayName: string;
  permission: string;
  resource: { type: string; name: string };
  flags: string[];
  reviewer: string | null;
  decision?: { decision: string; decidedBy: string };
  outcome?: { status: string };
}

/** One line per item: decision (or `-`), who, what, reviewer, flags, then the item id to decide with. */
export function formatReviewItem(item: ItemLine): string {
  // Display names and resource names come from Bitbucket and seeds: printed as text, never as escapes.
  return terminalSafe(
    [
      (item.outcome?.status ?? item.decision?.decision ?? '-').padEnd(6),
      `${item.displayName}: ${item.permission} on ${item.resource.type} ${item.resource.name}`,
      `reviewer ${item.reviewer ?? '(administrators)'}`,
      item.flags.length > 0 ? `[${item.flags.join(', ')}]` : '',
      item.itemId,
    ]
      .filter((part) => part !== '')
      .join('  '),
  );
}

interface CampaignLine {
  id: string;
  name: string;
  workspace: string;
  status: string;
  dueAt: string;
  itemCount: number;
  progress?: {
    decided: number;
    total: number;
    /** Absent in a list of campaigns (only the totals). */
    byReviewer?: { reviewer: string | null; decided: number; total: number }[];
  };
}

/** The campaign's line, and its progress per reviewer when answered. */
export function formatReviewCampaign(campaign: CampaignLine): string[] {
  const decided = campaign.progress
    ? `${campaign.progress.decided}/${campaign.progress.total} decided`
    : `${campaign.itemCount} items`;
  const lines = [
    `${campaign.id}  ${campaign.status.padEnd(7)}  ${campaign.name} (${campaign.workspace}), due ${campaign.dueAt}, ${decided}`,
  ];
  for (const entry of campaign.progress?.byReviewer ?? [])
    lines.push(`  ${entry.reviewer ?? '(administrators)'}: ${entry.decided}/${entry.total}`);
  return lines.map(terminalSafe);
}

const processOutput: CommandOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs `bbgov review …`: checks the arguments, calls the API, prints the answer (`--json`: the API's JSON;
 * otherwise readable lines; `report`: the report as answered, or into `--out FILE`). Returns the exit
 * code: 0 done, 1 the API refused or could not be reached, 2 a bad setting (URL, PORT, token).
 * @throws UsageError (exit code 2) from planReviewCommand, before any request is sent.
 */
export async function runReviewCommand(
  command: ParsedCommand,
  env: NodeJS.ProcessEnv = process.env,
  output: CommandOutput = processOutput,
): Promise<number> {
  const call = planReviewCommand(command);
  const name = `bbgov review ${call.action}`;
  const result = await callLocalApiForCommand(name, call, env, (line) => output.err(line));
  if ('exitCode' in result) return result.exitCode;
  const { answer } = result;
  if (call.action === 'report') {
    const text = typeof answer === 'string' ? answer : JSON.stringify(answer, null, 2);
    if (call.out !== undefined) await writeFile(call.out, text);
    else output.out(text);
    return 0;
  }
  if (call.json) {
    output.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  if (call.action === 'items' || call.action === 'decide') {
    const { items } = answer as { items: ItemLine[] };
    if (items.length === 0) output.out('no items');
    for (const item of items) output.out(formatReviewItem(item));
    return 0;
  }
  if (call.action === 'list') {
    const { reviews, cursor } = answer as { reviews: CampaignLine[]; cursor?: string };
    if (reviews.length === 0) output.out('no campaigns');
    for (const campaign of reviews) output.out(formatReviewCampaign(campaign)[0]!);
    // The API answers the newest 50; older ones stay reachable through the API's cursor.
    if (cursor !== undefined) output.out(`older campaigns: GET ${call.path}?cursor=${cursor}`);
    return 0;
  }
  for (const line of formatReviewCampaign(answer as CampaignLine)) output.out(line);
  return 0;
}
