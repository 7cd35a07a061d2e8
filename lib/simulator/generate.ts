// Deterministic seed generator: the same parameters give a byte-identical document.
import type { SeedDocument, SeedGroup, SeedMember, SeedProject, SeedRepository, SeedUser } from './seed.js';
import { SeedError } from './seed.js';

export interface GeneratorParams {
  users: number;
  groups: number;
  projects: number;
  repos: number;
  seed?: number;
  /** 1: the workspace is administered by organization `org-1` (GENERATED_ORG); 0 (default): it is not. */
  org?: number;
}

export const GENERATED_WORKSPACE = 'generated';
export const GENERATED_OWNER_EMAIL = 'admin@example.com';
export const GENERATED_OWNER_TOKEN = 'generated-token';
/** The organization of `org=1`: id, Admin API key and directory. */
export const GENERATED_ORG = { id: 'org-1', apiKey: 'org-key', directoryId: 'dir-1' } as const;

export const ALL_SCOPES = [
  'read:workspace:bitbucket',
  'read:user:bitbucket',
  'read:project:bitbucket',
  'read:repository:bitbucket',
  'read:pullrequest:bitbucket',
  'admin:workspace:bitbucket',
  'admin:project:bitbucket',
  'admin:repository:bitbucket',
  'write:permission:bitbucket',
  'delete:permission:bitbucket',
  'read:webhook:bitbucket',
  'write:webhook:bitbucket',
  'delete:webhook:bitbucket',
];

/** mulberry32: tiny, fast and good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Donald',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Knuth',
];
const GROUP_WORDS = [
  'developers',
  'platform',
  'security',
  'data',
  'mobile',
  'web',
  'infra',
  'qa',
  'design',
  'release',
  'support',
  'ml',
];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Parses `users=U,groups=G,projects=P,repos=R[,seed=S][,org=0|1]`. */
export function parseGeneratorSpec(spec: string): GeneratorParams {
  const values = new Map<string, number>();
  for (const part of spec.split(',')) {
    const [key, raw] = part.split('=');
    const value = Number(raw);
    if (!key || raw === undefined || !Number.isInteger(value) || value < 0)
      throw new SeedError(`generated: "${part}" is not key=non-negative-integer`, '(generator)');
    if (!['users', 'groups', 'projects', 'repos', 'seed', 'org'].includes(key))
      throw new SeedError(`generated: unknown parameter "${key}"`, '(generator)');
    values.set(key, value);
  }
  const need = (key: string): number => {
    const value = values.get(key);
    if (value === undefined) throw new SeedError(`generated: missing ${key}=N`, '(generator)');
    return value;
  };
  const params: GeneratorParams = {
    users: need('users'),
    groups: need('groups'),
    projects: need('projects'),
    repos: need('repos'),
  };
  const seed = values.get('seed');
  if (seed !== undefined) params.seed = seed;
  const org = values.get('org');
  if (org !== undefined && org > 1) throw new SeedError('generated: org must be 0 or 1', '(generator)');
  if (org) params.org = org;
  return params;
}

