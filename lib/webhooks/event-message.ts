// The compact message the receiver puts on the queue: only what the applier needs, never the payload.
import { z } from 'zod';

const Account = z.object({ accountId: z.string().min(1), displayName: z.string().optional() });

const RepositoryRef = z.object({
  uuid: z.string().min(1),
  slug: z.string().min(1),
  name: z.string().optional(),
  fullName: z.string().optional(),
  isPrivate: z.boolean().optional(),
  project: z.object({ uuid: z.string().min(1), key: z.string().min(1) }).optional(),
});

const ProjectRef = z.object({ uuid: z.string().min(1), key: z.string().min(1), name: z.string().optional() });

export const WebhookEventMessage = z.object({
  eventKey: z.string().min(1),
  workspace: z.string().min(1),
  /** X-Request-UUID: one per delivery, the same across Bitbucket's retries. */
  deliveryId: z.string().min(1),
  hookUuid: z.string().optional(),
  receivedAt: z.iso.datetime(),
  /** When Bitbucket says the event happened (e.g. the push or PR update time), if it says. */
  occurredAt: z.iso.datetime().optional(),
  actor: Account.optional(),
  repository: RepositoryRef.optional(),
  project: ProjectRef.optional(),
  /** repo:updated renames: old and new slug/name/full name. */
  changes: z.record(z.string(), z.object({ old: z.unknown(), new: z.unknown() })).optional(),
});
export type WebhookEventMessage = z.infer<typeof WebhookEventMessage>;
