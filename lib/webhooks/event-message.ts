// The compact message the receiver puts on the queue: only what the applier needs, never the payload.
// Every part past the delivery's own headers is optional: a payload missing something is still queued,
// and the applier degrades to what can be done with the rest (a refresh, a dirty mark, a skip).
import * as z from 'zod';

/**
 * Who acted, as the payload's `actor` names it. Bitbucket sends `user` and `app_user` objects with an
 * Atlassian `account_id`; `team` objects (pull-request events around 2020) and older user objects carry
 * only a `uuid` (with braces) and a display name. Messages queued before `type` was kept hold an
 * `accountId` alone: a user.
 */
const Actor = z.object({
  /** Bitbucket's object type: `user`, `app_user`, `team` (another value is kept, and not recorded). */
  type: z.string().min(1).optional(),
  accountId: z.string().min(1).optional(),
  /** Bitbucket's uuid of the account or team, as sent (braces included). */
  uuid: z.string().min(1).optional(),
  displayName: z.string().optional(),
});
export type EventActor = z.infer<typeof Actor>;

const RepositoryRef = z.object({
  uuid: z.string().min(1),
  /** Absent when the payload names the repository by uuid only. */
  slug: z.string().min(1).optional(),
  name: z.string().optional(),
  /** `{workspace slug}/{repository slug}` as the payload says it. */
  fullName: z.string().optional(),
  isPrivate: z.boolean().optional(),
  /** `repository.project`: some payloads carry the key without the uuid. */
  project: z.object({ uuid: z.string().min(1).optional(), key: z.string().min(1).optional() }).optional(),
  /** `repository.workspace`, the owner by uuid (slugs can be renamed by the workspace's admins). */
  workspace: z.object({ uuid: z.string().min(1).optional(), slug: z.string().min(1).optional() }).optional(),
});

/** A project event's project; absent when the payload's has no uuid or key (the listing is re-read). */
const ProjectRef = z.object({
  uuid: z.string().min(1),
  key: z.string().min(1),
  name: z.string().optional(),
});

export const WebhookEventMessage = z.object({
  eventKey: z.string().min(1),
  /** The workspace slug of the hook's path (`/webhooks/bitbucket/{workspace}`). */
  workspace: z.string().min(1),
  /** X-Request-UUID: one per delivery, the same across Bitbucket's retries. */
  deliveryId: z.string().min(1),
  hookUuid: z.string().optional(),
  /** When the receiver took the delivery (ISO 8601, UTC). */
  receivedAt: z.iso.datetime(),
  /**
   * When Bitbucket says the event happened (a pull request's `updated_on`, an approval's or a comment's
   * date), never later than `receivedAt`. Absent for pushes: their commit dates are the authors'.
   */
  occurredAt: z.iso.datetime().optional(),
  /**
   * The payload's own time when it was later than `receivedAt` (a clock ahead of ours, or a forged date):
   * `occurredAt` was clamped to the receive time. Counted in the WebhookTimeClamped metric.
   */
  clampedFrom: z.iso.datetime().optional(),
  /**
   * Accepted without a signature (the workspace is listed in WEBHOOK_ALLOW_UNSIGNED and has no secret):
   * nothing in it is believed; it only marks scopes dirty.
   */
  unsigned: z.literal(true).optional(),
  actor: Actor.optional(),
  repository: RepositoryRef.optional(),
  project: ProjectRef.optional(),
  /** repo:updated renames: old and new slug/name/full name. */
  changes: z.record(z.string(), z.object({ old: z.unknown(), new: z.unknown() })).optional(),
});
export type WebhookEventMessage = z.infer<typeof WebhookEventMessage>;
