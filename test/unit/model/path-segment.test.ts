// Identifiers become URL path segments only when they are one: `.` and `..` would be collapsed by URL
// parsers (a member `..` would address the group itself), so they are refused, not encoded.
import { describe, expect, it } from 'vitest';
import { expandAdminRoute } from '../../../lib/atlassian-admin/endpoints.js';
import { expandRoute } from '../../../lib/bitbucket/endpoints.js';
import { InvalidIdentifierError, pathSegment } from '../../../lib/model/index.js';

describe('pathSegment', () => {
  it('encodes an identifier as one segment and refuses empty, . and ..', () => {
    expect(pathSegment('557058:ada', 'member')).toBe('557058%3Aada');
    expect(pathSegment('a/b', 'slug')).toBe('a%2Fb');
    expect(pathSegment('...', 'slug')).toBe('...');
    for (const value of ['', '.', '..'])
      expect(() => pathSegment(value, 'member')).toThrow(InvalidIdentifierError);
  });

  it('guards the Bitbucket and the Admin API route templates', () => {
    expect(() =>
      expandRoute('/1.0/groups/{workspace}/{group_slug}/members/{member}', {
        workspace: 'acme',
        group_slug: 'devs',
        member: '..',
      }),
    ).toThrow(/invalid member/);
    expect(() =>
      expandAdminRoute('/admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}', {
        orgId: 'o',
        directoryId: '.',
        groupId: 'g',
      }),
    ).toThrow(InvalidIdentifierError);
  });
});
