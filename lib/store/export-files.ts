// Where an access-review export too big for an HTTP answer goes: an S3 object with a pre-signed link in
// AWS (EXPORT_BUCKET), a file under DATA_DIR/exports locally. The API sees only `ExportFileWriter`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface ExportFileLocation {
  /** `s3://bucket/key` or an absolute file path. */
  location: string;
  /** Pre-signed GET link (S3 only). */
  url?: string;
  /** When the link stops working (ISO 8601). */
  urlExpiresAt?: string;
}

export interface ExportFileWriter {
  write(name: string, content: string, contentType: string): Promise<ExportFileLocation>;
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
}

export interface S3ExportWriterOptions {
  bucket: string;
  /** Key prefix, default `exports/`. */
  prefix?: string;
  /** Lifetime of the pre-signed link, default 15 minutes. */
  linkSeconds?: number;
  client?: S3Client;
  now?: () => Date;
}

export class S3ExportWriter implements ExportFileWriter {
  readonly #options: Required<Omit<S3ExportWriterOptions, 'client'>> & { client: S3Client };

  constructor(options: S3ExportWriterOptions) {
    this.#options = {
      prefix: 'exports/',
      linkSeconds: 900,
      now: () => new Date(),
      ...options,
      client: options.client ?? new S3Client({}),
    };
  }

  async write(name: string, content: string, contentType: string): Promise<ExportFileLocation> {
    const { bucket, prefix, client, linkSeconds, now } = this.#options;
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
