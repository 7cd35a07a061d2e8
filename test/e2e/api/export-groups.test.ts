// The group-level export (format=group-csv|group-json) of the demo workspace (lib/simulator/demo-seed.ts)
// through the real handler behind the local API Gateway adapter and DynamoDB Local, checked against the
// served OpenAPI document; and the streamed per-user export, whose file holds the inline answer's bytes.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeed } from '../../../lib/simulator/demo-seed.js';
import { startApiFixture, type ApiFixture } from './api-fixture.js';
import { openApiValidator } from './openapi-validator.js';

let fixture: ApiFixture;
let matchesDocument: ReturnType<typeof openApiValidator>;
const EXPORT = '/v1/workspaces/{workspace}/export';

beforeAll(async () => {
  fixture = await startApiFixture(demoSeed() as never);
  matchesDocument = openApiValidator((await fixture.call('GET', '/v1/openapi.json')).body);
});
afterAll(async () => {
  await fixture?.close();
});

const base = () => `/v1/workspaces/${fixture.workspace.slug}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const member = (nickname: string, displayName: string) => ({ accountId: `557058:${nickname}`, displayName });
const developers = [
  member('alan', 'Alan Turing'),
  member('barbara', 'Barbara Liskov'),
  member('dennis', 'Dennis Ritchie'),
  member('ken', 'Ken Thompson'),
  member('linus', 'Linus Torvalds'),
  member('margaret', 'Margaret Hamilton'),
];

describe('group export of the demo workspace', () => {
  it('answers one JSON row per group × resource type × permission, with the resources and members', async () => {
    const answer = await fixture.call('GET', `${base()}/export?format=group-json`);
    expect(answer.status, answer.text).toBe(200);
    matchesDocument(EXPORT, 'GET', 200, answer.body);
    const { manifest, groupRows } = answer.body;
    const summary = groupRows.map(
      (row: { group: string; resourceType: string; permission: string; resources: { name: string }[] }) =>
        `${row.group} ${row.resourceType} ${row.permission}: ${row.resources.map((r) => r.name).join(' ')}`,
    );
    expect(summary).toEqual([
      'administrators project admin: CORE OPS',
      'administrators repository admin: infrastructure',
      'contractors repository read: auth-service',
      'developers project create-repo: CORE',
      'developers project write: WEB',
      'developers repository write: api auth-service billing mobile-app shared-libs website',
      'developers repository read: design-system runbooks',
      'qa repository read: api auth-service billing mobile-app website',
    ]);
    const devWrite = groupRows[5];
    expect(devWrite).toMatchObject({
      groupName: 'Developers',
      resourceCount: 6,
      memberCount: 6,
      members: developers,
    });
    expect(devWrite.resources[0]).toEqual({ id: expect.any(String), name: 'api' });
    expect(manifest).toMatchObject({
      workspace: 'acme',
      format: 'group-json',
      rows: 8,
      rowsByResourceType: { project: 3, repository: 5 },
      users: 12,
      sha256: sha256(JSON.stringify(groupRows)),
      bytes: Buffer.byteLength(JSON.stringify(groupRows)),
    });
    expect(manifest.lastCompletedPass).toEqual(expect.any(String));
  });

  it('writes the same rows as CSV, inline and, past the inline limit, streamed to a file with the same bytes', async () => {
    const inline = await fixture.call('GET', `${base()}/export?format=group-csv`);
    expect(inline.status, inline.text).toBe(200);
    matchesDocument(EXPORT, 'GET', 200, inline.body);
    const csv: string = inline.body.csv;
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'group,groupName,resourceType,permission,resourceCount,resources,memberCount,members',
    );
    expect(lines[6]).toBe(
      'developers,Developers,repository,write,6,api; auth-service; billing; mobile-app; shared-libs; website,6,' +
        developers.map((entry) => `${entry.displayName} (${entry.accountId})`).join('; '),
    );
    expect(lines).toHaveLength(8 + 2); // header, 8 rows, and the empty string after the last CRLF
    expect(inline.body.manifest).toMatchObject({ format: 'group-csv', rows: 8, sha256: sha256(csv) });

    const small = await fixture.variant({ exportInlineLimitBytes: 100 });
    const filed = await small.call('GET', `${base()}/export?format=group-csv`);
    expect(filed.status, filed.text).toBe(200);
    matchesDocument(EXPORT, 'GET', 200, filed.body);
    expect(filed.body.csv).toBeUndefined();
    expect(filed.body.file.location).toMatch(/\/exports\/acme-.*\.groups\.csv$/);
    expect(await readFile(filed.body.file.location, 'utf8')).toBe(csv);
    expect(filed.body.manifest).toMatchObject({
      sha256: sha256(csv),
      bytes: Buffer.byteLength(csv),
      rows: 8,
    });
  });
});

describe('per-user export, streamed', () => {
  it('writes the file past the inline limit with the bytes the inline answer has', async () => {
    const small = await fixture.variant({ exportInlineLimitBytes: 1000 });
    for (const format of ['csv', 'json'] as const) {
      const inline = await fixture.call('GET', `${base()}/export?format=${format}`);
      const content = format === 'csv' ? inline.body.csv : JSON.stringify(inline.body.rows);
      expect(Buffer.byteLength(content)).toBeGreaterThan(1000);
      const filed = await small.call('GET', `${base()}/export?format=${format}`);
      expect(filed.status, filed.text).toBe(200);
      expect(await readFile(filed.body.file.location, 'utf8')).toBe(content);
      const counts = ({
        format,
        rows,
        rowsByResourceType,
        users,
        sha256,
        bytes,
      }: Record<string, unknown>) => ({
        format,
        rows,
        rowsByResourceType,
        users,
        sha256,
        bytes,
      });
      expect(counts(filed.body.manifest)).toEqual(counts(inline.body.manifest));
      expect(inline.body.manifest.rows).toBe(
        format === 'json' ? inline.body.rows.length : content.split('\r\n').length - 2,
      );
    }
  });
});
