// `fields=` partial responses: `-a.b` removes, plain `a.b` whitelists, `+a.b` adds (we send all anyway).
type Json = unknown;

const ENVELOPE_KEYS = new Set(['values', 'pagelen', 'size', 'page', 'next', 'previous']);

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function remove(value: Json, path: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) remove(item, path);
    return;
  }
  if (!isRecord(value)) return;
  const [head, ...rest] = path;
  if (head === undefined) return;
  const keys = head === '*' ? Object.keys(value) : [head];
  for (const key of keys) {
    if (rest.length === 0) delete value[key];
    else remove(value[key], rest);
  }
}

function pick(value: Json, paths: string[][]): Json {
  if (paths.some((p) => p.length === 0)) return value;
  if (Array.isArray(value)) return value.map((item) => pick(item, paths));
  if (!isRecord(value)) return value;
  const out: Record<string, Json> = {};
  const byHead = new Map<string, string[][]>();
  for (const [head, ...rest] of paths) {
    if (head === undefined) continue;
    const keys = head === '*' ? Object.keys(value) : [head];
    for (const key of keys) byHead.set(key, [...(byHead.get(key) ?? []), rest]);
  }
  for (const [key, rest] of byHead) if (key in value) out[key] = pick(value[key], rest);
  return out;
}

/** Applies a `fields` parameter to a response body (mutates a copy only; bodies are built per request). */
export function applyFields(body: Json, fields: string | null): Json {
  if (fields === null || fields.trim() === '') return body;
  const isEnvelope = isRecord(body) && Array.isArray(body.values);
  const includes: string[][] = [];
  for (const raw of fields.split(',')) {
    const field = raw.trim();
    if (field === '' || field.startsWith('+')) continue;
    if (field.startsWith('-')) {
      const path = field.slice(1).split('.');
      // On a paged envelope `-links` means the links of each value.
      if (isEnvelope && !ENVELOPE_KEYS.has(path[0] ?? ''))
        remove((body as Record<string, Json>).values, path);
      else remove(body, path);
    } else includes.push(field.split('.'));
  }
  return includes.length === 0 ? body : pick(body, includes);
}
