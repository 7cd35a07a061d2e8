// `--seed demo`: one small, realistic workspace to try the connector against.
import { ALL_SCOPES } from './generate.js';

const people: [nickname: string, displayName: string, role: 'owner' | 'member'][] = [
  ['ada', 'Ada Lovelace', 'owner'],
  ['grace', 'Grace Hopper', 'owner'],
  ['alan', 'Alan Turing', 'member'],
  ['linus', 'Linus Torvalds', 'member'],
  ['margaret', 'Margaret Hamilton', 'member'],
  ['ken', 'Ken Thompson', 'member'],
  ['barbara', 'Barbara Liskov', 'member'],
  ['dennis', 'Dennis Ritchie', 'member'],
  ['frances', 'Frances Allen', 'member'],
  ['edsger', 'Edsger Dijkstra', 'member'],
  ['radia', 'Radia Perlman', 'member'],
  // An outside contractor is a plain member now that Bitbucket has no collaborator role.
  ['vendor', 'Vendor Contractor', 'member'],
];

const uuidFor = (i: number, kind: number) =>
  `{${(0x6f1c0000 + kind * 0x100 + i).toString(16)}-4b2a-4c3d-8e4f-${(0x5a6b7c8d9e00 + kind * 0x100 + i).toString(16)}}`;
const id = (nickname: string) => `557058:${nickname}`;

export function demoSeed() {
  return {
    credentials: [
      {
        kind: 'api-token',
        email: 'ada@example.com',
        token: 't0k3n',
        accountId: id('ada'),
        scopes: ALL_SCOPES,
      },
      {
        kind: 'api-token',
        email: 'alan@example.com',
        token: 'alan-read-token',
        accountId: id('alan'),
        scopes: ['read:workspace:bitbucket', 'read:user:bitbucket'],
      },
      { kind: 'oauth-client-credentials', clientId: 'cid', clientSecret: 'cs', accountId: id('ada') },
      { kind: 'access-token', token: 'wat', workspace: 'acme' },
    ],
    users: people.map(([nickname, displayName], i) => ({
      accountId: id(nickname),
      uuid: uuidFor(i, 1),
      displayName,
      nickname,
      accountStatus: 'active',
    })),
    workspaces: [
      {
        slug: 'acme',
        uuid: '{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}',
        name: 'Acme',
        members: people.map(([nickname, , role], i) => ({
          accountId: id(nickname),
          role,
          lastAccessed: i === 11 ? null : `2026-11-${String(1 + i).padStart(2, '0')}T10:00:00Z`,
        })),
        groups: [
          {
            slug: 'developers',
            name: 'Developers',
            defaultPermission: 'write',
            autoAdd: false,
            members: ['alan', 'linus', 'margaret', 'ken', 'barbara', 'dennis'].map(id),
          },
          {
            slug: 'administrators',
            name: 'Administrators',
            defaultPermission: null,
            autoAdd: false,
            members: [id('grace')],
          },
          {
            slug: 'qa',
            name: 'QA',
            defaultPermission: 'read',
            autoAdd: false,
            members: ['frances', 'edsger'].map(id),
          },
          {
            slug: 'contractors',
            name: 'Contractors',
            defaultPermission: null,
            autoAdd: false,
            members: [id('vendor')],
          },
        ],
        projects: [
          {
            key: 'CORE',
            uuid: uuidFor(1, 2),
            name: 'Core',
            isPrivate: true,
            userGrants: [{ accountId: id('margaret'), permission: 'admin' }],
            groupGrants: [
              { group: 'developers', permission: 'create-repo' },
              { group: 'administrators', permission: 'admin' },
            ],
          },
          {
            key: 'WEB',
            uuid: uuidFor(2, 2),
            name: 'Web',
            isPrivate: false,
            userGrants: [],
            groupGrants: [{ group: 'developers', permission: 'write' }],
          },
          {
            key: 'OPS',
            uuid: uuidFor(3, 2),
            name: 'Operations',
            isPrivate: true,
            userGrants: [{ accountId: id('radia'), permission: 'write' }],
            groupGrants: [{ group: 'administrators', permission: 'admin' }],
          },
        ],
        repositories: [
          repo(
            1,
            'api',
            'CORE',
            [['dennis', 'admin']],
            [
              ['developers', 'write'],
              ['qa', 'read'],
            ],
          ),
          repo(
            2,
            'billing',
            'CORE',
            [['vendor', 'read']],
            [
              ['developers', 'write'],
              ['qa', 'read'],
            ],
          ),
          repo(
            3,
            'auth-service',
            'CORE',
            [],
            [
              ['developers', 'write'],
              ['qa', 'read'],
              ['contractors', 'read'],
            ],
          ),
          repo(4, 'shared-libs', 'CORE', [['ken', 'admin']], [['developers', 'write']]),
          repo(
            5,
            'website',
            'WEB',
            [['vendor', 'write']],
            [
              ['developers', 'write'],
              ['qa', 'read'],
            ],
            false,
          ),
          repo(
            6,
            'mobile-app',
            'WEB',
            [['barbara', 'admin']],
            [
              ['developers', 'write'],
              ['qa', 'read'],
            ],
          ),
          repo(7, 'design-system', 'WEB', [], [['developers', 'read']]),
          repo(8, 'infrastructure', 'OPS', [['radia', 'admin']], [['administrators', 'admin']]),
          repo(9, 'runbooks', 'OPS', [['edsger', 'read']], [['developers', 'read']]),
          repo(10, 'secrets-rotation', 'OPS', [], []),
        ],
      },
    ],
  };
}

function repo(
  i: number,
  slug: string,
  project: string,
  users: [string, string][],
  groups: [string, string][],
  isPrivate = true,
) {
  return {
    slug,
    uuid: uuidFor(i, 3),
    name: slug,
    project,
    isPrivate,
    userGrants: users.map(([nickname, permission]) => ({ accountId: id(nickname), permission })),
    groupGrants: groups.map(([group, permission]) => ({ group, permission })),
  };
}
