// Which administration a workspace is under (API-NOTES "Workspaces administered in admin.atlassian.com"):
// Bitbucket's own (1.0 group writes work), or an Atlassian organization's (groups and roles are changed
// through the Admin API). Forced by BITBUCKET_ADMINISTRATION, else discovered: the organization's list of
// workspaces when a credential exists, else Bitbucket's evidence (a refused 1.0 group write, or no member
// with `last_accessed`).
import type { CallOptions } from '../bitbucket/index.js';
import type { WorkspaceAdministration } from '../store/sync-state.js';
import type { AdminApiClient } from './client.js';
import { AdminApiError } from './errors.js';
import type { AdministrationSetting } from './organization-access.js';
import type { OrganizationCredential } from './transport.js';

export type { WorkspaceAdministration };

/** The organization's answer is asked again after this long (ms): administration moves rarely. */
export const ADMINISTRATION_RECHECK_MS = 24 * 60 * 60_000;

/**
 * Bitbucket's weaker evidence (members without `last_accessed`, or none) is looked at again after this
 * long (ms): it costs a store query, and the first step of a workspace sees no members yet.
 */
export const WEAK_EVIDENCE_RECHECK_MS = 60 * 60_000;

/** What Bitbucket's members listing said about `last_accessed`: how many members, how many had one. */
export interface LastAccessedEvidence {
  members: number;
  withLastAccessed: number;
}

export interface AdministrationInput {
  setting: AdministrationSetting;
  /** The organization credential, or null when none is configured. */
  credential: OrganizationCredential | null;
  client: AdminApiClient;
  /** The workspace: bare lower-case uuid and slug. */
  workspace: { id: string; slug: string };
  /** What the last discovery found, if anything. */
  previous?: WorkspaceAdministration;
  /** Reads the stored members' `last_accessed` evidence (only called when needed). */
  lastAccessed: () => Promise<LastAccessedEvidence>;
  now: Date;
  /** Budget and deadline of the one Admin API listing this may send (`POST /admin/v2/orgs/{orgId}/workspaces`). */
  call: CallOptions;
}

function stillFresh(previous: WorkspaceAdministration | undefined, now: Date, orgId?: string): boolean {
  if (previous === undefined || previous.evidence === 'configured' || previous.orgId !== orgId) return false;
  const weak = previous.evidence === 'no-evidence' || previous.evidence === 'no-last-accessed';
  // A weak guess made without an organization credential gives way as soon as one is configured.
  if (weak && orgId !== undefined) return false;
  const age = now.getTime() - Date.parse(previous.checkedAt);
  return age < (weak ? WEAK_EVIDENCE_RECHECK_MS : ADMINISTRATION_RECHECK_MS);
}

/**
 * The workspace's administration. Sends at most one Admin API listing (all its pages), and none when the
 * setting forces a mode, no organization credential exists, or the last answer is under a day old. An
 * Admin API failure is not thrown: the answer falls back to Bitbucket's evidence and says why in `note`.
 * Throws only BudgetExhausted-free errors of `lastAccessed` (the store).
 */
export async function discoverAdministration(input: AdministrationInput): Promise<WorkspaceAdministration> {
  const { setting, credential, previous, now } = input;
  const checkedAt = now.toISOString();
  const orgGroupsRead = (mode: WorkspaceAdministration['mode']) =>
    mode === 'organization' && credential !== null;
  if (setting !== 'auto') {
    return { mode: setting, evidence: 'configured', checkedAt, orgGroupsRead: orgGroupsRead(setting) };
  }
  if (stillFresh(previous, now, credential?.orgId))
    return { ...previous!, orgGroupsRead: orgGroupsRead(previous!.mode) };
  let note: string | undefined;
  if (credential) {
    try {
      const workspaces = await input.client.listWorkspaces(input.call);
      const uuid = `{${input.workspace.id}}`;
      const listed = workspaces.some(
        (workspace) => workspace.workspaceUuid === uuid || workspace.slug === input.workspace.slug,
      );
      const mode = listed ? 'organization' : 'bitbucket';
      return {
        mode,
        evidence: listed ? 'organization-lists-it' : 'organization-does-not-list-it',
        checkedAt,
        orgId: credential.orgId,
        orgGroupsRead: orgGroupsRead(mode),
      };
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      note = `the Admin API could not list the organization's workspaces: ${error.message}`;
      // A failed re-check (a 429, an outage, an expired key) is no evidence of a move: keep the last answer.
      if (
        previous?.evidence === 'organization-lists-it' ||
        previous?.evidence === 'organization-does-not-list-it'
      ) {
        return { ...previous, orgGroupsRead: orgGroupsRead(previous.mode), note };
      }
    }
  }
  // A refusal Bitbucket gave stays the best evidence until the organization says otherwise.
  if (previous?.evidence === 'group-write-refused') {
    return { ...previous, orgGroupsRead: orgGroupsRead('organization'), ...(note ? { note } : {}) };
  }
  const evidence = await input.lastAccessed();
  const mode = evidence.members > 0 && evidence.withLastAccessed === 0 ? 'organization' : 'bitbucket';
  return {
    mode,
    evidence: mode === 'organization' ? 'no-last-accessed' : 'no-evidence',
    checkedAt,
    orgGroupsRead: orgGroupsRead(mode),
    ...(note ? { note } : {}),
  };
}

/**
 * True when Bitbucket refused a 1.0 group write because the workspace is administered in
 * admin.atlassian.com (403 naming it; API-NOTES: "POST/PUT/DELETE are disabled").
 */
export function saysAdministeredByOrganization(status: number | undefined, message: string): boolean {
  return status === 403 && /admin\.atlassian\.com|atlassian admin(istration)?/i.test(message);
}
