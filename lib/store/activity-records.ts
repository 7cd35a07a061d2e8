// Shape of an activity item (`ACT#{repoId}#{accountId}`, see keys.ts). The activity recorder (a later
// issue) writes with toActivityRecord; the access-facts loader reads with fromActivityRecord.
import type { ActivityFact } from '../access/index.js';
import { activityKey } from './keys.js';

export function toActivityRecord(ws: string, fact: ActivityFact): Record<string, unknown> {
  return { ...activityKey(ws, fact.accountId, fact.repositoryId), kind: 'activity', ...fact };
}

export function fromActivityRecord(record: Record<string, unknown>): ActivityFact | null {
  const { accountId, repositoryId, lastActivity } = record;
  if (typeof accountId !== 'string' || typeof repositoryId !== 'string' || typeof lastActivity !== 'string') {
    return null;
  }
  return { accountId, repositoryId, lastActivity };
}
