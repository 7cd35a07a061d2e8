// Export writers: a file under DATA_DIR/exports locally; an S3 object and a pre-signed link in AWS
// (S3 has no local engine: aws-sdk-client-mock stands in for it).
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { LocalExportWriter, S3ExportWriter } from '../../../lib/store/export-files.js';

describe('LocalExportWriter', () => {
  it('keeps exports readable by their owner alone: the folder 0700, each file 0600', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'export-modes-'));
    const { location } = await new LocalExportWriter(dataDir).write('acme.csv', 'a,b\r\n');
    expect((await stat(location)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'exports'))).mode & 0o777).toBe(0o700);
  });

  it('writes under DATA_DIR/exports and refuses names that could leave it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'exports-'));
    const writer = new LocalExportWriter(dataDir);
    const { location } = await writer.write('acme-1.csv', 'a,b\r\n');
    expect(location).toBe(join(dataDir, 'exports', 'acme-1.csv'));
    expect(await readFile(location, 'utf8')).toBe('a,b\r\n');
    await expect(writer.write('../escape.csv', 'x')).rejects.toThrow(/unsafe/);
  });
});

describe('S3ExportWriter', () => {
  it('puts the object encrypted and answers a pre-signed link that expires', async () => {
    const client = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'example-secret-key' },
    });
    const s3 = mockClient(client);
    s3.on(PutObjectCommand).resolves({});
    const writer = new S3ExportWriter({
      bucket: 'exports-bucket',
      client,
      linkSeconds: 600,
      now: () => new Date('2026-11-20T10:00:00.000Z'),
    });
    const file = await writer.write('acme-1.json', '[]', 'application/json');
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'exports-bucket',
      Key: 'exports/acme-1.json',
      Body: '[]',
      ContentType: 'application/json',
      ServerSideEncryption: 'AES256',
    });
    expect(file.location).toBe('s3://exports-bucket/exports/acme-1.json');
    expect(file.url).toMatch(
      /^https:\/\/exports-bucket\.s3\.eu-west-1\.amazonaws\.com\/exports\/acme-1\.json\?/,
    );
    expect(file.url).toContain('X-Amz-Expires=600');
    expect(file.urlExpiresAt).toBe('2026-11-20T10:10:00.000Z');
    s3.restore();
  });
});
