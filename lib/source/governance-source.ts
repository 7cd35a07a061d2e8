// The seam between the connector and a system of record for access (Bitbucket Cloud today; the Atlassian
// Admin API and Bitbucket Data Center next): what the sync, the webhook refresh and provisioning need
// from it. Each
// source implements it behind its own client; nothing above this seam knows which source answers.
import type { CallOptions } from '../bitbucket/index.js';
import type { GovernanceItem, Grant, ScopeKind } from '../model/index.js';

/**
 * A scope to list, with the address a per-resource listing is called by: a project's key, a
 * repository's slug (the store keeps ids; the source's API is addressed by these).
 */
export type ScopeTarget =
  | { kind: 'members' | 'groups' | 'org-groups' | 'projects' | 'repositories' }
  | { kind: 'project-grants'; projectId: string; key: string }
  | { kind: 'repository-grants'; repositoryId: string; slug: string };

/** The workspace a call is about: its store id (bare lower-case uuid) and its slug (the API's name). */
export interface SourceWorkspace {
  id: string;
  slug: string;
}

/**
 * How much one call may spend: every request takes one unit of `budget`; no attempt outlives
 * `deadlineAt` (epoch ms). The request budget is one for every source.
 */
export type SourceCall = CallOptions;

/** A principal provisioning acts for: a user (account_id) or a group (slug). */
export interface TargetPrincipal {
  type: 'user' | 'group';
  /** account_id or group slug. */
  id: string;
  name: string;
}

/** What one grant or revocation acts on, resolved against the stored picture. */
export type ProvisioningTarget =
  | { kind: 'group-membership'; group: { slug: string; name: string }; principal: TargetPrincipal }
  | {
      kind: 'project-permission';
      project: { id: string; key: string; name: string };
      principal: TargetPrincipal;
    }
  | {
      kind: 'repository-permission';
      repository: { id: string; slug: string; name: string };
      principal: TargetPrincipal;
    };

/** One call a channel makes, described for dry runs and request records. */
export interface CallDescription {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `METHOD /route/{template}`. */
  endpoint: string;
  path: string;
}

/** What a refusal of a write means the credential lacks. */
export interface CapabilityNeed {
  capability: 'writeGroupMembership' | 'writePermissions';
  scopes: string[];
}

/** How one principal's access to one target is read and changed in the source. */
export interface GrantChannel {
  /**
   * Whose hour pays for its calls: Bitbucket's (absent) or the Atlassian Admin API's (`atlassian-admin`:
   * group membership in a workspace administered in admin.atlassian.com).
   */
  api?: 'atlassian-admin';
  /** Permissions in rank order, lowest first. */
  ladder: readonly string[];
  readCall: CallDescription;
  /**
   * The status the read answers when the principal holds nothing (404 for Bitbucket's permissions-config
   * GETs); absent when such a read answers 200 (a listing without the principal).
   */
  readAbsentStatus?: number;
  writeCall: CallDescription;
  deleteCall: CallDescription;
  writeNeed: CapabilityNeed;
  deleteNeed: CapabilityNeed;
  /** The principal's explicit permission in the source now, or null. */
  readCurrent(call: SourceCall): Promise<string | null>;
  write(permission: string, call: SourceCall): Promise<void>;
  remove(call: SourceCall): Promise<void>;
  /** The stored item stating `permission`. */
  grantItem(permission: string): Grant;
  /**
   * Another stored item stating the same fact, kept in step with `grantItem` (an organization group's
   * membership beside its Bitbucket group's).
   */
  companionItem?(permission: string): Grant;
}

/**
 * What a source found when it re-read items one listing walk did not return: each asked item is in
 * exactly one of `gone` (the source answered that it does not exist: Bitbucket's 404, or an explicit
 * permission of `none`), `present` (it exists; its current content, which may differ from what is stored),
 * or neither (unconfirmed: the source could not tell; the caller keeps the stored item).
 */
export interface AbsenceCheck {
  /** `itemIdentity` of each asked item the source says is gone. */
  gone: string[];
  /** Asked items that exist, with the content read now. */
  present: GovernanceItem[];
}

/** What the sync needs of a source: listing scopes and confirming what a listing walk missed. */
export interface ScopeLister {
  /** The scope kinds this source can list. */
  readonly kinds: readonly ScopeKind[];
  /**
   * True when one listing of `kind` is a single consistent answer (not pages read one after another), so
   * what it omits is gone without confirmation. False for paged listings, where an item can be skipped
   * when the list moves between two page reads.
   */
  isSnapshot(kind: ScopeKind): boolean;
  /**
   * Re-reads items of one scope that a listing walk did not return, with the fewest direct reads the
   * source allows (about one request per principal or resource, each paid from `call.budget`). Throws the
   * source's typed errors, e.g. BudgetExhausted when the budget runs out (nothing is then confirmed).
   */
  confirmAbsent(
    workspace: SourceWorkspace,
    target: ScopeTarget,
    missing: readonly GovernanceItem[],
    call: SourceCall,
  ): Promise<AbsenceCheck>;
  /**
   * Reads one scope completely and returns the model items it states (resources and grants), in the
   * source's order. Throws the source's typed errors (lib/bitbucket/errors for Bitbucket) when a page
   * fails; a partial listing is never returned.
   */
  listScope(workspace: SourceWorkspace, target: ScopeTarget, call: SourceCall): Promise<GovernanceItem[]>;
}

export interface GovernanceSource extends ScopeLister {
  /** The channel that reads, grants and revokes one principal's access to `target` (no call is made yet). */
  grantChannel(workspaceSlug: string, target: ProvisioningTarget): GrantChannel;
}