export function generateSeed(params: GeneratorParams): SeedDocument {
  const { users: userCount, groups: groupCount, projects: projectCount, repos: repoCount } = params;
  if (userCount < 1)
    throw new SeedError('generated: users must be at least 1 (someone owns the workspace)', '(generator)');
  if (repoCount > 0 && projectCount < 1)
    throw new SeedError('generated: repositories need at least one project', '(generator)');
  const random = prng(params.seed ?? 1);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const hex = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += '0123456789abcdef'[int(16)];
    return out;
  };
  const uuid = () => `{${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}}`;
  const width = String(Math.max(userCount, groupCount, projectCount, repoCount)).length;

  const users: SeedUser[] = [];
  const members: SeedMember[] = [];
  const ownerCount = Math.max(1, Math.ceil(userCount / 500));
  for (let i = 0; i < userCount; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const nickname = `${first.toLowerCase()}.${last.toLowerCase()}${i}`;
    const accountId = `557058:gen-${pad(i + 1, width)}`;
    users.push({
      accountId,
      uuid: uuid(),
      displayName: `${first} ${last}`,
      nickname,
      accountStatus: 'active',
    });
    const role = i < ownerCount ? 'owner' : 'member';
    // The draw that once picked collaborators (a role Bitbucket removed in 2022) is kept, so that every
    // generated workspace keeps the same users, groups and grants as before.
    if (i >= ownerCount) random();
    const day = 1 + int(28);
    const lastAccessed = random() < 0.1 ? null : `2026-10-${pad(day, 2)}T${pad(int(24), 2)}:00:00Z`;
    members.push({ accountId, role, lastAccessed });
  }

  // About one user in ten belongs to no group; group sizes fall off like 1/rank.
  const grouped = users.filter((_, i) => i < ownerCount || random() >= 0.1).map((u) => u.accountId);
  const groups: SeedGroup[] = [];
  for (let g = 0; g < groupCount; g++) {
    const target = Math.max(
      1,
      Math.min(grouped.length, Math.round((grouped.length * 0.4) / (g + 1)) + int(3)),
    );
    const chosen = new Set<string>();
    while (chosen.size < target) chosen.add(pick(grouped));
    const roll = random();
    const defaultPermission = g === 0 ? 'write' : roll < 0.1 ? 'read' : roll < 0.15 ? 'write' : null;
    groups.push({
      slug: `${pick(GROUP_WORDS)}-${pad(g + 1, width)}`,
      name: `Group ${g + 1}`,
      defaultPermission,
      autoAdd: random() < 0.05,
      members: [...chosen].sort(),
    });
  }

  const projectPermissions = ['read', 'write', 'create-repo', 'admin'] as const;
  const repoPermissions = ['read', 'write', 'admin'] as const;
  const someGroups = (max: number) => {
    const slugs = new Set<string>();
    const n = groups.length === 0 ? 0 : int(max + 1);
    for (let k = 0; k < n; k++) slugs.add(pick(groups).slug);
    return [...slugs];
  };
  const someUsers = (max: number) => {
    const ids = new Set<string>();
    const n = int(max + 1);
    for (let k = 0; k < n; k++) ids.add(pick(users).accountId);
    return [...ids];
  };

  const projects: SeedProject[] = [];
  for (let p = 0; p < projectCount; p++) {
    projects.push({
      key: `P${pad(p + 1, width)}`,
      uuid: uuid(),
      name: `Project ${p + 1}`,
      isPrivate: true,
      userGrants: someUsers(2).map((accountId) => ({ accountId, permission: pick(projectPermissions) })),
      groupGrants: someGroups(3).map((group) => ({ group, permission: pick(projectPermissions) })),
    });
  }

  const defaults = groups.filter((g) => g.defaultPermission !== null);
  const repositories: SeedRepository[] = [];
  for (let r = 0; r < repoCount; r++) {
    // Projects are uneven too: the low-numbered ones hold most repositories.
    const project = projects[Math.floor(projectCount * random() * random())] as SeedProject;
    const groupGrants = new Map<string, (typeof repoPermissions)[number]>();
    for (const g of defaults) if (g.defaultPermission) groupGrants.set(g.slug, g.defaultPermission);
    for (const slug of someGroups(2)) groupGrants.set(slug, pick(repoPermissions));
    repositories.push({
      slug: `repo-${pad(r + 1, width)}`,
      uuid: uuid(),
      name: `repo-${pad(r + 1, width)}`,
      project: project.key,
      isPrivate: random() >= 0.02,
      userGrants: someUsers(2).map((accountId) => ({ accountId, permission: pick(repoPermissions) })),
      groupGrants: [...groupGrants].map(([group, permission]) => ({ group, permission })),
    });
  }

  const owner = users[0] as SeedUser;
  const document: SeedDocument = {
    credentials: [
      {
        kind: 'api-token',
        email: GENERATED_OWNER_EMAIL,
        token: GENERATED_OWNER_TOKEN,
        accountId: owner.accountId,
        scopes: ALL_SCOPES,
      },
      {
        kind: 'oauth-client-credentials',
        clientId: 'generated-client',
        clientSecret: 'generated-secret',
        accountId: owner.accountId,
      },
      { kind: 'access-token', token: 'generated-access-token', workspace: GENERATED_WORKSPACE },
    ],
    users,
    workspaces: [
      {
        slug: GENERATED_WORKSPACE,
        uuid: uuid(),
        name: 'Generated Workspace',
        members,
        groups,
        projects,
        repositories,
      },
    ],
  };
  return params.org ? administeredByOrganization(document) : document;
}

/**
 * `org=1`: the generated groups become the groups of organization GENERATED_ORG (the first with the admin
 * role, the others member), and the workspace keeps as direct members only its owners and the users in no
 * group: everyone else is a member through their groups. Draws nothing from the random sequence.
 */
function administeredByOrganization(document: SeedDocument): SeedDocument {
  const ws = document.workspaces[0] as SeedDocument['workspaces'][number];
  const grouped = new Set(ws.groups.flatMap((g) => g.members));
  const width = String(ws.groups.length).length;
  return {
    ...document,
    workspaces: [
      { ...ws, members: ws.members.filter((m) => m.role === 'owner' || !grouped.has(m.accountId)) },
    ],
    organizations: [
      {
        ...GENERATED_ORG,
        workspaces: [ws.slug],
        groups: ws.groups.map((g, i) => ({
          id: `g-${pad(i + 1, width)}`,
          name: g.name,
          slug: g.slug,
          idpManaged: false,
          members: [...g.members],
          roles: [{ workspace: ws.slug, role: i === 0 ? ('admin' as const) : ('member' as const) }],
        })),
      },
    ],
  };
}
