// GET and POST …/sync: where the rolling sync stands (pass progress, freshness, holds, errors) and the two
// things a person may do about it: release a deletion hold, mark scopes for the next step.
import { Conflict, jsonAnswer, NotFound, ValidationError, type HttpAnswer } from '../errors/index.js';
import { scopeId } from '../model/index.js';
import type { WorkspaceEntry } from '../store/index.js';
import type { ScopeState, WorkspaceSyncStatus } from '../store/sync-state.js';
import { freshnessByKind, scopeApisOf, storedScopes, summariseGaps } from '../sync/index.js';
import { clockOf, requireWorkspace, type ApiDependencies } from './api-dependencies.js';
import { parseJsonBody, parseQuery, type ApiRequest } from './api-request.js';
import { NoQuery, SyncActionBody } from './read-schemas.js';

/** The workspace's scopes: with `org-groups` when the sync reads its organization groups. */
async function knownScopeIds(
  dependencies: ApiDependencies,
  workspace: WorkspaceEntry,
  status?: WorkspaceSyncStatus,
) {
  const known = status ?? (await dependencies.syncState.getStatus(workspace.uuid));
  return storedScopes(dependencies.store, workspace.uuid, scopeApisOf(known?.administration));
}

export async function handleSyncStatus(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  parseQuery(request, NoQuery);
  const [status, states] = await Promise.all([
    dependencies.syncState.getStatus(workspace.uuid),
    dependencies.syncState.listScopeStates(workspace.uuid),
  ]);
  const scopes = await knownScopeIds(dependencies, workspace, status);
  const byScope = new Map<string, ScopeState>(states.map((state) => [state.scope, state]));
  const passStartedAt = status?.passStartedAt ?? null;
  const refreshedScopes =
    passStartedAt === null
      ? 0
      : scopes.filter((scope) => (byScope.get(scopeId(scope))?.refreshedAt ?? '') >= passStartedAt).length;
  return jsonAnswer(200, {
    workspace: workspace.slug,
    workspaceId: workspace.uuid,
    administration: status?.administration ?? null,
    pass: {
      startedAt: passStartedAt,
      refreshedScopes,
      totalScopes: scopes.length,
      requests: status?.passRequests ?? 0,
      adminApiRequests: status?.passAdminApiRequests ?? 0,
    },
    lastCompletedPass: status?.lastCompletedPass ?? null,
    capabilityGaps: summariseGaps(states),
    freshnessSeconds: freshnessByKind(scopes, byScope, clockOf(dependencies)().getTime()),
    holds: states
      .filter((state) => state.hold !== undefined)
      .map((state) => ({
        scope: state.scope,
        ...state.hold!,
        released: state.holdReleased === true,
        ...(state.holdRelease ? { release: state.holdRelease } : {}),
      })),
    dirtyScopes: states.filter((state) => state.dirty === true).map((state) => state.scope),
    lastError: status?.lastError ?? null,
    scopeErrors: states
      .filter((state) => state.lastError !== undefined)
      .map((state) => ({ scope: state.scope, ...state.lastError! })),
    resumeAfter: status?.resumeAfter ?? null,
  });
}

export async function handleSyncAction(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const body = parseJsonBody(request, SyncActionBody);
  if ('releaseHold' in body) {
    const outcome = await dependencies.syncState.releaseHold(workspace.uuid, body.releaseHold, {
      by: request.actor,
      at: clockOf(dependencies)().toISOString(),
      ...(body.removals !== undefined ? { seenRemovals: body.removals } : {}),
    });
    if ('refused' in outcome && outcome.refused === 'not-held') {
      throw new NotFound(`no deletion hold on scope ${body.releaseHold}`, { field: 'releaseHold' });
    }
    if ('refused' in outcome) {
      throw new Conflict(
        `the hold on ${body.releaseHold} changed since it was read: read the sync status again and release what it shows`,
        { field: 'removals', reason: 'hold-changed' },
      );
    }
    return jsonAnswer(202, {
      workspace: workspace.slug,
      released: body.releaseHold,
      release: outcome.released,
    });
  }
  const known = new Set((await knownScopeIds(dependencies, workspace)).map(scopeId));
  body.markDirty.forEach((scope, index) => {
    if (!known.has(scope)) {
      throw new ValidationError(
        `markDirty[${index}]: ${scope} is not a scope of workspace ${workspace.slug}`,
        {
          field: `markDirty[${index}]`,
        },
      );
    }
  });
  const scopes = [...new Set(body.markDirty)];
  // An operator asking for a re-read also means "try it again" for a scope the credential was refused.
  await dependencies.syncState.markDirty(
    workspace.uuid,
    scopes,
    `marked through the API by ${request.actor}`,
    { retryRefused: true },
  );
  return jsonAnswer(202, { workspace: workspace.slug, markedDirty: scopes });
}
