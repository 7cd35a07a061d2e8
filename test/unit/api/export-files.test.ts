// Export writers: a file under DATA_DIR/exports locally; an S3 object (or multipart upload, streamed)
// and a pre-signed link in AWS (S3 has no local engine: aws-sdk-client-mock stands in for it); and the
// ExportOutput that hashes the text as it passes and spills to a writer past the inline limit.
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { ExportOutput, jsonArrayChunks, mapInOrder } from '../../../lib/api/export-stream.js';
import { LocalExportWriter, S3ExportWriter } from '../../../lib/store/export-files.js';

const s3Client = () =>
  new S3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'example-secret-key' },
  });

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
    const client = s3Client();
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

describe('streamed export files', () => {
  it('writes a local file chunk by chunk (0600) and removes it on abort', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'export-stream-'));
    const writer = new LocalExportWriter(dataDir);
    const sink = await writer.open('acme-2.csv');
    await sink.write(Buffer.from('a,b\r\n'));
    await sink.write(Buffer.from('1,2\r\n'));
    const { location } = await sink.close();
    expect(await readFile(location, 'utf8')).toBe('a,b\r\n1,2\r\n');
    expect((await stat(location)).mode & 0o777).toBe(0o600);
    const failed = await writer.open('acme-3.csv');
    await failed.write(Buffer.from('half'));
    await failed.abort();
    await expect(access(join(dataDir, 'exports', 'acme-3.csv'))).rejects.toThrow();
    await expect(writer.open('../escape.csv')).rejects.toThrow(/unsafe/);
  });

  it('uploads S3 parts of partBytes, the rest as the last part, and completes with every ETag', async () => {
    const client = s3Client();
    const s3 = mockClient(client);
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({
      ETag: `"e${input.PartNumber}"`,
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const writer = new S3ExportWriter({ bucket: 'exports-bucket', client, partBytes: 10 });
    const sink = await writer.open('acme-big.csv', 'text/csv; charset=utf-8');
    for (const text of ['0123456', '789abc', 'defghijklmnop', 'q']) await sink.write(Buffer.from(text));
    const file = await sink.close();
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'exports-bucket',
      Key: 'exports/acme-big.csv',
      ContentType: 'text/csv; charset=utf-8',
      ServerSideEncryption: 'AES256',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.map((part) => [part.PartNumber, String(part.Body)])).toEqual([
      [1, '0123456789abc'],
      [2, 'defghijklmnop'],
      [3, 'q'],
    ]);
    expect(parts.every((part) => part.UploadId === 'up-1')).toBe(true);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.MultipartUpload).toEqual({
      Parts: [
        { ETag: '"e1"', PartNumber: 1 },
        { ETag: '"e2"', PartNumber: 2 },
        { ETag: '"e3"', PartNumber: 3 },
      ],
    });
    expect(file.location).toBe('s3://exports-bucket/exports/acme-big.csv');
    expect(file.url).toContain('X-Amz-Expires=900');
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
    s3.restore();
  });

  it('aborts the S3 upload when completing fails, so no half-written object is left', async () => {
    const client = s3Client();
    const s3 = mockClient(client);
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-2' });
    s3.on(UploadPartCommand).resolves({ ETag: '"e"' });
    s3.on(CompleteMultipartUploadCommand).rejects(new Error('InternalError'));
    s3.on(AbortMultipartUploadCommand).resolves({});
    const sink = await new S3ExportWriter({ bucket: 'exports-bucket', client }).open(
      'acme-x.json',
      'application/json',
    );
    await sink.write(Buffer.from('[]'));
    await expect(sink.close()).rejects.toThrow('InternalError');
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input).toEqual({
      Bucket: 'exports-bucket',
      Key: 'exports/acme-x.json',
      UploadId: 'up-2',
    });
    s3.restore();
  });
});

describe('ExportOutput', () => {
  const rows = async function* (count: number) {
    for (let index = 0; index < count; index++) yield { index, name: `ümlaut ✓ ${index}` };
  };

  it('keeps content within the inline limit in memory, with its SHA-256 and UTF-8 size', async () => {
    const output = new ExportOutput(1_000_000, () => Promise.reject(new Error('no file expected')));
    await output.writeAll(jsonArrayChunks(rows(3)));
    const result = await output.finish();
    const expected = JSON.stringify(
      [...Array(3).keys()].map((index) => ({ index, name: `ümlaut ✓ ${index}` })),
    );
    expect(result.inline?.toString('utf8')).toBe(expected);
    expect(result.bytes).toBe(Buffer.byteLength(expected));
    expect(result.sha256).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(result.file).toBeUndefined();
  });

  it('past the limit writes what it held and the rest to the file, the same bytes as JSON.stringify', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'export-output-'));
    const writer = new LocalExportWriter(dataDir);
    const output = new ExportOutput(1000, () => writer.open('acme-o.json'));
    await output.writeAll(jsonArrayChunks(rows(50_000)));
    const result = await output.finish();
    const expected = JSON.stringify(
      [...Array(50_000).keys()].map((index) => ({ index, name: `ümlaut ✓ ${index}` })),
    );
    expect(result.inline).toBeUndefined();
    expect(await readFile(result.file!.location, 'utf8')).toBe(expected);
    expect(result.sha256).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(result.bytes).toBe(Buffer.byteLength(expected));
  });

  it('removes the file when the export fails half-way', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'export-fail-'));
    const writer = new LocalExportWriter(dataDir);
    const output = new ExportOutput(10, () => writer.open('acme-f.json'));
    const failing = async function* () {
      yield* jsonArrayChunks(rows(20_000));
      throw new Error('store read failed');
    };
    await expect(output.writeAll(failing())).rejects.toThrow('store read failed');
    await output.abort();
    expect(await readdir(join(dataDir, 'exports'))).toEqual([]);
  });

  it('mapInOrder yields results in the input order with bounded work in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results: number[] = [];
    const items = [...Array(20).keys()];
    for await (const value of mapInOrder(items, 3, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((done) => setTimeout(done, (20 - item) % 4));
      inFlight--;
      return item * 2;
    }))
      results.push(value);
    expect(results).toEqual(items.map((item) => item * 2));
    expect(most).toBe(3);
  });
});
