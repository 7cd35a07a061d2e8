// The organization side of one sync step (issue 18): find out who administers the workspace, and for one
// administered in admin.atlassian.com with an organization credential configured, open the Admin API's
// own hourly budget and the source of its `org-groups` scope. Bitbucket's budget is never spent here.
import {
  discoverAdministration,
  OrganizationSource,
  type OrganizationAccess,
  type WorkspaceAdministration,
} from '../atlassian-admin/index.js';
import { RequestBudget } from '../bitbucket/index.js';
import { openHourlyBudget, type OpenedBudget } from '../budget/index.js';
import { logger } from '../observability/index.js';
import type { GovernanceStore } from '../store/index.js';
import type { ScopeApi } from './scope-kinds.js';
import type { WorkspaceRef } from './scope-refresh.js';
import { scopeApisOf } from './stored-scopes.js';

export interface OrganizationStep {
  administration: WorkspaceAdministration;
  /** The APIs the workspace's scopes are read through this step. */
  apis: ScopeApi[];
  /** Lists `org-groups`; set when they are read. */
  source?: OrganizationSource;
  /** The Admin API's budget for this step (its own rolling hour); a zero budget without a credential. */
  budget: RequestBudget;
  /** Records what the Admin API budget spent in its ledger. */
  close(at: Date): Promise<void>;
}

/** Bitbucket-only steps (no OrganizationAccess given, as in tests of the Bitbucket side alone). */
const BITBUCKET_ONLY = (at: Date): OrganizationStep => ({
  administration: {
    mode: 'bitbucket',
    evidence: 'no-evidence',
    checkedAt: at.toISOString(),
    orgGroupsRead: false,
  },
  apis: ['bitbucket'],
  budget: new RequestBudget(0),
  close: () => Promise.resolve(),
});

/**
 * Opens the organization side of a step. Reads the credential (a secret that cannot be read is logged and
 * treated as none, so Bitbucket's sync goes on), discovers the administration (at most one Admin API
 * listing, see discoverAdministration) and, for an organization-administered workspace with a credential,
 * builds the `org-groups` source. Errors of the store and the Admin API's ledger propagate.
 */
export async function openOrganizationStep(
  organization: OrganizationAccess | undefined,
  store: GovernanceStore,
  workspace: WorkspaceRef,
  previous: WorkspaceAdministration | undefined,
  { now, deadlineAt }: { now: Date; deadlineAt: number },
): Promise<OrganizationStep> {
  if (!organization) return BITBUCKET_ONLY(now);
  let credential = null;
  let note: string | undefined;
  try {
    credential = await organization.credential();
  } catch (error) {
    note = `the organization credential could not be read: ${error instanceof Error ? error.message : String(error)}`;
    logger.warn('organization credential unreadable; syncing Bitbucket alone', {
      workspace: workspace.slug,
      note,
    });
  }
  let hour: OpenedBudget | undefined;
  if (credential) {
    hour = await openHourlyBudget(organization.ledger, 'sync', {
      hourlyLimit: organization.hourlyRequestLimit,
      now,
    });
  }
  const budget = hour?.budget ?? new RequestBudget(0);
  const administration = await discoverAdministration({
    setting: organization.administration,
    credential,
    client: organization.client,
    workspace,
    ...(previous ? { previous } : {}),
    lastAccessed: async () => {
      const users = await store.listResources(workspace.id, 'user');
      return {
        members: users.length,
        withLastAccessed: users.filter((entry) => typeof entry.item.attributes.lastAccessed === 'string')
          .length,
      };
    },
    now,
    call: { budget, deadlineAt },
  });
  if (note) administration.note = note;
  const close = (at: Date) => hour?.close(at) ?? Promise.resolve();
  if (!administration.orgGroupsRead)
    return { administration, apis: scopeApisOf(administration), budget, close };
  const source = new OrganizationSource(organization.client, async (workspaceId) =>
    (await store.listResources(workspaceId, 'group')).map((entry) => ({
      slug: entry.item.id,
      name: entry.item.attributes.name,
    })),
  );
  return { administration, apis: scopeApisOf(administration), source, budget, close };
}
