// Organizations in the seed: validation of their references, the derivation of org-administered workspaces
// in SimulatorState (one member Set per group, highest role wins), and the generator's `org=1`.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateSeed, loadSeed, parseSeed, SeedError } from '../../../lib/simulator/index.js';
import type { SeedDocument } from '../../../lib/simulator/index.js';
import { parseGeneratorSpec } from '../../../lib/simulator/generate.js';
import { SimulatorState } from '../../../lib/simulator/state.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seeds/org-acme.json', import.meta.url));
const fixture = (): SeedDocument => structuredClone(loadSeed(FIXTURE));

function problemOf(change: (seed: SeedDocument) => void): string {
  const seed = fixture();
  change(seed);
  try {
    parseSeed(seed);
  } catch (error) {
    expect(error).toBeInstanceOf(SeedError);
    return (error as Error).message;
  }
  return 'no problem';
}

describe('seed validation of organizations', () => {
  it('accepts the fixture and defaults idpManaged to false', () => {
    const seed = fixture();
    const raw = JSON.parse(JSON.stringify(seed));
    delete raw.organizations[0].groups[0].idpManaged;
    expect(parseSeed(raw).organizations?.[0]?.groups[0]?.idpManaged).toBe(false);
  });

  it('names the JSON path of every broken reference', () => {
    expect(problemOf((s) => s.organizations![0]!.workspaces.push('nowhere'))).toBe(
      'organizations[0].workspaces[1]: unknown workspace "nowhere"',
    );
    expect(problemOf((s) => s.organizations![0]!.groups[0]!.members.push('557058:ghost'))).toBe(
      'organizations[0].groups[0].members[3]: unknown user "557058:ghost"',
    );
    expect(problemOf((s) => (s.organizations![0]!.groups[1]!.id = 'g-developers'))).toBe(
      'organizations[0].groups[1].id: duplicate organization group id "g-developers"',
    );
    expect(
      problemOf((s) => s.organizations![0]!.groups[0]!.roles.push({ workspace: 'other', role: 'member' })),
    ).toBe(
      'organizations[0].groups[0].roles[1].workspace: workspace "other" is not administered by organization "org-1"',
    );
    expect(
      problemOf((s) =>
        s.organizations!.push({
          id: 'org-2',
          apiKey: 'k2',
          directoryId: 'd2',
          workspaces: ['acme'],
          groups: [],
        }),
      ),
    ).toBe(
      'organizations[1].workspaces[0]: workspace "acme" is already administered by organization "org-1"',
    );
    expect(
      problemOf((s) =>
        s.organizations!.push({
          id: 'org-2',
          apiKey: 'org-key',
          directoryId: 'd2',
          workspaces: [],
          groups: [],
        }),
      ),
    ).toBe('organizations[1].apiKey: duplicate organization apiKey "org-key"');
  });

  it('takes an org-administered workspace’s groups from the org groups with a role on it', () => {
    // A Bitbucket group the organization does not give a role is refused…
    expect(
      problemOf((s) =>
        s.workspaces[0]!.groups.push({
          slug: 'extra',
          name: 'Extra',
          defaultPermission: null,
          autoAdd: false,
          members: [],
        }),
      ),
    ).toBe(
      'workspaces[0].groups[3].slug: group "extra" is not an organization group with a role on workspace "acme"',
    );
    // …and a grant may only name a group that has one.
    expect(
      problemOf((s) => {
        s.organizations![0]!.groups[2]!.roles = [];
        s.workspaces[0]!.groups.pop();
      }),
    ).toMatch(/groupGrants\[1\]\.group: unknown group "contractors"$/);
    // Grants to an org group need no Bitbucket group entry in the seed.
    expect(problemOf((s) => (s.workspaces[0]!.groups = []))).toBe('no problem');
  });
});

