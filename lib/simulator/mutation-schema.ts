// The control API's mutation vocabulary: one zod schema per admin action, keyed by `op`.
import * as z from 'zod';
import {
  DefaultPermission,
  ProjectPermission,
  RepositoryPermission,
  SeedUser,
  WorkspaceRole,
} from './seed.js';
import { OrgRole } from './seed-organizations.js';

const text = z.string().min(1);
const base = { workspace: text, actor: text.optional() };
const principal = { user: text.optional(), group: text.optional() };

export const Mutation = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('addMember'),
    ...base,
    accountId: text,
    role: WorkspaceRole.default('member'),
    user: SeedUser.omit({ accountId: true, uuid: true }).extend({ uuid: z.string().optional() }).optional(),
  }),
  z.object({ op: z.literal('removeMember'), ...base, accountId: text }),
  z.object({ op: z.literal('setMemberRole'), ...base, accountId: text, role: WorkspaceRole }),
  z.object({
    op: z.literal('createGroup'),
    ...base,
    group: z.object({
      slug: text,
      name: text,
      defaultPermission: DefaultPermission.default(null),
      autoAdd: z.boolean().default(false),
    }),
  }),
  z.object({ op: z.literal('deleteGroup'), ...base, group: text }),
  z.object({ op: z.literal('addGroupMember'), ...base, group: text, accountId: text }),
  z.object({ op: z.literal('removeGroupMember'), ...base, group: text, accountId: text }),
  z.object({
    op: z.literal('setGroupDefaultPermission'),
    ...base,
    group: text,
    permission: DefaultPermission,
  }),
  z.object({
    op: z.literal('createProject'),
    ...base,
    project: z.object({
      key: text,
      name: text,
      uuid: z.string().optional(),
      isPrivate: z.boolean().default(true),
      description: z.string().optional(),
    }),
  }),
  z.object({ op: z.literal('deleteProject'), ...base, project: text }),
  z.object({
    op: z.literal('renameProject'),
    ...base,
    project: text,
    newName: text.optional(),
    newKey: text.optional(),
  }),
  z.object({
    op: z.literal('updateProject'),
    ...base,
    project: text,
    name: text.optional(),
    description: z.string().optional(),
    isPrivate: z.boolean().optional(),
  }),
  z.object({
    op: z.literal('createRepository'),
    ...base,
    repository: z.object({
      slug: text,
      name: text.optional(),
      project: text,
      isPrivate: z.boolean().default(true),
      uuid: z.string().optional(),
    }),
  }),
  z.object({ op: z.literal('deleteRepository'), ...base, slug: text }),
  z.object({
    op: z.literal('renameRepository'),
    ...base,
    slug: text,
    newSlug: text.optional(),
    newName: text.optional(),
  }),
  z.object({ op: z.literal('moveRepository'), ...base, slug: text, project: text }),
  z.object({ op: z.literal('setRepositoryPrivacy'), ...base, slug: text, isPrivate: z.boolean() }),
  z.object({
    op: z.literal('grantProject'),
    ...base,
    project: text,
    ...principal,
    permission: ProjectPermission,
  }),
  z.object({
    op: z.literal('revokeProject'),
    ...base,
    project: text,
    ...principal,
    permission: ProjectPermission.optional(),
  }),
  z.object({
    op: z.literal('grantRepository'),
    ...base,
    repository: text,
    ...principal,
    permission: RepositoryPermission,
  }),
  z.object({
    op: z.literal('revokeRepository'),
    ...base,
    repository: text,
    ...principal,
    permission: RepositoryPermission.optional(),
  }),
  z.object({
    op: z.literal('push'),
    ...base,
    repository: text,
    accountId: text,
    branch: text.default('main'),
    /** The pushed commit's author date; default 30 days before the push (real pushes carry old commits). */
    commitDate: z.iso.datetime({ offset: true }).optional(),
  }),
  z.object({
    op: z.literal('pullRequest'),
    ...base,
    repository: text,
    accountId: text,
    action: z.enum([
      'created',
      'updated',
      'approved',
      'unapproved',
      'fulfilled',
      'rejected',
      'comment_created',
      'changes_request_created',
      'push',
    ]),
    id: z.number().int().positive().default(1),
    title: z.string().default('Simulated pull request'),
  }),
  // Organization changes (admin.atlassian.com): no `workspace`; `group` is an org group id or slug.
  z.object({ op: z.literal('orgAddGroupMember'), org: text, group: text, accountId: text }),
  z.object({ op: z.literal('orgRemoveGroupMember'), org: text, group: text, accountId: text }),
  z.object({
    op: z.literal('orgSetGroupRole'),
    org: text,
    group: text,
    workspace: text,
    /** null takes the group's role on the workspace away. */
    role: OrgRole.nullable(),
  }),
]);
export type Mutation = z.infer<typeof Mutation>;
export const MutationsBody = z.object({ mutations: z.array(z.unknown()) });
