// What a grant or revocation acts on, resolved against the stored picture: the resource (by uuid, key or
// slug) and the principal (by account_id or group slug). Unknown names answer 404 before Bitbucket is
// asked anything.
import { NotFound, ValidationError } from '../errors/index.js';
import { isUuid, normalizeUuid } from '../model/index.js';
import type { ProvisioningTarget, TargetPrincipal } from '../source/index.js';
import type { GovernanceStore, WorkspaceEntry } from '../store/index.js';

export type { ProvisioningTarget, TargetPrincipal } from '../source/index.js';

export type ProvisioningAction = 'grant' | 'revoke';

export interface ResourceSelector {
  type: 'group' | 'project' | 'repository';
  id?: string | undefined;
  slug?: string | undefined;
  key?: string | undefined;
}

export interface PrincipalSelector {
  type: 'user' | 'group';
  accountId?: string | undefined;
  slug?: string | undefined;
}

export interface ProvisioningCommand {
  action: ProvisioningAction;
  resource: ResourceSelector;
  principal: PrincipalSelector;
  permission: string;
  replace: boolean;
  dryRun: boolean;
}

/** The resource of a target as answers describe it. */
export function describeTargetResource(target: ProvisioningTarget) {
  switch (target.kind) {
    case 'group-membership':
      return {
        type: 'group' as const,
        id: target.group.slug,
        slug: target.group.slug,
        name: target.group.name,
      };
    case 'project-permission':
      return {
        type: 'project' as const,
        id: target.project.id,
        key: target.project.key,
        name: target.project.name,
      };
    case 'repository-permission':
      return {
        type: 'repository' as const,
        id: target.repository.id,
        slug: target.repository.slug,
        name: target.repository.name,
      };
  }
}

/**
 * The principal as stored. `newcomerAllowed`: a user the workspace does not know yet is accepted under their
 * account id (adding someone to a group is how they join a workspace: API-NOTES "group member add").
 */
async function resolvePrincipal(
  store: GovernanceStore,
  workspace: WorkspaceEntry,
  selector: PrincipalSelector,
  newcomerAllowed = false,
): Promise<TargetPrincipal> {
  if (selector.type === 'user') {
    const accountId = selector.accountId ?? '';
    const user = accountId.includes('#') ? null : await store.getResource(workspace.uuid, 'user', accountId);
    if (!user && newcomerAllowed && accountId !== '' && !accountId.includes('#')) {
      return { type: 'user', id: accountId, name: accountId };
    }
    if (!user) {
      throw new NotFound(`no user ${accountId} in workspace ${workspace.slug}`, {
        field: 'principal.accountId',
      });
    }
    return { type: 'user', id: accountId, name: user.item.attributes.displayName };
  }
  const slug = selector.slug ?? '';
  const group = slug.includes('#') ? null : await store.getResource(workspace.uuid, 'group', slug);
  if (!group)
    throw new NotFound(`no group ${slug} in workspace ${workspace.slug}`, { field: 'principal.slug' });
  return { type: 'group', id: slug, name: group.item.attributes.name };
}

async function findByAttribute<T extends 'project' | 'repository'>(
  store: GovernanceStore,
  workspace: WorkspaceEntry,
  type: T,
  id: string | undefined,
  attribute: 'key' | 'slug',
  value: string | undefined,
) {
  if (id !== undefined) {
    if (!isUuid(id))
      throw new ValidationError(`resource.id must be the ${type} uuid`, { field: 'resource.id' });
    return (await store.getResource(workspace.uuid, type, normalizeUuid(id)))?.item ?? null;
  }
  const all = await store.listResources(workspace.uuid, type);
  return (
    all.find((entry) => (entry.item.attributes as unknown as Record<string, string>)[attribute] === value)
      ?.item ?? null
  );
}

export async function resolveTarget(
  store: GovernanceStore,
  workspace: WorkspaceEntry,
  resource: ResourceSelector,
  principal: PrincipalSelector,
): Promise<ProvisioningTarget> {
  const who = await resolvePrincipal(store, workspace, principal, resource.type === 'group');
  const named = resource.id ?? resource.slug ?? resource.key ?? '';
  const notFound = () =>
    new NotFound(`no ${resource.type} ${named} in workspace ${workspace.slug}`, { field: 'resource' });
  if (resource.type === 'group') {
    if (who.type !== 'user') {
      throw new ValidationError('group membership is granted to users only', { field: 'principal.type' });
    }
    const slug = resource.slug ?? resource.id ?? '';
    const group = slug.includes('#') ? null : await store.getResource(workspace.uuid, 'group', slug);
    if (!group) throw notFound();
    return { kind: 'group-membership', group: { slug, name: group.item.attributes.name }, principal: who };
  }
  if (resource.type === 'project') {
    const project = await findByAttribute(store, workspace, 'project', resource.id, 'key', resource.key);
    if (!project) throw notFound();
    const { key, name } = project.attributes;
    return { kind: 'project-permission', project: { id: project.id, key, name }, principal: who };
  }
  const repository = await findByAttribute(
    store,
    workspace,
    'repository',
    resource.id,
    'slug',
    resource.slug,
  );
  if (!repository) throw notFound();
  const { slug, name } = repository.attributes;
  return { kind: 'repository-permission', repository: { id: repository.id, slug, name }, principal: who };
}
