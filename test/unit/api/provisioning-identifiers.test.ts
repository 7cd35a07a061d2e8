// A caller's identifiers are held to Bitbucket's rules in the request schema, before any lookup, key or URL.
import { describe, expect, it } from 'vitest';
import { ProvisioningRequestBody } from '../../../lib/api/provisioning-schemas.js';

const issuesOf = (body: unknown) =>
  (ProvisioningRequestBody.safeParse(body).error?.issues ?? []).map(
    (issue) => `${issue.path.join('.')}: ${issue.message}`,
  );

describe('provisioning request identifiers', () => {
  it('accepts what Bitbucket names things by', () => {
    expect(
      issuesOf({
        resource: { type: 'repository', slug: 'deploy-tools.v2' },
        principal: { type: 'user', accountId: '557058:ada' },
        permission: 'write',
      }),
    ).toEqual([]);
    expect(
      issuesOf({
        resource: { type: 'project', key: 'CORE' },
        principal: { type: 'group', slug: 'developers' },
        permission: 'read',
      }),
    ).toEqual([]);
  });

  it('refuses dot segments, separators and key characters, naming the field', () => {
    expect(
      issuesOf({
        resource: { type: 'repository', slug: '..' },
        principal: { type: 'user', accountId: 'a#b' },
        permission: 'write',
      }),
    ).toEqual(['resource.slug: not a valid repository slug', 'principal.accountId: not a valid account id']);
    expect(
      issuesOf({
        resource: { type: 'group', id: '../administrators' },
        principal: { type: 'user', accountId: '557058:ada' },
        permission: 'member',
      }),
    ).toEqual(['resource.id: not a valid group slug']);
    expect(
      issuesOf({
        resource: { type: 'project', key: 'CO/RE' },
        principal: { type: 'group', slug: '.' },
        permission: 'read',
      }),
    ).toEqual(['resource.key: not a valid project key', 'principal.slug: not a valid group slug']);
  });
});
