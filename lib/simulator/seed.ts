// The simulator's seed format (CONTRACTS.md "Simulator seed file"), its zod schema, and loading.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { demoSeed } from './demo-seed.js';
import { generateSeed, parseGeneratorSpec } from './generate.js';
import type { PathSegment, Problem } from './seed-problems.js';
import { duplicates } from './seed-problems.js';
import { administeredWorkspaces, findOrganizationProblems, SeedOrganization } from './seed-organizations.js';

/**
 * Bitbucket removed the `collaborator` role in 2022: a workspace permission is owner or member. Seed files
 * may still say `collaborator` (CONTRACTS.md lists it, and seeds written for earlier versions use it): it
 * is read as `member`, so the simulator never answers a role Bitbucket no longer has.
 */
export const WorkspaceRole = z.preprocess(
  (role) => (role === 'collaborator' ? 'member' : role),
  z.enum(['owner', 'member']),
);
export const ProjectPermission = z.enum(['read', 'write', 'create-repo', 'admin']);
export const RepositoryPermission = z.enum(['read', 'write', 'admin']);
export const DefaultPermission = RepositoryPermission.nullable();

const text = z.string().min(1);
const bracedUuid = z.string().regex(/^\{[^{}]+\}$/, 'a UUID in braces, e.g. "{6f1c…}"');

const ApiTokenSeedCredential = z.object({
  kind: z.literal('api-token'),
  email: text,
  token: text,
  accountId: text,
  // Absent means every scope: convenient for hand-written seeds.
  scopes: z.array(text).optional(),
});
const OAuthSeedCredential = z.object({
  kind: z.literal('oauth-client-credentials'),
  clientId: text,
  clientSecret: text,
  accountId: text,
  scopes: z.array(text).optional(),
});
const AccessTokenSeedCredential = z.object({
  kind: z.literal('access-token'),
  token: text,
  workspace: text,
  scopes: z.array(text).optional(),
  /**
   * The token's scaled requests per rolling hour (Bitbucket scales access tokens' limits between 1,000
   * and 10,000 by plan and users; "API request limits"); default the simulator's hourly limit.
   */
  hourlyRequestLimit: z.number().int().positive().optional(),
});
export const SeedCredential = z.discriminatedUnion('kind', [
  ApiTokenSeedCredential,
  OAuthSeedCredential,
  AccessTokenSeedCredential,
]);
export type SeedCredential = z.infer<typeof SeedCredential>;

export const SeedUser = z.object({
  accountId: text,
  uuid: bracedUuid,
  displayName: text,
  nickname: z.string().optional(),
  accountStatus: z.string().optional(),
  createdOn: z.string().optional(),
});
export type SeedUser = z.infer<typeof SeedUser>;

const UserGrant = <P extends z.ZodType>(permission: P) => z.object({ accountId: text, permission });
const GroupGrant = <P extends z.ZodType>(permission: P) => z.object({ group: text, permission });

export const SeedMember = z.object({
  accountId: text,
  role: WorkspaceRole,
  lastAccessed: z.string().nullable().optional(),
});
export type SeedMember = z.infer<typeof SeedMember>;

export const SeedGroup = z.object({
  slug: text,
  name: text,
  defaultPermission: DefaultPermission,
  autoAdd: z.boolean(),
  members: z.array(text),
});
export type SeedGroup = z.infer<typeof SeedGroup>;

export const SeedProject = z.object({
  key: text,
  uuid: bracedUuid,
  name: text,
  isPrivate: z.boolean(),
  description: z.string().optional(),
  userGrants: z.array(UserGrant(ProjectPermission)),
  groupGrants: z.array(GroupGrant(ProjectPermission)),
});
export type SeedProject = z.infer<typeof SeedProject>;

export const SeedRepository = z.object({
  slug: text,
  uuid: bracedUuid,
  name: text,
  project: text,
  isPrivate: z.boolean(),
  userGrants: z.array(UserGrant(RepositoryPermission)),
  groupGrants: z.array(GroupGrant(RepositoryPermission)),
});
export type SeedRepository = z.infer<typeof SeedRepository>;

