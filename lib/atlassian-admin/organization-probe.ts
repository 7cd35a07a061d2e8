// What `bbgov doctor` says of the organization credential (issue 18): which Bitbucket workspaces the
// organization administers, and whether its API key can read groups and change memberships. Read-only by
// default; asked to (`--probe-write`), the write probe removes an account that cannot exist from a group
// (ADMIN-API.md "remove a member"): nothing can change, though the call may show in the organization's
// audit log. A 404 suggests the key may write there (Atlassian may also refuse an unknown account before
// it checks the key's scopes), a 403 says it may not.
import type { CallOptions } from '../bitbucket/index.js';
import { bitbucketWorkspaceResourceId } from './bitbucket-resources.js';
import { AdminApiError, AdminForbidden, AdminNotFound, AdminUnauthorized } from './errors.js';
import type { OrganizationAccess } from './organization-access.js';

/** `ok`, why not (credential-free), or not asked (a write probe doctor sends only when told to). */
export type OrganizationCapability =
  { ok: true; note?: string } | { ok: false; reason: string } | { ok: 'not-probed'; note: string };

export interface OrganizationReport {
  configured: boolean;
  orgId?: string;
  /** Slugs of the Bitbucket workspaces the organization administers (`POST /admin/v2/orgs/{orgId}/workspaces`). */
  administers?: string[];
  readGroups?: OrganizationCapability;
  changeMemberships?: OrganizationCapability;
  /** Set when nothing could be asked, or to say what is missing. */
  note?: string;
}

/** An account id no Atlassian account has: removing it from a group can never change anything. */
export const PROBE_ACCOUNT_ID = 'bbgov-doctor-probe-no-such-account';

const refusal = (error: unknown): OrganizationCapability => ({
  ok: false,
  reason: error instanceof Error ? error.message : String(error),
});

/**
 * Asks the Admin API what the configured key can do: the organization's workspaces (all pages), the groups
 * with a role on the first of them that the connector governs, and one harmless removal. About 3–5
 * requests from `call.budget`. Never throws an Admin API error (it is reported); throws BudgetExhausted.
 */
export async function probeOrganization(
  organization: OrganizationAccess,
  governed: readonly { slug: string; uuid: string }[],
  call: CallOptions,
  options: { probeWrite?: boolean } = {},
): Promise<OrganizationReport> {
  const credential = await organization.credential();
  if (!credential) {
    return {
      configured: false,
      note: 'no organization credential (ATLASSIAN_ORG_ID + ATLASSIAN_ADMIN_API_KEY): group membership of workspaces administered in admin.atlassian.com cannot be changed, and their organization groups are not read',
    };
  }
  const report: OrganizationReport = { configured: true, orgId: credential.orgId };
  let administered: { slug: string | null; workspaceUuid: string | null }[];
  try {
    administered = await organization.client.listWorkspaces(call);
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    report.note = `the organization's workspaces could not be listed: ${error.message}`;
    if (error instanceof AdminUnauthorized)
      report.note += ' (is ATLASSIAN_ADMIN_API_KEY valid and unexpired?)';
    return report;
  }
  report.administers = administered.flatMap((workspace) => (workspace.slug ? [workspace.slug] : []));
  const target = governed.find((workspace) =>
    administered.some(
      (entry) =>
        entry.slug === workspace.slug || entry.workspaceUuid === `{${workspace.uuid.replace(/[{}]/g, '')}}`,
    ),
  );
  if (!target) {
    report.note = 'the organization administers none of the governed workspaces';
    return report;
  }
  let groups;
  try {
    groups = await organization.client.searchGroups(
      { resourceIds: [bitbucketWorkspaceResourceId(target.uuid)] },
      call,
    );
    report.readGroups = { ok: true, note: `${groups.length} groups with a role on ${target.slug}` };
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    report.readGroups = refusal(error);
    return report;
  }
  if (!options.probeWrite) {
    report.changeMemberships = {
      ok: 'not-probed',
      note: 'not probed (doctor is read-only; `bbgov doctor --probe-write` sends one harmless removal of an account that does not exist)',
    };
    return report;
  }
  const writable = groups.find((group) => !group.managedByIdentityProvider);
  if (!writable) {
    report.changeMemberships = {
      ok: false,
      reason: `every group with a role on ${target.slug} is managed by an identity provider: change them there`,
    };
    return report;
  }
  try {
    await organization.client.removeGroupMember(writable.directoryId, writable.id, PROBE_ACCOUNT_ID, call);
    report.changeMemberships = { ok: true };
  } catch (error) {
    if (error instanceof AdminNotFound) {
      report.changeMemberships = {
        ok: true,
        note: `likely: probed on group "${writable.name}" with an account that does not exist (Atlassian answered 404, not 403)`,
      };
    } else if (error instanceof AdminForbidden || error instanceof AdminUnauthorized) {
      report.changeMemberships = refusal(error);
    } else if (error instanceof AdminApiError) {
      report.changeMemberships = refusal(error);
    } else throw error;
  }
  return report;
}
