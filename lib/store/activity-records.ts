// Shape of an activity item (`ACT#{repoId}#{accountId}`, see keys.ts). The activity recorder
// (activity-log.ts) writes with toActivityRecord and adds `actorType` (`user | app_user | team`; absent on
// items written before it was kept: a user) and `lastEventKey`; the access-facts loader reads with
// fromActivityRecord, which keeps what an access answer needs.
import type { ActivityFact } from '../access/index.js';
import { activityKey } from './keys.js';

/** The stored item of one activity fact, keyed by workspace, repository and account. */
export function toActivityRecord(ws: string, fact: ActivityFact): Record<string, unknown> {
  return { ...activityKey(ws, fact.accountId, fact.repositoryId), kind: 'activity', ...fact };
}

/** The activity fact of a stored item, or null when the item is not one. */
export function fromActivityRecord(record: Record<string, unknown>): ActivityFact | null {
  const { accountId, repositoryId, lastActivity } = record;
  if (typeof accountId !== 'string' || typeof repositoryId !== 'string' || typeof lastActivity !== 'string') {
    return null;
  }
  return { accountId, repositoryId, lastActivity };
}
