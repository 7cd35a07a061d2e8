// Where an access-review export too big for an HTTP answer goes: an S3 object with a pre-signed link in
// AWS (EXPORT_BUCKET), a file under DATA_DIR/exports locally. The API sees only `ExportFileWriter`.
// An export is written as it is produced (`open`, then chunks): a file stream locally, an S3 multipart
// upload in AWS, so memory stays constant whatever the number of rows; a failed export is removed
// (file deleted, upload aborted) so nothing half-written is left.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface ExportFileLocation {
  /** `s3://bucket/key` or an absolute file path. */
  location: string;
  /** Pre-signed GET link (S3 only). */
  url?: string;
  /** When the link stops working (ISO 8601). */
  urlExpiresAt?: string;
}

/** An export being written: chunks in order, then `close` (or `abort` on failure, which removes it). */
export interface ExportFileSink {
  /** Resolves when the chunk is accepted (backpressure: the caller waits before producing more). */
  write(chunk: Buffer): Promise<void>;
  close(): Promise<ExportFileLocation>;
  abort(): Promise<void>;
}

export interface ExportFileWriter {
  /** Writes a whole export at once. */
  write(name: string, content: string, contentType: string): Promise<ExportFileLocation>;
  /** Starts an export written chunk by chunk. Throws on an unsafe name. */
  open(name: string, contentType: string): Promise<ExportFileSink>;
}

/** A name safe as a file name and an S3 key part. */
function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name)) throw new Error(`unsafe export file name: ${name}`);
  return name;
}

export class LocalExportWriter implements ExportFileWriter {
  readonly #directory: string;

  /** `dataDir` is DATA_DIR; files go to `{dataDir}/exports`. */
  constructor(dataDir: string) {
    this.#directory = resolve(join(dataDir, 'exports'));
  }

  async write(name: string, content: string): Promise<ExportFileLocation> {
    // An export lists who can reach what: readable by its owner alone.
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const path = join(this.#directory, safeName(name));
    await writeFile(path, content, { encoding: 'utf8', mode: 0o600 });
    return { location: path };
  }

  async open(name: string): Promise<ExportFileSink> {
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const path = join(this.#directory, safeName(name));
    const stream = createWriteStream(path, { mode: 0o600 });
    await new Promise<void>((done, fail) => stream.once('open', () => done()).once('error', fail));
    return new LocalFileSink(stream, path);
  }
}

class LocalFileSink implements ExportFileSink {
  #failure: Error | undefined;

  constructor(
    private readonly stream: WriteStream,
    private readonly path: string,
  ) {
    stream.on('error', (error) => (this.#failure ??= error));
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.stream.write(chunk)) return;
    await new Promise<void>((done, fail) => {
      const onDrain = () => {
        this.stream.off('error', onError);
        done();
      };
      const onError = (error: Error) => {
        this.stream.off('drain', onDrain);
        fail(error);
      };
      this.stream.once('drain', onDrain).once('error', onError);
    });
  }

  async close(): Promise<ExportFileLocation> {
    if (this.#failure) throw this.#failure;
    await new Promise<void>((done, fail) =>
      this.stream.end((error?: Error | null) => (error ? fail(error) : done())),
    );
    return { location: this.path };
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.path, { force: true });
  }
}

export interface S3ExportWriterOptions {
  bucket: string;
  /** Key prefix, default `exports/`. */
  prefix?: string;
  /** Lifetime of the pre-signed link, default 15 minutes. */
  linkSeconds?: number;
  /** Size of each multipart part but the last, default 8 MiB (S3's least is 5 MiB). */
  partBytes?: number;
  client?: S3Client;
  now?: () => Date;
}

export class S3ExportWriter implements ExportFileWriter {
  readonly #options: Required<Omit<S3ExportWriterOptions, 'client'>> & { client: S3Client };

  constructor(options: S3ExportWriterOptions) {
    this.#options = {
      prefix: 'exports/',
      linkSeconds: 900,
      partBytes: 8 * 1024 * 1024,
      now: () => new Date(),
      ...options,
      client: options.client ?? new S3Client({}),
    };
  }

  async write(name: string, content: string, contentType: string): Promise<ExportFileLocation> {
    const { bucket, prefix, client } = this.#options;
    const key = `${prefix}${safeName(name)}`;
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: content,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
      }),
    );
    return this.located(key);
  }

  async open(name: string, contentType: string): Promise<ExportFileSink> {
    const { bucket, prefix, client, partBytes } = this.#options;
    const key = `${prefix}${safeName(name)}`;
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
      }),
    );
    if (!UploadId) throw new Error(`S3 started no multipart upload for ${key}`);
    return new S3MultipartSink(client, bucket, key, UploadId, partBytes, () => this.located(key));
  }

  private async located(key: string): Promise<ExportFileLocation> {
    const { bucket, client, linkSeconds, now } = this.#options;
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: linkSeconds,
    });
    return {
      location: `s3://${bucket}/${key}`,
      url,
      urlExpiresAt: new Date(now().getTime() + linkSeconds * 1000).toISOString(),
    };
  }
}

/**
 * Chunks gathered into parts of `partBytes` and uploaded one at a time (memory: one part); the last part
 * may be smaller. Any failure, or `abort`, aborts the upload, so S3 keeps no half-written object.
 */
class S3MultipartSink implements ExportFileSink {
  #held: Buffer[] = [];
  #heldBytes = 0;
  readonly #parts: CompletedPart[] = [];

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly uploadId: string,
    private readonly partBytes: number,
    private readonly located: () => Promise<ExportFileLocation>,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes >= this.partBytes) await this.#uploadHeld();
  }

  async close(): Promise<ExportFileLocation> {
    try {
      if (this.#heldBytes > 0 || this.#parts.length === 0) await this.#uploadHeld();
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.#parts },
        }),
      );
    } catch (error) {
      await this.abort();
      throw error;
    }
    return this.located();
  }

  async abort(): Promise<void> {
    this.#held = [];
    this.#heldBytes = 0;
    await this.client.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }),
    );
  }

  async #uploadHeld(): Promise<void> {
    const body = Buffer.concat(this.#held, this.#heldBytes);
    this.#held = [];
    this.#heldBytes = 0;
    const PartNumber = this.#parts.length + 1;
    const { ETag } = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        PartNumber,
        Body: body,
      }),
    );
    this.#parts.push({ ETag, PartNumber });
  }
}
