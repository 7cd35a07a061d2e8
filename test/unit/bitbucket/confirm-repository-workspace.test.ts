// The removal confirmation of a repository reads it by uuid; Bitbucket answers a uuid under any workspace
// segment (OpenAPI `repository.uuid`: a uuid URL survives a transfer), so the answer's workspace decides.
// A scripted BitbucketClient stands in: `workspace` may be absent (the OpenAPI object does not declare it).
import { describe, expect, it } from 'vitest';
import type { BitbucketClient } from '../../../lib/bitbucket/client.js';
import { confirmAbsentInBitbucket } from '../../../lib/bitbucket/confirmations.js';
import type { Repository } from '../../../lib/bitbucket/schemas.js';
import { itemIdentity, resource } from '../../../lib/model/index.js';

const ACME = { id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', slug: 'acme' };
const REPO = '7e57a11e-0000-4000-8000-00000000beef';
const stored = resource('repository', REPO, {
  slug: 'moved',
  name: 'moved',
  fullName: 'acme/moved',
  projectUuid: '7e57a11e-0000-4000-8000-0000000000aa',
  isPrivate: true,
});

function answering(repository: Repository | null): { client: BitbucketClient; asked: string[] } {
  const asked: string[] = [];
  const client = {
    getRepository: (workspace: string, ref: string) => {
      asked.push(`${workspace}/${ref}`);
      return Promise.resolve(repository);
    },
  } as unknown as BitbucketClient;
  return { client, asked };
}

const answer = (fullName: string, workspaceUuid?: string): Repository => ({
  uuid: `{${REPO}}`,
  slug: 'moved',
  name: 'moved',
  full_name: fullName,
  is_private: true,
  project: { key: 'MOV', uuid: '{7e57a11e-0000-4000-8000-0000000000aa}' },
  ...(workspaceUuid ? { workspace: { uuid: workspaceUuid } } : {}),
});

const confirm = (client: BitbucketClient) =>
  confirmAbsentInBitbucket(client, ACME, { kind: 'repositories' }, [stored], {});

describe('confirming a repository: the answer must be in the governed workspace', () => {
  it('asks by {uuid} under the governed slug', async () => {
    const { client, asked } = answering(null);
    expect(await confirm(client)).toEqual({ gone: [itemIdentity(stored)], present: [] });
    expect(asked).toEqual([`acme/{${REPO}}`]);
  });

  it('another workspace.uuid is gone, even when full_name still starts with the slug', async () => {
    const { client } = answering(answer('acme/moved', '{9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d}'));
    expect(await confirm(client)).toEqual({ gone: [itemIdentity(stored)], present: [] });
  });

  it('the governed workspace.uuid (braces and case aside) is present', async () => {
    const { client } = answering(answer('acme/moved', `{${ACME.id.toUpperCase()}}`));
    const check = await confirm(client);
    expect(check.gone).toEqual([]);
    expect(check.present.map(itemIdentity)).toEqual([itemIdentity(stored)]);
  });

  it('without workspace, full_name under another slug is gone and under the governed slug present', async () => {
    expect(await confirm(answering(answer('globex/moved')).client)).toEqual({
      gone: [itemIdentity(stored)],
      present: [],
    });
    const here = await confirm(answering(answer('acme/moved')).client);
    expect(here.present.map(itemIdentity)).toEqual([itemIdentity(stored)]);
  });
});
