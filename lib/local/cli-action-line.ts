// The shape `bbgov requests …` and `bbgov review …` share: `<command> <action> [ID] --flags`, each action
// with its own flags, required flags and usage line, and an ID of a known form for the actions that take
// one. Checked here once, before any request is sent.
import { UsageError, type ParsedCommand } from './cli-commands.js';

/** One command's actions: usage lines, flags each takes, flags each requires, which take an ID and its form. */
export interface ActionLineSpec<A extends string> {
  /** `requests`, `review`: as the user types it. */
  command: string;
  usage: Record<A, string>;
  flags: Record<A, readonly string[]>;
  required: Partial<Record<A, readonly string[]>>;
  takesId: (action: A) => boolean;
  /** `request ID (ar-…)`, and the pattern an ID must match. */
  idName: string;
  idExample: string;
  idPattern: RegExp;
}

/** Flags every action takes: where the API is, JSON output, help. */
const COMMON_FLAGS = new Set(['api', 'json', 'help']);

/**
 * The action, its ID (when it takes one), its flag values and its usage line.
 * @throws UsageError (exit code 2) naming what was wrong: a missing or unknown action, a flag the action
 *   does not take, a missing required flag, a missing, malformed or extra ID.
 */
export function checkActionLine<A extends string>(
  command: ParsedCommand,
  spec: ActionLineSpec<A>,
): { action: A; id: string | undefined; values: ParsedCommand['values']; usage: string } {
  const actions = Object.keys(spec.usage) as A[];
  const [actionName, id, extra] = command.positionals;
  if (actionName === undefined || !(actions as string[]).includes(actionName))
    throw new UsageError(
      actionName === undefined
        ? `missing action: one of ${actions.join(', ')}`
        : `unknown ${spec.command} action "${actionName}": one of ${actions.join(', ')}`,
      Object.values<string>(spec.usage).join('\n       '),
    );
  const action = actionName as A;
  const usage = spec.usage[action];
  const values = command.values;
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined || COMMON_FLAGS.has(flag)) continue;
    if (!spec.flags[action].includes(flag))
      throw new UsageError(`--${flag} is not a flag of "${spec.command} ${action}"`, usage);
  }
  for (const flag of spec.required[action] ?? [])
    if (values[flag] === undefined) throw new UsageError(`missing --${flag}`, usage);
  if (spec.takesId(action)) {
    if (id === undefined) throw new UsageError(`missing the ${spec.idName} (${spec.idExample})`, usage);
    if (!spec.idPattern.test(id)) throw new UsageError(`not a ${spec.idName}: "${id}"`, usage);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, usage);
  } else if (id !== undefined) throw new UsageError(`unexpected argument "${id}"`, usage);
  return { action, id, values, usage };
}
