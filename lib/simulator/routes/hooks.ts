// Workspace webhook subscriptions: list, create, get, update, delete. The secret is never echoed.
import * as z from 'zod';
import { requireHookAdmin, requireScopes, workspaceParam } from '../access.js';
import { badRequest, HttpError } from '../http.js';
import { newUuid } from '../operations.js';
import { pageOf } from '../paging.js';
import type { RequestContext, Route } from '../router.js';
import { serializeHook } from '../serialize.js';
import type { HookState, WorkspaceState } from '../state.js';
import { refuseQuery } from './account.js';

export const WEBHOOK_EVENTS = [
  'repo:push',
  'repo:fork',
  'repo:updated',
  'repo:transfer',
  'repo:created',
  'repo:deleted',
  'repo:imported',
  'repo:commit_comment_created',
  'repo:commit_status_created',
  'repo:commit_status_updated',
  'project:updated',
  'pullrequest:created',
  'pullrequest:updated',
  'pullrequest:approved',
  'pullrequest:unapproved',
  'pullrequest:fulfilled',
  'pullrequest:rejected',
  'pullrequest:comment_created',
  'pullrequest:comment_updated',
  'pullrequest:comment_deleted',
  'pullrequest:comment_resolved',
  'pullrequest:comment_reopened',
  'pullrequest:changes_request_created',
  'pullrequest:changes_request_removed',
  'pullrequest:push',
] as const;

/** Longest hook secret Bitbucket accepts. */
export const MAX_SECRET_LENGTH = 128;

/**
 * The scopes a hook's events need besides the webhook scopes: a subscription may not receive what its
 * credential could not read. Pull-request events need read:pullrequest, repository events read:repository.
 */
export function eventScopes(events: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const event of events) {
    if (event.startsWith('pullrequest:')) scopes.add('read:pullrequest:bitbucket');
    else if (event.startsWith('repo:')) scopes.add('read:repository:bitbucket');
  }
  return [...scopes].sort();
}

const HookUpdate = z.object({
  url: z.url({ protocol: /^https?$/ }).optional(),
  description: z.string().optional(),
  active: z.boolean().optional(),
  // Bitbucket keeps at most 128 characters of secret and refuses longer ones.
  secret: z
    .string()
    .max(MAX_SECRET_LENGTH, `must be at most ${MAX_SECRET_LENGTH} characters`)
    .nullable()
    .optional(),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).optional(),
});
const HookCreate = HookUpdate.required({ url: true, events: true });

function parseHookBody<S extends typeof HookUpdate | typeof HookCreate>(
  schema: S,
  body: unknown,
): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as z.infer<S>;
}

function findHook(ctx: RequestContext, ws: WorkspaceState): HookState {
  const raw = (ctx.params.uid ?? '').toLowerCase();
  const hook = ws.hooks.get(raw.startsWith('{') ? raw : `{${raw}}`);
  if (!hook) throw new HttpError(404, `No webhook with id ${ctx.params.uid ?? ''}`);
  return hook;
}

function hookAdmin(ctx: RequestContext, ...scopes: string[]) {
  requireScopes(ctx, ...scopes);
  const ws = workspaceParam(ctx);
  requireHookAdmin(ctx, ws);
  return ws;
}

export const hookRoutes: Route[] = [
  {
    method: 'GET',
    template: '/2.0/workspaces/{workspace}/hooks',
    handle(ctx) {
      refuseQuery(ctx.query);
      const ws = hookAdmin(ctx, 'read:webhook:bitbucket');
      const page = pageOf(ctx, [...ws.hooks.values()], (h) => serializeHook(ctx.origin, ws, h));
      return { status: 200, body: page };
    },
  },
  {
    method: 'POST',
    template: '/2.0/workspaces/{workspace}/hooks',
    handle(ctx) {
      const ws = hookAdmin(ctx, 'read:webhook:bitbucket', 'write:webhook:bitbucket');
      const body = parseHookBody(HookCreate, ctx.body);
      requireScopes(ctx, 'read:webhook:bitbucket', 'write:webhook:bitbucket', ...eventScopes(body.events));
      const hook: HookState = {
        uuid: newUuid(),
        url: body.url,
        description: body.description ?? '',
        active: body.active ?? true,
        events: [...new Set(body.events)],
        createdAt: new Date(ctx.now()).toISOString(),
        ...(body.secret ? { secret: body.secret } : {}),
      };
      ws.hooks.set(hook.uuid.toLowerCase(), hook);
      ctx.state.touch();
      return { status: 201, body: serializeHook(ctx.origin, ws, hook) };
    },
  },
  {
    method: 'GET',
    template: '/2.0/workspaces/{workspace}/hooks/{uid}',
    handle(ctx) {
      const ws = hookAdmin(ctx, 'read:webhook:bitbucket');
      return { status: 200, body: serializeHook(ctx.origin, ws, findHook(ctx, ws)) };
    },
  },
  {
    method: 'PUT',
    template: '/2.0/workspaces/{workspace}/hooks/{uid}',
    handle(ctx) {
      const ws = hookAdmin(ctx, 'read:webhook:bitbucket', 'write:webhook:bitbucket');
      const hook = findHook(ctx, ws);
      const body = parseHookBody(HookUpdate, ctx.body);
      if (body.events !== undefined)
        requireScopes(ctx, 'read:webhook:bitbucket', 'write:webhook:bitbucket', ...eventScopes(body.events));
      if (body.url !== undefined) hook.url = body.url;
      if (body.description !== undefined) hook.description = body.description;
      if (body.active !== undefined) hook.active = body.active;
      if (body.events !== undefined) hook.events = [...new Set(body.events)];
      if (body.secret === null || body.secret === '') delete hook.secret;
      else if (body.secret !== undefined) hook.secret = body.secret;
      ctx.state.touch();
      return { status: 200, body: serializeHook(ctx.origin, ws, hook) };
    },
  },
  {
    method: 'DELETE',
    template: '/2.0/workspaces/{workspace}/hooks/{uid}',
    handle(ctx) {
      const ws = hookAdmin(ctx, 'delete:webhook:bitbucket');
      const hook = findHook(ctx, ws);
      ws.hooks.delete(hook.uuid.toLowerCase());
      ctx.state.touch();
      return { status: 204 };
    },
  },
];
