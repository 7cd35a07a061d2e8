// Checks a decoded answer against its schema and, when it does not fit, says where: endpoint and field.
import type { z } from 'zod';
import { ResponseShapeError, type BitbucketErrorDetails } from './errors.js';

/** `["values", 3, "uuid"]` → `values[3].uuid`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(body)';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  data: unknown,
  details: BitbucketErrorDetails & { endpoint: string },
): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  if (!first) throw new ResponseShapeError(details, '(body)', 'does not match the expected shape');
  // zod's messages name the expected type, never the value received, so nothing secret leaks here.
  const problem = first.message.replace(/^Invalid (input|option): /, '');
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
  throw new ResponseShapeError(details, fieldPath(first.path), `${problem}${more}`);
}
