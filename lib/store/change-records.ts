// The change log: one record per applied change (DESIGN §3), read by "what changed since the last
// review".
import type { GovernanceItem } from '../model/index.js';
import { changeRecordKey } from './keys.js';

export type ChangeCause = 'sync' | 'webhook' | 'provisioning';

export interface ChangeOrigin {
  cause: ChangeCause;
  /** Who caused it: the sync, a webhook delivery, or the IAM principal of a provisioning call. */
  actor: string;
}

export interface ChangeRecord extends ChangeOrigin {
  /** When the change was applied (ISO 8601); first part of the sort key. */
  at: string;
  id: string;
  workspaceId: string;
  /** Scope id owning the item (`members`, `project-grants/{id}`…), null for the workspace resource. */
  scope: string | null;
  /** Identity of the item (`grant/project/{id}/user/{account}`…). */
  item: string;
  observedAt: string;
  before: GovernanceItem | null;
  after: GovernanceItem | null;
}

export function toChangeRecordItem(record: ChangeRecord): Record<string, unknown> {
  return { ...changeRecordKey(record.workspaceId, record.at, record.id), ...record };
}

export function fromChangeRecordItem(stored: Record<string, unknown>): ChangeRecord {
  const { PK: _pk, SK: _sk, ...record } = stored;
  return record as unknown as ChangeRecord;
}
