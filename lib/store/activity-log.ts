// Records who was last active on which repository (push, pull request, comment): one item per actor
// and repository, holding only the latest time. A conditional write keeps it monotonic, so an event
// delivered late or twice can never move the recorded time back.
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toActivityRecord } from './activity-records.js';
import { refuseFutureTime } from './observation-time.js';
import { withThrottlingRetry } from './throttling-retry.js';

/**
 * The kind of Bitbucket account that acted, as the webhook payload's `actor.type` says: a person
 * (`user`), an app or access-token account (`app_user`), or a team (the workspace itself, as older
 * pull-request and push events report it).
 */
export type ActorType = 'user' | 'app_user' | 'team';

export interface ActivityObservation {
  /**
   * Who acted: the Atlassian account_id of a `user` or `app_user`; a `team` has none, so its bare
   * lower-case uuid (it never collides with an account_id, and no member's access answer picks it up).
   */
  accountId: string;
  actorType: ActorType;
  /** Bare lower-case repository uuid. */
  repositoryId: string;
  /** ISO 8601 (UTC, as Date#toISOString writes it, so times compare as strings). */
  at: string;
  /** The event key that showed the activity, e.g. `repo:push`. */
  eventKey: string;
}

export class ActivityLog {
  constructor(
    private readonly options: { documentClient: DynamoDBDocumentClient; tableName: string; now?: () => Date },
  ) {}

  /**
   * Stores the observation if it is newer than what is recorded; false when an equal or newer one is.
   * @throws FutureObservationError when `observation.at` is later than now: it could never age.
   */
  async record(workspaceId: string, observation: ActivityObservation): Promise<boolean> {
    refuseFutureTime('activity time', observation.at, this.options.now?.() ?? new Date());
    const item = {
      ...toActivityRecord(workspaceId, {
        accountId: observation.accountId,
        repositoryId: observation.repositoryId,
        lastActivity: observation.at,
      }),
      actorType: observation.actorType,
      lastEventKey: observation.eventKey,
    };
    try {
      await withThrottlingRetry(() =>
        this.options.documentClient.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(PK) OR lastActivity < :at',
            ExpressionAttributeValues: { ':at': observation.at },
          }),
        ),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
