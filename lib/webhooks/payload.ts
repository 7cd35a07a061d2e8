// Reads what we need from a Bitbucket webhook payload (documented shapes: actor, repository, project,
// changes, push, pullrequest) into the compact queue message. Unknown fields are ignored; a payload
// without the parts its event key implies is rejected with the missing field named.
import { z } from 'zod';
import type { WebhookEventMessage } from './event-message.js';

const Actor = z.looseObject({ account_id: z.string().min(1), display_name: z.string().optional() });

const Repository = z.looseObject({
  uuid: z.string().min(1),
  full_name: z.string().min(1),
  name: z.string().optional(),
  slug: z.string().optional(),
  is_private: z.boolean().optional(),
  project: z.looseObject({ uuid: z.string().min(1), key: z.string().min(1) }).optional(),
});

const Project = z.looseObject({
  uuid: z.string().min(1),
  key: z.string().min(1),
  name: z.string().optional(),
});

const Payload = z.looseObject({
  actor: Actor.optional(),
  repository: Repository.optional(),
  project: Project.optional(),
  changes: z.record(z.string(), z.looseObject({ old: z.unknown(), new: z.unknown() })).optional(),
  pullrequest: z.looseObject({ updated_on: z.iso.datetime({ offset: true }).optional() }).optional(),
  push: z
    .looseObject({
      changes: z
        .array(
          z.looseObject({
            new: z
              .looseObject({
                target: z.looseObject({ date: z.iso.datetime({ offset: true }).optional() }).optional(),
              })
              .nullable()
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** Event keys whose payload must name a repository. */
function needsRepository(eventKey: string): boolean {
  return eventKey.startsWith('repo:') || eventKey.startsWith('pullrequest:');
}

function toIso(value: string | undefined): string | undefined {
  return value === undefined ? undefined : new Date(value).toISOString();
}

export function describePayload(
  json: unknown,
  delivery: {
    eventKey: string;
    workspace: string;
    deliveryId: string;
    hookUuid?: string;
    receivedAt: string;
  },
): WebhookEventMessage {
  const parsed = Payload.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError(`payload ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const payload = parsed.data;
  if (needsRepository(delivery.eventKey) && !payload.repository) {
    throw new PayloadError(`payload repository: required for ${delivery.eventKey}`);
  }
  if (delivery.eventKey.startsWith('project:') && !payload.project) {
    throw new PayloadError(`payload project: required for ${delivery.eventKey}`);
  }
  const repository = payload.repository;
  const occurredAt = toIso(payload.pullrequest?.updated_on ?? payload.push?.changes?.[0]?.new?.target?.date);
  return {
    ...delivery,
    ...(occurredAt ? { occurredAt } : {}),
    ...(payload.actor
      ? {
          actor: {
            accountId: payload.actor.account_id,
            ...(payload.actor.display_name ? { displayName: payload.actor.display_name } : {}),
          },
        }
      : {}),
    ...(repository
      ? {
          repository: {
            uuid: repository.uuid,
            // Webhook repositories always carry full_name ("workspace/slug"); slug is not always present.
            slug: repository.slug ?? repository.full_name.split('/').pop() ?? repository.full_name,
            fullName: repository.full_name,
            ...(repository.name ? { name: repository.name } : {}),
            ...(repository.is_private !== undefined ? { isPrivate: repository.is_private } : {}),
            ...(repository.project
              ? { project: { uuid: repository.project.uuid, key: repository.project.key } }
              : {}),
          },
        }
      : {}),
    ...(payload.project
      ? {
          project: {
            uuid: payload.project.uuid,
            key: payload.project.key,
            ...(payload.project.name ? { name: payload.project.name } : {}),
          },
        }
      : {}),
    ...(payload.changes ? { changes: payload.changes } : {}),
  };
}
