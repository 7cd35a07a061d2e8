// What the review campaign stores share: the table's bookkeeping attributes taken off what they answer,
// the check that an id can name a campaign, and an update whose failed condition means "no".
import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { withThrottlingRetry } from './throttling-retry.js';

const BOOKKEEPING = ['PK', 'SK', 'GSI1PK', 'GSI1SK'];

/** A stored item without the table's key attributes. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const record: Record<string, unknown> = { ...item };
  for (const name of BOOKKEEPING) delete record[name];
  return record as T;
}

/** Ids are ours (`rv-…`); anything with '#' or empty cannot name a campaign. */
export function wellFormed(id: string): boolean {
  return id !== '' && !id.includes('#') && !/[\uD800-\uDFFF\uFFFF]/.test(id);
}

/** Sends `command`: true when written, false when its condition failed. */
export async function conditionalUpdate(
  db: DynamoDBDocumentClient,
  command: UpdateCommand,
): Promise<boolean> {
  try {
    await withThrottlingRetry(() => db.send(command));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
