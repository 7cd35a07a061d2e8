// The change log: one record per applied change (DESIGN §3), read by "what changed since the last
// review".
import type { GovernanceItem } from '../model/index.js';
import type { AccessRequestRecord } from './access-requests.js';
import { changeRecordKey } from './keys.js';

/**
 * Why a change was recorded: the picture moved (`sync`, `webhook`, `provisioning`), or an access request
 * was made or decided, or ended (`access-request`: the grant it led to has its own `provisioning` record).
 */
export type ChangeCause = 'sync' | 'webhook' | 'provisioning' | 'access-request';

/** An access request as one of its change records holds it: the record without its workspace id. */
export type AccessRequestSnapshot = { kind: 'access-request' } & Omit<AccessRequestRecord, 'workspaceId'>;

/** What a change record's `before` and `after` hold: a resource or grant, or an access request. */
export type ChangeSubject = GovernanceItem | AccessRequestSnapshot;

export interface ChangeOrigin {
  cause: ChangeCause;
  /**
   * Who caused it: the sync, a webhook delivery, the caller of a provisioning call or of an access
   * request's step (IAM principal, or local token principal), or `grant-expiry`.
   */
  actor: string;
}

/** One change record; `S` narrows what before/after hold (the picture's writes hold GovernanceItems). */
export interface ChangeRecord<S extends ChangeSubject = ChangeSubject> extends ChangeOrigin {
  /** When the change was applied (ISO 8601); first part of the sort key. */
  at: string;
  id: string;
  workspaceId: string;
  /** Scope id owning the item (`members`, `project-grants/{id}`…), null for the workspace resource. */
  scope: string | null;
  /** Identity of the item (`grant/project/{id}/user/{account}`…, `access-request/{id}`). */
  item: string;
  observedAt: string;
  before: S | null;
  after: S | null;
}

export function toChangeRecordItem(record: ChangeRecord): Record<string, unknown> {
  return { ...changeRecordKey(record.workspaceId, record.at, record.id), ...record };
}

export function fromChangeRecordItem(stored: Record<string, unknown>): ChangeRecord {
  const { PK: _pk, SK: _sk, ...record } = stored;
  return record as unknown as ChangeRecord;
}
