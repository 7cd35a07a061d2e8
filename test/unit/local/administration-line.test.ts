// The line `npm start` and `bbgov doctor` print about who administers a workspace: plain words, and
// honest about organization groups that were never read.
import { describe, expect, it } from 'vitest';
import { administrationLine } from '../../../lib/local/workspace-summary.js';

const organization = {
  mode: 'organization' as const,
  evidence: 'organization-lists-it' as const,
  checkedAt: '2026-11-29T00:00:00Z',
  orgGroupsRead: true,
};

describe('administrationLine', () => {
  it('says where the workspace is administered, from what evidence, and whether its org groups were read', () => {
    expect(administrationLine('acme', organization, true)).toBe(
      'acme: administered in admin.atlassian.com (the organization lists it); organization groups synced through the Atlassian Admin API',
    );
    expect(administrationLine('acme', organization, false)).toMatch(/organization groups not read yet/);
    expect(
      administrationLine(
        'acme',
        { ...organization, evidence: 'no-last-accessed', orgGroupsRead: false },
        false,
      ),
    ).toBe(
      'acme: administered in admin.atlassian.com (likely: Bitbucket reports no last access for any member); set ATLASSIAN_ORG_ID and ATLASSIAN_ADMIN_API_KEY to read its organization groups and change memberships',
    );
    expect(
      administrationLine('labs', { ...organization, mode: 'bitbucket', evidence: 'no-evidence' }, false),
    ).toBe('labs: administered in Bitbucket (assumed: nothing says otherwise yet)');
    expect(administrationLine('new', undefined, false)).toBe(
      'new: administration unknown until its first sync step',
    );
  });
});
