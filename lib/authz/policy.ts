// Who may do what (DESIGN §8b): one policy document maps callers to roles per workspace. In AWS a caller
// is the IAM principal ARN API Gateway's authorizer reports; locally it is the principal a bearer token
// names (LOCAL_API_TOKENS). Deny by default: a caller no statement names has no role anywhere.
import * as z from 'zod';
import { AccessDenied } from '../errors/index.js';
import { isIdentifier } from '../model/index.js';

/**
 * Names the connector itself acts under in change records and provisioning records (`local`: the
 * LOCAL_API_TOKEN administrator; `sync`, `webhook`; `grant-expiry`: lib/requests/grant-expiry.ts). No caller
 * may take one, or their actions would read as the connector's.
 */
export const RESERVED_PRINCIPALS = ['local', 'sync', 'webhook', 'grant-expiry'] as const;

/** Roles per workspace, each a separate capability (an administrator holds them all). */
export const ROLES = ['reader', 'requester', 'approver', 'administrator'] as const;
export type Role = (typeof ROLES)[number];

const RoleName = z.enum(ROLES, `one of ${ROLES.join(', ')}`);

const WorkspacePattern = z.union([
  z.literal('*'),
  z.string().refine((value) => isIdentifier('workspace slug', value), 'a workspace slug or "*"'),
]);

/**
 * One statement: who (`principal`: an exact principal, an IAM role ARN standing for every session of the
 * role, or an IAM ARN pattern where `*` matches any run of characters, e.g.
 * `arn:aws:sts::123456789012:assumed-role/Reviewers/*`), which roles, in which workspaces
 * (`*` or slugs), and optionally the caller's Bitbucket `accountId` (requests benefit it; nobody approves
 * for their own account).
 */
export const PolicyStatement = z.strictObject({
  principal: z.string().min(1, 'a principal or principal ARN pattern'),
  accountId: z
    .string()
    .refine((value) => isIdentifier('account id', value), 'an Atlassian account_id')
    .optional(),
  roles: z.array(RoleName).min(1, 'at least one role'),
  workspaces: z.array(WorkspacePattern).min(1, 'at least one workspace slug or "*"'),
});
export type PolicyStatement = z.infer<typeof PolicyStatement>;

/** The policy document: `{"statements": [...]}` (CDK context `authorizationPolicy` in AWS). */
export const AuthorizationPolicyDocument = z.strictObject({
  statements: z.array(PolicyStatement),
});
export type AuthorizationPolicyDocument = z.infer<typeof AuthorizationPolicyDocument>;

/** A governed workspace as the check sees it: resolved to one identity, whether named by slug or uuid. */
export interface CanonicalWorkspace {
  uuid: string;
  slug: string;
}

function globOf(principal: string): string {
  return principal
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
}

/**
 * What a statement's principal matches. An IAM role ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`) also
 * matches every session of the role: API Gateway reports such a caller as
 * `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` (the role's path left out).
 */
const IAM_ROLE_ARN = /^arn:([^:]+):iam::([^:]+):role\/(?:.*\/)?([^/]+)$/;

function patternOf(principal: string): RegExp {
  const role = IAM_ROLE_ARN.exec(principal);
  const sessions = role ? `|${globOf(`arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/`)}[^/]+` : '';
  return new RegExp(`^(?:${globOf(principal)}${sessions})$`);
}

/** The roles and account one caller holds, evaluated from the policy document. */
export class AuthorizationPolicy {
  readonly #statements: { statement: PolicyStatement; matches: RegExp }[];

  constructor(document: AuthorizationPolicyDocument) {
    this.#statements = document.statements.map((statement) => ({
      statement,
      matches: patternOf(statement.principal),
    }));
  }

  #statementsOf(principal: string): PolicyStatement[] {
    return this.#statements
      .filter(({ matches }) => matches.test(principal))
      .map(({ statement }) => statement);
  }

  /** The roles `principal` holds on `workspace` (a union over every statement naming both). */
  rolesOf(principal: string, workspace: CanonicalWorkspace): Set<Role> {
    const roles = new Set<Role>();
    for (const statement of this.#statementsOf(principal)) {
      if (statement.workspaces.some((entry) => entry === '*' || entry === workspace.slug.toLowerCase())) {
        for (const role of statement.roles) roles.add(role);
      }
    }
    return roles;
  }

  /** True when `principal` holds `role` on `workspace`; an administrator holds every role. */
  holds(principal: string, workspace: CanonicalWorkspace, role: Role): boolean {
    const roles = this.rolesOf(principal, workspace);
    return roles.has(role) || roles.has('administrator');
  }

  /** True when `principal` holds any role on `workspace`. */
  hasAnyRole(principal: string, workspace: CanonicalWorkspace): boolean {
    return this.rolesOf(principal, workspace).size > 0;
  }

  /** The Bitbucket account the caller is, from the first statement naming them with one; else undefined. */
  accountIdOf(principal: string): string | undefined {
    return this.#statementsOf(principal).find((statement) => statement.accountId !== undefined)?.accountId;
  }

  /**
   * The exact principals the policy names for a Bitbucket account, sorted and without repeats: the reverse
   * of accountIdOf, for finding who reviews an account's resources. Statements whose principal is a
   * pattern (with `*`) or an IAM role ARN (standing for every session of the role) are left out: they name
   * no one caller, so they cannot be turned back into one.
   */
  principalsOfAccount(accountId: string): string[] {
    const principals = new Set<string>();
    for (const { statement } of this.#statements) {
      if (statement.accountId !== accountId) continue;
      if (statement.principal.includes('*') || IAM_ROLE_ARN.test(statement.principal)) continue;
      principals.add(statement.principal);
    }
    return [...principals].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** True when some statement makes someone an administrator (a deploy without one is refused). */
  hasAdministrator(): boolean {
    return this.#statements.some(({ statement }) => statement.roles.includes('administrator'));
  }
}

/**
 * Checks that `principal` holds `role` on `workspace`.
 * @throws AccessDenied (403) naming the missing role and the workspace.
 */
export function requireRole(
  policy: AuthorizationPolicy,
  principal: string,
  workspace: CanonicalWorkspace,
  role: Role,
): void {
  if (policy.holds(principal, workspace, role)) return;
  throw new AccessDenied(`this needs the ${role} role on workspace ${workspace.slug}`, {
    requiredRole: role,
    workspace: workspace.slug,
  });
}
