// Seed parsing: the CONTRACTS.md format loads unchanged; problems are reported with their JSON path.
/* eslint-disable @typescript-eslint/no-explicit-any -- tests break seeds on purpose */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSeed, parseSeed, SeedError } from '../../../lib/simulator/index.js';

/** The example of CONTRACTS.md, with concrete uuids. */
const contractExample = () => ({
  credentials: [
    {
      kind: 'api-token',
      email: 'ada@example.com',
      token: 't0k3n',
      accountId: '557058:ada',
      scopes: ['read:workspace:bitbucket'],
    },
    { kind: 'oauth-client-credentials', clientId: 'cid', clientSecret: 'cs', accountId: '557058:ada' },
    { kind: 'access-token', token: 'wat', workspace: 'acme' },
  ],
  users: [
    {
      accountId: '557058:ada',
      uuid: '{6f1c0000-0000-4000-8000-000000000001}',
      displayName: 'Ada Lovelace',
      nickname: 'ada',
      accountStatus: 'active',
    },
  ],
  workspaces: [
    {
      slug: 'acme',
      uuid: '{0a1b0000-0000-4000-8000-000000000001}',
      name: 'Acme',
      members: [{ accountId: '557058:ada', role: 'owner', lastAccessed: '2026-11-01T10:00:00Z' }],
      groups: [
        {
          slug: 'developers',
          name: 'Developers',
          defaultPermission: 'write',
          autoAdd: false,
          members: ['557058:ada'],
        },
      ],
      projects: [
        {
          key: 'CORE',
          uuid: '{c0000000-0000-4000-8000-000000000001}',
          name: 'Core',
          isPrivate: true,
          userGrants: [{ accountId: '557058:ada', permission: 'admin' }],
          groupGrants: [{ group: 'developers', permission: 'create-repo' }],
        },
      ],
      repositories: [
        {
          slug: 'api',
          uuid: '{a0000000-0000-4000-8000-000000000001}',
          name: 'api',
          project: 'CORE',
          isPrivate: true,
          userGrants: [],
          groupGrants: [{ group: 'developers', permission: 'write' }],
        },
      ],
    },
  ],
});

function problem(mutate: (seed: any) => void): string {
  const seed = contractExample();
  mutate(seed);
  try {
    parseSeed(seed);
  } catch (error) {
    expect(error).toBeInstanceOf(SeedError);
    return (error as Error).message;
  }
  throw new Error('expected the seed to be refused');
}

describe('seed parsing', () => {
  it('accepts the CONTRACTS.md example unchanged', () => {
    expect(parseSeed(contractExample())).toEqual(contractExample());
  });

  it('accepts lastAccessed null or absent and defaultPermission null', () => {
    const seed = contractExample();
    seed.workspaces[0]!.members[0]!.lastAccessed = null as unknown as string;
    (seed.workspaces[0]!.groups[0] as { defaultPermission: string | null }).defaultPermission = null;
    expect(() => parseSeed(seed)).not.toThrow();
  });

  it('names the JSON path of an unknown project', () => {
    expect(problem((s) => (s.workspaces[0].repositories[0].project = 'NOPE'))).toBe(
      'workspaces[0].repositories[0].project: unknown project "NOPE"',
    );
  });

  it('names the JSON path of shape errors', () => {
    expect(problem((s) => (s.workspaces[0].members[0].role = 'king'))).toMatch(
      /^workspaces\[0\]\.members\[0\]\.role: /,
    );
    expect(problem((s) => delete s.users[0].displayName)).toMatch(/^users\[0\]\.displayName: /);
    expect(
      problem((s) => (s.workspaces[0].repositories[0].groupGrants[0].permission = 'create-repo')),
    ).toMatch(/^workspaces\[0\]\.repositories\[0\]\.groupGrants\[0\]\.permission: /);
    expect(problem((s) => (s.users[0].uuid = 'no-braces'))).toMatch(/^users\[0\]\.uuid: /);
  });

  it('checks every cross reference', () => {
    expect(problem((s) => (s.workspaces[0].groups[0].members = ['557058:ghost']))).toBe(
      'workspaces[0].groups[0].members[0]: "557058:ghost" is not a member of workspace "acme"',
    );
    expect(problem((s) => (s.workspaces[0].projects[0].groupGrants[0].group = 'ghosts'))).toBe(
      'workspaces[0].projects[0].groupGrants[0].group: unknown group "ghosts"',
    );
    expect(problem((s) => (s.credentials[2].workspace = 'elsewhere'))).toBe(
      'credentials[2].workspace: unknown workspace "elsewhere"',
    );
    expect(problem((s) => (s.credentials[0].accountId = '557058:nobody'))).toBe(
      'credentials[0].accountId: unknown user "557058:nobody"',
    );
    expect(problem((s) => s.workspaces[0].repositories.push({ ...s.workspaces[0].repositories[0] }))).toBe(
      'workspaces[0].repositories[1].slug: duplicate repository slug "api"',
    );
  });
});

describe('loadSeed', () => {
  it('loads demo, generated specs and files', () => {
    expect(loadSeed('demo').workspaces[0]?.slug).toBe('acme');
    expect(loadSeed('generated:users=5,groups=2,projects=1,repos=3').users).toHaveLength(5);
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const file = join(dir, 'seed.json');
    writeFileSync(file, JSON.stringify(contractExample()));
    expect(loadSeed(file)).toEqual(contractExample());
  });

  it('reports unreadable files, bad JSON and bad generator specs as SeedError', () => {
    expect(() => loadSeed('/nonexistent/seed.json')).toThrow(SeedError);
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ not json');
    expect(() => loadSeed(file)).toThrow(/is not JSON/);
    expect(() => loadSeed('generated:users=5,groups=2')).toThrow(/missing projects/);
    expect(() => loadSeed('generated:users=-1,groups=2,projects=1,repos=1')).toThrow(SeedError);
    expect(() => loadSeed('generated:users=5,groups=2,projects=1,repos=1,colour=3')).toThrow(
      /unknown parameter/,
    );
  });

  it('the demo seed is realistic: owner credential, public repo, a default-write group', () => {
    const demo = loadSeed('demo');
    const ws = demo.workspaces[0]!;
    expect(demo.credentials).toContainEqual(
      expect.objectContaining({
        kind: 'api-token',
        email: 'ada@example.com',
        token: 't0k3n',
        accountId: '557058:ada',
      }),
    );
    expect(demo.credentials.map((c) => c.kind)).toEqual(
      expect.arrayContaining(['oauth-client-credentials', 'access-token']),
    );
    expect(demo.users.length).toBeGreaterThanOrEqual(10);
    expect(ws.groups).toHaveLength(4);
    expect(ws.groups.some((g) => g.defaultPermission === 'write')).toBe(true);
    expect(ws.projects).toHaveLength(3);
    expect(ws.repositories.filter((r) => !r.isPrivate)).toHaveLength(1);
    expect(ws.members.find((m) => m.accountId === '557058:ada')?.role).toBe('owner');
  });
});
