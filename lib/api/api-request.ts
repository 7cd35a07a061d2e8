// The request as the API handlers see it: no Lambda types (functions/api.ts converts the API Gateway
// event). Parsing helpers turn zod issues into a 400 that names the field or parameter.
import type { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { WorkspaceEntry } from '../store/index.js';

export interface ApiRequest {
  /** `METHOD /path/{param}` exactly as in infra/routes.ts. */
  routeKey: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string | undefined;
  /** The caller: IAM principal ARN in AWS, the principal its bearer token names locally. */
  actor: string;
  /** The `{workspace}` the router resolved (slug or uuid → one identity) and checked the caller's role on. */
  workspace?: WorkspaceEntry;
}

function fieldOf(path: readonly PropertyKey[], prefix: string): string {
  const joined = path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index > 0 ? '.' : ''}${String(part)}`))
    .join('');
  return prefix && joined ? `${prefix}.${joined}` : prefix || joined;
}

function validationError(issues: z.core.$ZodIssue[], where: string, prefix = ''): ValidationError {
  const first = issues[0];
  const field = first ? fieldOf(first.path, prefix) : prefix;
  const problems = issues.map((issue) => ({ field: fieldOf(issue.path, prefix), message: issue.message }));
  let message = first?.message ?? 'invalid';
  if (first?.code === 'unrecognized_keys') {
    const keys = (first as { keys?: string[] }).keys ?? [];
    return new ValidationError(
      `${where}: unknown ${keys.length > 1 ? 'fields' : 'field'} ${keys.join(', ')}`,
      {
        field: fieldOf([...first.path, keys[0] ?? ''], prefix),
        problems,
      },
    );
  }
  if (first?.code === 'invalid_type' && first.message.includes('received undefined')) message = 'required';
  return new ValidationError(`${where}: ${field || 'value'}: ${message}`, { field, problems });
}

/**
 * The JSON body, validated. Malformed JSON is a 400 that says where parsing failed. With `optional`, an
 * empty body is validated as `{}`.
 */
export function parseJsonBody<S extends z.ZodType>(
  request: ApiRequest,
  schema: S,
  options: { optional?: boolean } = {},
): z.output<S> {
  if (request.body === undefined || request.body.trim() === '') {
    if (options.optional) return parseJsonBody({ ...request, body: '{}' }, schema);
    throw new ValidationError('the request needs a JSON body', { field: 'body' });
  }
  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch (error) {
    throw new ValidationError(`the body is not valid JSON: ${(error as Error).message}`, { field: 'body' });
  }
  const result = schema.safeParse(json);
  if (!result.success) throw validationError(result.error.issues, 'body');
  return result.data;
}

/** Query parameters, validated; unknown parameters are refused by name. */
export function parseQuery<S extends z.ZodType>(request: ApiRequest, schema: S): z.output<S> {
  const result = schema.safeParse(request.query);
  if (!result.success) {
    const first = result.error.issues[0];
    if (first?.code === 'unrecognized_keys') {
      const keys = (first as { keys?: string[] }).keys ?? [];
      throw new ValidationError(`unknown query parameter ${keys.join(', ')}`, { parameter: keys[0] });
    }
    const parameter = String(first?.path[0] ?? '');
    const message = request.query[parameter] === undefined ? 'required' : (first?.message ?? 'invalid');
    throw new ValidationError(`query parameter ${parameter}: ${message}`, { parameter, field: parameter });
  }
  return result.data;
}

export function pathParameter(request: ApiRequest, name: string): string {
  const value = request.pathParameters[name];
  if (value === undefined || value === '') {
    throw new ValidationError(`path parameter ${name} is missing`, { parameter: name });
  }
  return value;
}
