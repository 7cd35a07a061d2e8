// The seed's optional `organizations` (CONTRACTS.md "Simulator seed: an optional top-level organizations
// array"): Atlassian organizations that administer some workspaces in admin.atlassian.com.
import * as z from 'zod';
import type { PathSegment, Problem } from './seed-problems.js';
import { duplicates } from './seed-problems.js';

const text = z.string().min(1);

/** A group's product access to one workspace: `member` makes workspace members, `admin` owners. */
export const OrgRole = z.enum(['member', 'admin']);
export type OrgRole = z.infer<typeof OrgRole>;

export const SeedOrgGroup = z.object({
  id: text,
  name: text,
  /** The slug of the Bitbucket group it appears as in the workspaces it has a role on. */
  slug: text,
  /** Synced from an identity provider: the Admin API refuses membership changes. */
  idpManaged: z.boolean().default(false),
  members: z.array(text),
  roles: z.array(z.object({ workspace: text, role: OrgRole })),
});
export type SeedOrgGroup = z.infer<typeof SeedOrgGroup>;

export const SeedOrganization = z.object({
  id: text,
  /** The organization API key, sent as `Authorization: Bearer <apiKey>` to the Admin API. */
  apiKey: text,
  directoryId: text,
  /** Slugs of the workspaces this organization administers. */
  workspaces: z.array(text),
  groups: z.array(SeedOrgGroup),
});
export type SeedOrganization = z.infer<typeof SeedOrganization>;

/** For each org-administered workspace: its organization and the slugs of the org groups with a role on it. */
export function administeredWorkspaces(
  organizations: readonly SeedOrganization[] | undefined,
): Map<string, { org: string; groups: Set<string> }> {
  const out = new Map<string, { org: string; groups: Set<string> }>();
  for (const org of organizations ?? []) {
    for (const slug of org.workspaces) if (!out.has(slug)) out.set(slug, { org: org.id, groups: new Set() });
    for (const group of org.groups)
      for (const role of group.roles) {
        const entry = out.get(role.workspace);
        if (entry?.org === org.id) entry.groups.add(group.slug);
      }
  }
  return out;
}

/** References inside `organizations`: workspaces and users exist, ids and keys are unique. */
export function findOrganizationProblems(
  organizations: readonly SeedOrganization[] | undefined,
  users: ReadonlySet<string>,
  workspaces: ReadonlySet<string>,
): Problem[] {
  if (!organizations) return [];
  const problems: Problem[] = [];
  const at = (o: number, ...rest: PathSegment[]): PathSegment[] => ['organizations', o, ...rest];
  problems.push(
    ...duplicates(
      organizations,
      (o) => o.id,
      (o) => at(o, 'id'),
      'organization id',
    ),
    ...duplicates(
      organizations,
      (o) => o.apiKey,
      (o) => at(o, 'apiKey'),
      'organization apiKey',
    ),
  );
  // Group ids are unique across organizations, so an id alone names one group.
  const allGroups = organizations.flatMap((org, o) => org.groups.map((group, g) => ({ group, o, g })));
  problems.push(
    ...duplicates(
      allGroups,
      (x) => x.group.id,
      (i) => at(allGroups[i]?.o ?? 0, 'groups', allGroups[i]?.g ?? 0, 'id'),
      'organization group id',
    ),
  );
  const administeredBy = new Map<string, string>();
  organizations.forEach((org, o) => {
    org.workspaces.forEach((slug, w) => {
      if (!workspaces.has(slug))
        problems.push({ path: at(o, 'workspaces', w), message: `unknown workspace "${slug}"` });
      const other = administeredBy.get(slug);
      if (other !== undefined)
        problems.push({
          path: at(o, 'workspaces', w),
          message: `workspace "${slug}" is already administered by organization "${other}"`,
        });
      administeredBy.set(slug, org.id);
    });
    const own = new Set(org.workspaces);
    problems.push(
      ...duplicates(
        org.groups,
        (g) => g.slug,
        (g) => at(o, 'groups', g, 'slug'),
        'group slug',
      ),
    );
    org.groups.forEach((group, g) => {
      const where = (...rest: PathSegment[]) => at(o, 'groups', g, ...rest);
      problems.push(
        ...duplicates(
          group.members,
          (m) => m,
          (m) => where('members', m),
          'member',
        ),
      );
      group.members.forEach((accountId, m) => {
        if (!users.has(accountId))
          problems.push({ path: where('members', m), message: `unknown user "${accountId}"` });
      });
      problems.push(
        ...duplicates(
          group.roles,
          (r) => r.workspace,
          (r) => where('roles', r, 'workspace'),
          'role on',
        ),
      );
      group.roles.forEach((role, r) => {
        if (!own.has(role.workspace))
          problems.push({
            path: where('roles', r, 'workspace'),
            message: `workspace "${role.workspace}" is not administered by organization "${org.id}"`,
          });
      });
    });
  });
  return problems;
}
