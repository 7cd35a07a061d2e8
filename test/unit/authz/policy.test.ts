// The policy document decides roles per workspace: patterns over IAM principal ARNs, a union over the
// statements that name both caller and workspace, deny by default.
import { describe, expect, it } from 'vitest';
import { AuthorizationPolicy, AuthorizationPolicyDocument, requireRole } from '../../../lib/authz/index.js';
import { AccessDenied } from '../../../lib/errors/index.js';
import { thrownBy } from '../../support/thrown.js';

const ACME = { uuid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', slug: 'acme' };
const GLOBEX = { uuid: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', slug: 'globex' };
const ADMINS = 'arn:aws:iam::123456789012:role/GovernanceAdmins';
const REVIEWER_SESSION = 'arn:aws:sts::123456789012:assumed-role/Reviewers/ada@example.com';

const policy = new AuthorizationPolicy(
  AuthorizationPolicyDocument.parse({
    statements: [
      { principal: ADMINS, roles: ['administrator'], workspaces: ['*'] },
      {
        principal: 'arn:aws:sts::123456789012:assumed-role/Reviewers/*',
        roles: ['reader'],
        workspaces: ['acme'],
      },
      {
        principal: REVIEWER_SESSION,
        accountId: '557058:ada',
        roles: ['approver'],
        workspaces: ['acme', 'globex'],
      },
    ],
  }),
);

describe('AuthorizationPolicy', () => {
  it('gives each principal the union of the statements naming it and the workspace', () => {
    expect([...policy.rolesOf(REVIEWER_SESSION, ACME)].sort()).toEqual(['approver', 'reader']);
    expect([...policy.rolesOf(REVIEWER_SESSION, GLOBEX)]).toEqual(['approver']);
    const other = 'arn:aws:sts::123456789012:assumed-role/Reviewers/grace@example.com';
    expect([...policy.rolesOf(other, ACME)]).toEqual(['reader']);
    expect(policy.accountIdOf(REVIEWER_SESSION)).toBe('557058:ada');
    expect(policy.accountIdOf(other)).toBeUndefined();
  });

  it('matches * as any run of characters and nothing else as a pattern', () => {
    // `.` and `+` in a principal are literal, not regular-expression syntax.
    const literal = new AuthorizationPolicy({
      statements: [{ principal: 'arn:aws:iam::1:user/a.b+c', roles: ['reader'], workspaces: ['*'] }],
    });
    expect(literal.hasAnyRole('arn:aws:iam::1:user/a.b+c', ACME)).toBe(true);
    expect(literal.hasAnyRole('arn:aws:iam::1:user/aXbbc', ACME)).toBe(false);
    expect(policy.hasAnyRole('arn:aws:iam::123456789012:role/GovernanceAdmins-Other', ACME)).toBe(false);
    expect(policy.hasAnyRole(`x${ADMINS}`, ACME)).toBe(false);
  });

  it('lets a role ARN stand for every session of the role, as API Gateway reports its callers', () => {
    const byRole = new AuthorizationPolicy({
      statements: [
        {
          principal: 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_0a1b',
          roles: ['reader'],
          workspaces: ['*'],
        },
      ],
    });
    const session = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Ops_0a1b/ada@example.com';
    expect(byRole.hasAnyRole(session, ACME)).toBe(true);
    expect(
      byRole.hasAnyRole('arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Ops_0a1bX/ada', ACME),
    ).toBe(false);
    expect(
      byRole.hasAnyRole('arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_Ops_0a1b/ada', ACME),
    ).toBe(false);
    expect(byRole.hasAnyRole(`${session}/extra`, ACME)).toBe(false);
    // The existing example: ADMINS is a role ARN, so its sessions administer.
    expect(
      policy.holds('arn:aws:sts::123456789012:assumed-role/GovernanceAdmins/ops', ACME, 'administrator'),
    ).toBe(true);
  });

  it('lets an administrator hold every role, and nobody unnamed any', () => {
    for (const role of ['reader', 'requester', 'approver', 'administrator'] as const)
      expect(policy.holds(ADMINS, GLOBEX, role), role).toBe(true);
    expect(policy.holds(REVIEWER_SESSION, ACME, 'requester')).toBe(false);
    expect(policy.rolesOf('arn:aws:iam::999999999999:role/Anyone', ACME).size).toBe(0);
    expect(policy.hasAdministrator()).toBe(true);
    expect(new AuthorizationPolicy({ statements: [] }).hasAdministrator()).toBe(false);
  });

  it('refuses with 403 naming the missing role and the workspace', () => {
    const error = thrownBy(AccessDenied, () => requireRole(policy, REVIEWER_SESSION, GLOBEX, 'reader'));
    expect(error.status).toBe(403);
    expect(error.message).toBe('this needs the reader role on workspace globex');
    expect(error.details).toEqual({ requiredRole: 'reader', workspace: 'globex' });
    expect(() => requireRole(policy, ADMINS, ACME, 'administrator')).not.toThrow();
  });

  it('refuses a document with unknown roles, fields or workspace names', () => {
    const parsed = (statements: unknown) =>
      AuthorizationPolicyDocument.safeParse({ statements }).error?.issues;
    expect(parsed([{ principal: 'p', roles: ['owner'], workspaces: ['*'] }])?.[0]?.path).toEqual([
      'statements',
      0,
      'roles',
      0,
    ]);
    expect(parsed([{ principal: 'p', roles: ['reader'], workspaces: ['../x'] }])).toBeDefined();
    expect(parsed([{ principal: 'p', roles: ['reader'], workspaces: ['*'], extra: 1 }])).toBeDefined();
    expect(parsed([{ principal: 'p', roles: [], workspaces: ['*'] }])).toBeDefined();
  });
});