/** Extension: webhook subscriptions, so that GET /_simulator/state captures them too. */
export const SeedHook = z.object({
  uuid: bracedUuid,
  url: z.url(),
  description: z.string(),
  active: z.boolean(),
  secret: z.string().nullable().optional(),
  events: z.array(text).min(1),
  createdAt: z.string().optional(),
});
export type SeedHook = z.infer<typeof SeedHook>;

export const SeedWorkspace = z.object({
  slug: text,
  uuid: bracedUuid,
  name: text,
  /** Extension: adding members beyond this answers 402, as Bitbucket does for a plan's user limit. */
  planUserLimit: z.number().int().positive().optional(),
  members: z.array(SeedMember),
  groups: z.array(SeedGroup),
  projects: z.array(SeedProject),
  repositories: z.array(SeedRepository),
  hooks: z.array(SeedHook).optional(),
});
export type SeedWorkspace = z.infer<typeof SeedWorkspace>;

export const SeedDocument = z
  .object({
    credentials: z.array(SeedCredential),
    users: z.array(SeedUser),
    workspaces: z.array(SeedWorkspace),
    /**
     * Extension (CONTRACTS.md): organizations administering some workspaces in admin.atlassian.com. In such
     * a workspace `groups` only carry Bitbucket-side settings (defaultPermission, autoAdd) of the org groups
     * with a role on it (their `members` are ignored: membership lives in the org group), and `members`
     * holds the direct members only: the others follow from the org groups' roles.
     */
    organizations: z.array(SeedOrganization).optional(),
  })
  .superRefine((seed, ctx) => {
    for (const problem of findReferenceProblems(seed)) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
  });
export type SeedDocument = z.infer<typeof SeedDocument>;

