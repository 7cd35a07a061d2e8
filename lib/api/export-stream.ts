// Where an export's text goes while it is produced: hashed (SHA-256) and counted as it passes, held in
// memory while it still fits the inline limit, and past it handed to an ExportFileSink (a file locally,
// an S3 multipart upload in AWS) with what was held so far. Memory is bounded by the inline limit plus
// one batch, whatever the number of rows.
import { createHash } from 'node:crypto';
import type { ExportFileLocation, ExportFileSink } from '../store/export-files.js';

/** Text gathered before it is encoded, hashed and passed on: fewer, larger writes. */
const BATCH_CHARS = 256 * 1024;

export interface ExportOutputResult {
  sha256: string;
  bytes: number;
  /** The whole content, when it stayed within the inline limit. */
  inline?: Buffer;
  /** Where it was written, when it did not. */
  file?: ExportFileLocation;
}

export class ExportOutput {
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #batch: string[] = [];
  #batchChars = 0;
  #held: Buffer[] = [];
  #sink: ExportFileSink | undefined;

  /**
   * `inlineLimit` in bytes (content of at most that many bytes answers inline; Infinity: always);
   * `openSink` is called once, when the content first grows past it.
   */
  constructor(
    private readonly inlineLimit: number,
    private readonly openSink: () => Promise<ExportFileSink>,
  ) {}

  /** Appends text (UTF-8). Resolves once a full batch has been accepted downstream (backpressure). */
  async write(text: string): Promise<void> {
    this.#batch.push(text);
    this.#batchChars += text.length;
    if (this.#batchChars >= BATCH_CHARS) await this.#flush();
  }

  /** Writes every chunk of `chunks` in order (e.g. a CSV stream), waiting on the sink as it goes. */
  async writeAll(chunks: AsyncIterable<string | Buffer>): Promise<void> {
    for await (const chunk of chunks)
      await this.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
  }

  /** Ends the content: its hash, size, and either the inline bytes or where the file is. */
  async finish(): Promise<ExportOutputResult> {
    await this.#flush();
    const sha256 = this.#hash.digest('hex');
    if (!this.#sink) return { sha256, bytes: this.#bytes, inline: Buffer.concat(this.#held) };
    const sink = this.#sink;
    this.#sink = undefined;
    return { sha256, bytes: this.#bytes, file: await sink.close() };
  }

  /** Drops the content; a file started is removed (an S3 upload aborted). Never throws. */
  async abort(): Promise<void> {
    this.#held = [];
    this.#batch = [];
    const sink = this.#sink;
    this.#sink = undefined;
    await sink?.abort().catch(() => {});
  }

  async #flush(): Promise<void> {
    if (this.#batch.length === 0) return;
    // Joined before encoding, so a character split across two texts cannot occur (texts are whole).
    const chunk = Buffer.from(this.#batch.join(''), 'utf8');
    this.#batch = [];
    this.#batchChars = 0;
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    if (!this.#sink && this.#bytes <= this.inlineLimit) {
      this.#held.push(chunk);
      return;
    }
    if (!this.#sink) {
      this.#sink = await this.openSink();
      const held = this.#held;
      this.#held = [];
      for (const earlier of held) await this.#sink.write(earlier);
    }
    await this.#sink.write(chunk);
  }
}

/**
 * The JSON array text of `rows`, one row at a time: the same bytes as `JSON.stringify([...rows])`.
 */
export async function* jsonArrayChunks(rows: AsyncIterable<unknown>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const row of rows) {
    yield first ? JSON.stringify(row) : `,${JSON.stringify(row)}`;
    first = false;
  }
  yield ']';
}

/**
 * `work` over `items` with at most `parallelism` in flight, results yielded in the items' order. Holds at
 * most `parallelism` results; a failure surfaces when its turn comes (the others are not left unhandled).
 */
export async function* mapInOrder<T, R>(
  items: readonly T[],
  parallelism: number,
  work: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const start = () => {
    const promise = work(items[next++] as T);
    promise.catch(() => {});
    pending.push(promise);
  };
  while (next < items.length && pending.length < parallelism) start();
  while (pending.length > 0) {
    const result = await (pending.shift() as Promise<R>);
    if (next < items.length) start();
    yield result;
  }
}
