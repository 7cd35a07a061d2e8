// How model items live in the table: the item's own fields, its keys and `observedAt`. Comparison for
// the scope diff looks only at the model fields, never at keys or bookkeeping.
import type { GovernanceItem } from '../model/index.js';
import { itemKey } from './keys.js';

export interface Observed<T = GovernanceItem> {
  item: T;
  /** When the item was read from Bitbucket (ISO 8601). */
  observedAt: string;
}

const BOOKKEEPING = new Set(['PK', 'SK', 'GSI1PK', 'GSI1SK', 'observedAt', 'expiresAt']);

export function toStoredRecord(
  ws: string,
  item: GovernanceItem,
  observedAt: string,
): Record<string, unknown> {
  return { ...item, ...itemKey(ws, item), observedAt };
}

export function fromStoredRecord(record: Record<string, unknown>): Observed {
  const item: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (!BOOKKEEPING.has(name)) item[name] = value;
  }
  return { item: item as unknown as GovernanceItem, observedAt: String(record.observedAt) };
}

/** JSON with sorted keys and undefined dropped: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
}

export function sameItem(a: GovernanceItem, b: GovernanceItem): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
