// The read routes: workspaces, a user's effective access, who can reach a resource, the change log.
import { effectiveResourceAccess, effectiveUserAccess, ResourceNotInFactsError } from '../access/index.js';
import { jsonAnswer, NotFound, ValidationError, type HttpAnswer } from '../errors/index.js';
import { isUuid, normalizeUuid } from '../model/index.js';
import { InvalidCursorError, type WorkspaceEntry } from '../store/index.js';
import { coverageOf, type Coverage } from '../sync/index.js';
import { requireWorkspace, type ApiDependencies } from './api-dependencies.js';
import { parseQuery, pathParameter, type ApiRequest } from './api-request.js';
import { ChangesQuery, NoQuery, ResourceAccessQuery, UserAccessQuery } from './read-schemas.js';

/** The coverage of `workspace`'s stored picture: one query of its scope states. */
async function workspaceCoverage(
  dependencies: ApiDependencies,
  workspace: WorkspaceEntry,
): Promise<Coverage> {
  const [states, status] = await Promise.all([
    dependencies.syncState.listScopeStates(workspace.uuid),
    dependencies.syncState.getStatus(workspace.uuid),
  ]);
  return coverageOf(states, status?.administration);
}

export async function handleWorkspaces(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  parseQuery(request, NoQuery);
  // Only the workspaces the caller holds a role on: the others' names are not theirs to see.
  const workspaces = (await dependencies.store.listWorkspaces()).filter((workspace) =>
    dependencies.authorization.hasAnyRole(request.actor, workspace),
  );
  workspaces.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const statuses = await Promise.all(
    workspaces.map((workspace) => dependencies.syncState.getStatus(workspace.uuid)),
  );
  return jsonAnswer(200, {
    workspaces: workspaces.map(({ slug, uuid, name }, index) => ({
      slug,
      uuid,
      name,
      administration: statuses[index]?.administration ?? null,
    })),
  });
}

export async function handleUserAccess(
  request: ApiRequest,
  dependencies: ApiDependencies,
): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const query = parseQuery(request, UserAccessQuery);
  const accountId = pathParameter(request, 'accountId');
  if (accountId.includes('#')) throw new NotFound(`unknown user ${accountId}`, { field: 'accountId' });
  const [facts, coverage] = await Promise.all([
    dependencies.store.loadUserAccessFacts(workspace.uuid, accountId),
    workspaceCoverage(dependencies, workspace),
  ]);
  const answer = effectiveUserAccess(facts, accountId, { includePublic: query.includePublic === 'true' });
  if (!answer)
    throw new NotFound(`unknown user ${accountId} in workspace ${workspace.slug}`, { field: 'accountId' });
  return jsonAnswer(200, { ...answer, coverage });
}

type AccessTargetType = 'project' | 'repository' | 'group';

/** A project by uuid or key, a repository by uuid or slug, a group by slug: the stored id, or null. */
async function resolveResourceId(
  dependencies: ApiDependencies,
  workspace: WorkspaceEntry,
  type: AccessTargetType,
  resourceId: string,
): Promise<string | null> {
  if (resourceId.includes('#')) return null;
  if (type === 'group') return resourceId;
  if (isUuid(resourceId)) return normalizeUuid(resourceId);
  const attribute = type === 'project' ? 'key' : 'slug';
  const all = await dependencies.store.listResources(workspace.uuid, type);
  const found = all.find(
    (entry) => (entry.item.attributes as unknown as Record<string, string>)[attribute] === resourceId,
  );
  return found?.item.id ?? null;
}

function resourceAccessHandler(type: AccessTargetType) {
  return async (request: ApiRequest, dependencies: ApiDependencies): Promise<HttpAnswer> => {
    const workspace = await requireWorkspace(dependencies, request);
    const query = parseQuery(request, ResourceAccessQuery);
    const named = pathParameter(request, 'resourceId');
    const notFound = () =>
      new NotFound(`no ${type} ${named} in workspace ${workspace.slug}`, { field: 'resourceId' });
    const id = await resolveResourceId(dependencies, workspace, type, named);
    if (id === null) throw notFound();
    const includePublic = query.includePublic === 'true';
    const [facts, coverage] = await Promise.all([
      dependencies.store.loadResourceAccessFacts(workspace.uuid, type, id, { includePublic }),
      workspaceCoverage(dependencies, workspace),
    ]);
    if (!facts) throw notFound();
    try {
      return jsonAnswer(200, {
        ...effectiveResourceAccess(facts, { type, id }, { includePublic }),
        coverage,
      });
    } catch (error) {
      if (error instanceof ResourceNotInFactsError) throw notFound();
      throw error;
    }
  };
}

export const handleProjectAccess = resourceAccessHandler('project');
export const handleRepositoryAccess = resourceAccessHandler('repository');
export const handleGroupAccess = resourceAccessHandler('group');

export async function handleChanges(request: ApiRequest, dependencies: ApiDependencies): Promise<HttpAnswer> {
  const workspace = await requireWorkspace(dependencies, request);
  const query = parseQuery(request, ChangesQuery);
  const since = new Date(query.since).toISOString();
  try {
    const page = await dependencies.store.listChangesSince(workspace.uuid, since, {
      limit: query.limit === undefined ? 100 : Number(query.limit),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    const changes = page.changes.map(({ workspaceId: _id, ...change }) => change);
    return jsonAnswer(200, {
      workspace: workspace.slug,
      changes,
      ...(page.cursor ? { cursor: page.cursor } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new ValidationError('query parameter cursor: not a cursor this route gave out', {
        parameter: 'cursor',
        field: 'cursor',
      });
    }
    throw error;
  }
}
