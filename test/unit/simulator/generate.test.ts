// The seed generator: deterministic to the byte, the requested sizes, plausible distributions.
import { describe, expect, it } from 'vitest';
import { generateSeed, parseSeed } from '../../../lib/simulator/index.js';

describe('generateSeed', () => {
  it('is byte-identical for the same parameters and differs for another seed', () => {
    const params = { users: 300, groups: 12, projects: 6, repos: 200, seed: 42 };
    expect(JSON.stringify(generateSeed(params))).toBe(JSON.stringify(generateSeed(params)));
    expect(JSON.stringify(generateSeed({ ...params, seed: 43 }))).not.toBe(
      JSON.stringify(generateSeed(params)),
    );
  });

  it('has the requested sizes and passes seed validation', () => {
    const seed = parseSeed(generateSeed({ users: 500, groups: 20, projects: 10, repos: 400, seed: 1 }));
    const ws = seed.workspaces[0]!;
    expect(seed.users).toHaveLength(500);
    expect(ws.members).toHaveLength(500);
    expect(ws.groups).toHaveLength(20);
    expect(ws.projects).toHaveLength(10);
    expect(ws.repositories).toHaveLength(400);
  });

  it('includes the owner API-token credential on the first owner', () => {
    const seed = generateSeed({ users: 50, groups: 3, projects: 2, repos: 10 });
    const credential = seed.credentials.find((c) => c.kind === 'api-token');
    expect(credential).toMatchObject({
      email: 'admin@example.com',
      token: 'generated-token',
      accountId: seed.users[0]!.accountId,
    });
    expect(seed.workspaces[0]!.members[0]).toMatchObject({
      accountId: seed.users[0]!.accountId,
      role: 'owner',
    });
  });

  it('has plausible distributions: uneven groups, users in no group, some public repos, default grants', () => {
    const ws = generateSeed({ users: 2000, groups: 30, projects: 20, repos: 2000, seed: 5 }).workspaces[0]!;
    const sizes = ws.groups.map((g) => g.members.length);
    expect(Math.max(...sizes)).toBeGreaterThan(10 * Math.min(...sizes));
    const grouped = new Set(ws.groups.flatMap((g) => g.members));
    expect(ws.members.length - grouped.size).toBeGreaterThan(50);
    const publicRepos = ws.repositories.filter((r) => !r.isPrivate).length;
    expect(publicRepos).toBeGreaterThan(0);
    expect(publicRepos).toBeLessThan(ws.repositories.length / 10);
    const defaults = ws.groups.filter((g) => g.defaultPermission !== null).map((g) => g.slug);
    expect(defaults.length).toBeGreaterThan(0);
    for (const repo of ws.repositories)
      expect(repo.groupGrants.map((g) => g.group)).toEqual(expect.arrayContaining(defaults));
    // Bitbucket removed the collaborator role in 2022: the generator makes owners and members only.
    expect(new Set(ws.members.map((m) => m.role))).toEqual(new Set(['owner', 'member']));
  });

  it('handles 10,000 users and 10,000 repositories', () => {
    const seed = generateSeed({ users: 10_000, groups: 100, projects: 100, repos: 10_000, seed: 3 });
    expect(seed.users).toHaveLength(10_000);
    expect(seed.workspaces[0]!.repositories).toHaveLength(10_000);
    expect(() => parseSeed(seed)).not.toThrow();
  });
});