/** A seed that does not parse or does not hang together; the message starts with the JSON path. */
export class SeedError extends Error {
  override readonly name = 'SeedError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Cross-references zod cannot express: every name used must exist where it is used. */
function findReferenceProblems(seed: {
  credentials: SeedCredential[];
  users: SeedUser[];
  workspaces: SeedWorkspace[];
  organizations?: SeedOrganization[] | undefined;
}): Problem[] {
  const problems: Problem[] = [];
  const users = new Set(seed.users.map((u) => u.accountId));
  problems.push(
    ...duplicates(
      seed.users,
      (u) => u.accountId,
      (i) => ['users', i, 'accountId'],
      'accountId',
    ),
  );
  problems.push(
    ...duplicates(
      seed.users,
      (u) => u.uuid.toLowerCase(),
      (i) => ['users', i, 'uuid'],
      'user uuid',
    ),
  );
  problems.push(
    ...duplicates(
      seed.workspaces,
      (w) => w.slug,
      (i) => ['workspaces', i, 'slug'],
      'workspace slug',
    ),
  );
  const workspaceSlugs = new Set(seed.workspaces.map((w) => w.slug));
  problems.push(...findOrganizationProblems(seed.organizations, users, workspaceSlugs));
  const administered = administeredWorkspaces(seed.organizations);

  seed.credentials.forEach((credential, i) => {
    if (credential.kind === 'access-token') {
      if (!workspaceSlugs.has(credential.workspace))
        problems.push({
          path: ['credentials', i, 'workspace'],
          message: `unknown workspace "${credential.workspace}"`,
        });
    } else if (!users.has(credential.accountId)) {
      problems.push({
        path: ['credentials', i, 'accountId'],
        message: `unknown user "${credential.accountId}"`,
      });
    }
  });

  seed.workspaces.forEach((ws, w) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['workspaces', w, ...rest];
    const members = new Set(ws.members.map((m) => m.accountId));
    const orgGroups = administered.get(ws.slug)?.groups;
    // In an org-administered workspace the groups are the org groups with a role on it.
    const groups = orgGroups ?? new Set(ws.groups.map((g) => g.slug));
    const projects = new Set(ws.projects.map((p) => p.key));
    problems.push(
      ...duplicates(
        ws.members,
        (m) => m.accountId,
        (i) => at('members', i, 'accountId'),
        'member',
      ),
    );
    problems.push(
      ...duplicates(
        ws.groups,
        (g) => g.slug,
        (i) => at('groups', i, 'slug'),
        'group slug',
      ),
    );
    problems.push(
      ...duplicates(
        ws.projects,
        (p) => p.key,
        (i) => at('projects', i, 'key'),
        'project key',
      ),
    );
    problems.push(
      ...duplicates(
        ws.repositories,
        (r) => r.slug,
        (i) => at('repositories', i, 'slug'),
        'repository slug',
      ),
    );
    ws.members.forEach((m, i) => {
      if (!users.has(m.accountId))
        problems.push({ path: at('members', i, 'accountId'), message: `unknown user "${m.accountId}"` });
    });
    if (orgGroups)
      ws.groups.forEach((g, i) => {
        if (!orgGroups.has(g.slug))
          problems.push({
            path: at('groups', i, 'slug'),
            message: `group "${g.slug}" is not an organization group with a role on workspace "${ws.slug}"`,
          });
      });
    else
      ws.groups.forEach((g, i) =>
        g.members.forEach((accountId, j) => {
          if (!members.has(accountId))
            problems.push({
              path: at('groups', i, 'members', j),
              message: `"${accountId}" is not a member of workspace "${ws.slug}"`,
            });
        }),
      );
    const checkGrants = (
      grants: { userGrants: { accountId: string }[]; groupGrants: { group: string }[] },
      where: PathSegment[],
    ) => {
      grants.userGrants.forEach((g, i) => {
        if (!users.has(g.accountId))
          problems.push({
            path: [...where, 'userGrants', i, 'accountId'],
            message: `unknown user "${g.accountId}"`,
          });
      });
      grants.groupGrants.forEach((g, i) => {
        if (!groups.has(g.group))
          problems.push({
            path: [...where, 'groupGrants', i, 'group'],
            message: `unknown group "${g.group}"`,
          });
      });
      problems.push(
        ...duplicates(
          grants.userGrants,
          (g) => g.accountId,
          (i) => [...where, 'userGrants', i],
          'user grant',
        ),
        ...duplicates(
          grants.groupGrants,
          (g) => g.group,
          (i) => [...where, 'groupGrants', i],
          'group grant',
        ),
      );
    };
    ws.projects.forEach((p, i) => checkGrants(p, at('projects', i)));
    ws.repositories.forEach((r, i) => {
      if (!projects.has(r.project))
        problems.push({ path: at('repositories', i, 'project'), message: `unknown project "${r.project}"` });
      checkGrants(r, at('repositories', i));
    });
  });
  return problems;
}

/** Validates a parsed JSON value as a seed; throws SeedError naming the first problem's JSON path. */
export function parseSeed(value: unknown): SeedDocument {
  const result = SeedDocument.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = formatJsonPath(issue?.path ?? []);
  throw new SeedError(`${path}: ${issue?.message ?? 'invalid seed'}`, path);
}

/** `demo`, `generated:users=U,groups=G,projects=P,repos=R[,seed=S][,org=0|1]`, or a path to a JSON seed file. */
export function loadSeed(spec: string): SeedDocument {
  if (spec === 'demo') return parseSeed(demoSeed());
  if (spec.startsWith('generated:')) return generateSeed(parseGeneratorSpec(spec.slice('generated:'.length)));
  let raw: string;
  try {
    raw = readFileSync(spec, 'utf8');
  } catch (error) {
    throw new SeedError(
      `cannot read seed file "${spec}": ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      '(file)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new SeedError(`seed file "${spec}" is not JSON: ${(error as Error).message}`, '(file)');
  }
  return parseSeed(json);
}
