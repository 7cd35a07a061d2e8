// Access-request state changes as EventBridge events on the account's default bus, so teams can route them
// (chat, e-mail) with a rule on `source` and `detail-type`: `bitbucket-governance`, `Access request <status>`.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AccessRequestChange, AccessRequestEvents } from '../../lib/requests/access-requests.js';
import { once } from './once.js';

/** The `source` of every event the stack publishes (the functions' IAM policy allows no other). */
export const ACCESS_REQUEST_EVENT_SOURCE = 'bitbucket-governance';

/** The `detail-type` of a change: `Access request approved`, `Access request expired`, … */
export function accessRequestDetailType(status: AccessRequestChange['status']): string {
  return `Access request ${status}`;
}

/** Publishes each change with PutEvents; a rejected entry throws, so the domain logs it (and goes on). */
export class EventBridgeAccessRequestEvents implements AccessRequestEvents {
  constructor(private readonly client: EventBridgeClient = new EventBridgeClient({})) {}

  async publish(change: AccessRequestChange): Promise<void> {
    const answer = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: ACCESS_REQUEST_EVENT_SOURCE,
            DetailType: accessRequestDetailType(change.status),
            Detail: JSON.stringify(change),
          },
        ],
      }),
    );
    if ((answer.FailedEntryCount ?? 0) > 0) {
      const failed = answer.Entries?.find((entry) => entry.ErrorCode !== undefined);
      throw new Error(
        `EventBridge refused the ${change.status} event of access request ${change.id}: ` +
          `${failed?.ErrorCode ?? 'unknown error'}${failed?.ErrorMessage ? ` (${failed.ErrorMessage})` : ''}`,
      );
    }
  }
}

/** The publisher of the two functions that change access requests (the API and the expiry), built on first use. */
export const accessRequestEvents = once(() => new EventBridgeAccessRequestEvents(new EventBridgeClient({})));