describe('SimulatorState of an org-administered workspace', () => {
  it('shares the org group’s member Set and derives members, roles and the group index', () => {
    const state = new SimulatorState(parseSeed(fixture()));
    const ws = state.workspaces.get('acme')!;
    const org = state.organizations.get('org-1')!;
    expect(ws.organization).toBe('org-1');
    expect(ws.groups.get('developers')!.members).toBe(org.groups.get('g-developers')!.members);
    expect(ws.groups.get('developers')!.defaultPermission).toBe('write');
    expect(ws.members.get('557058:grace')?.role).toBe('owner');
    expect(ws.members.get('557058:alan')?.role).toBe('member');
    expect([...ws.groupsOfUser.get('557058:vendor')!]).toEqual(['contractors']);
    expect([...ws.direct!.keys()]).toEqual(['557058:ada', '557058:radia']);
  });

  it('lets the highest role win between a direct role and the groups’ roles', () => {
    const seed = fixture();
    seed.workspaces[0]!.members.push({ accountId: '557058:alan', role: 'owner' });
    seed.workspaces[0]!.members.push({ accountId: '557058:grace', role: 'member' });
    const ws = new SimulatorState(parseSeed(seed)).workspaces.get('acme')!;
    expect(ws.members.get('557058:alan')?.role).toBe('owner');
    expect(ws.members.get('557058:grace')?.role).toBe('owner');
  });

  it('round-trips through toSeed, and leaves seeds without organizations as they were', () => {
    const seed = parseSeed(fixture());
    expect(new SimulatorState(seed).toSeed()).toEqual(seed);
    const demo = loadSeed('demo');
    const state = new SimulatorState(demo);
    expect(state.toSeed()).not.toHaveProperty('organizations');
    expect(state.workspaces.get('acme')!.organization).toBeUndefined();
  });
});

describe('generated seeds with org=1', () => {
  const params = { users: 40, groups: 4, projects: 3, repos: 12, seed: 7 };
  const sha = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

  it('without org the output is byte-identical to what the generator made before organizations', () => {
    expect(sha(generateSeed(params))).toBe(
      '2fba114d6a6e7e4560a7186f2124b618ca1588e9909655a09d2e2dc57fd00b9a',
    );
    expect(JSON.stringify(generateSeed({ ...params, org: 0 }))).toBe(JSON.stringify(generateSeed(params)));
    expect(parseGeneratorSpec('users=1,groups=0,projects=0,repos=0')).not.toHaveProperty('org');
  });

  it('parses org=0|1 and refuses other values', () => {
    expect(parseGeneratorSpec('users=3,groups=1,projects=1,repos=1,org=1').org).toBe(1);
    expect(() => parseGeneratorSpec('users=3,groups=1,projects=1,repos=1,org=2')).toThrow(SeedError);
  });

  it('makes one organization of the generated groups (first admin, others member); members stay members, owners owners', () => {
    const plain = generateSeed(params);
    const seed = parseSeed(generateSeed({ ...params, org: 1 }));
    const org = seed.organizations![0]!;
    expect(org).toMatchObject({
      id: 'org-1',
      apiKey: 'org-key',
      directoryId: 'dir-1',
      workspaces: ['generated'],
    });
    const groups = plain.workspaces[0]!.groups;
    expect(org.groups.map((g) => [g.slug, g.name, g.members, g.roles[0]?.role])).toEqual(
      groups.map((g, i) => [g.slug, g.name, g.members, i === 0 ? 'admin' : 'member']),
    );
    const before = new SimulatorState(plain).workspaces.get('generated')!;
    const after = new SimulatorState(seed).workspaces.get('generated')!;
    expect([...after.members.keys()].sort()).toEqual([...before.members.keys()].sort());
    const admins = new Set(groups[0]!.members);
    for (const [accountId, member] of before.members) {
      const expected = member.role === 'owner' || admins.has(accountId) ? 'owner' : 'member';
      expect(after.members.get(accountId)?.role, accountId).toBe(expected);
    }
    // Grouped users are members through their groups, not directly.
    const grouped = new Set(groups.flatMap((g) => g.members));
    for (const member of seed.workspaces[0]!.members)
      expect(member.role === 'owner' || !grouped.has(member.accountId)).toBe(true);
  });
});
