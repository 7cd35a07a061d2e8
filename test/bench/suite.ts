// The benchmark suite behind `npm run bench` (see run.ts): the figures of issue 11 against the simulator
// and DynamoDB Local. Prints one table and writes the results as JSON. Benchmarks report; they never
// fail on a time.
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { startEmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { measureColdStart } from './cold-start.js';
import { exportFormatsAt, measureExport } from './export-scale.js';
import { figureTable, machineFacts, round, type Figure } from './figures.js';
import { measureFreshness } from './freshness.js';
import { measureFullPasses, type FilledWorkspace } from './full-pass.js';
import { measureQueryLatency } from './query-latency.js';
import { measureReviewCampaign } from './review-campaign.js';
import { SIZES, type WorkspaceSize } from './sizes.js';
import { measureWebhookIntake } from './webhook-intake.js';

const PARTS = [
  'requests',
  'freshness',
  'store',
  'latency',
  'webhooks',
  'coldstart',
  'memory',
  'reviews',
  'export',
] as const;
type Part = (typeof PARTS)[number];

interface BenchArgs {
  only: Set<Part>;
  sizes: WorkspaceSize[];
  out: string;
  /** Bitbucket identities the simulated day runs with, one day per count (`--identities 1,3`; default 1). */
  identities: number[];
}

function parseArgs(argv: readonly string[]): BenchArgs {
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--') continue;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    if (!['--only', '--sizes', '--out', '--identities'].includes(flag))
      throw new Error(
        `unknown argument ${arg}; use --only ${PARTS.join(',')} --sizes S,M,L --identities 1,3 --out file`,
      );
    const value = inline ?? argv[++index];
    if (!value) throw new Error(`${flag} needs a value`);
    values.set(flag, value);
  }
  const list = (flag: string) =>
    values
      .get(flag)
      ?.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  const only = list('--only') ?? [...PARTS];
  for (const part of only)
    if (!PARTS.includes(part as Part)) throw new Error(`unknown part ${part}; known: ${PARTS.join(', ')}`);
  const sizes = (list('--sizes') ?? ['S', 'M']).map((name) => {
    const size = SIZES[name.toUpperCase() as WorkspaceSize['name']];
    if (!size) throw new Error(`unknown size ${name}; known: S, M, L`);
    return size;
  });
  const identities = (list('--identities') ?? ['1']).map((entry) => {
    const count = Number(entry);
    if (!Number.isInteger(count) || count < 1 || count > 11)
      throw new Error(`--identities: expected whole numbers from 1 to 11, got ${entry}`);
    return count;
  });
  return {
    only: new Set(only as Part[]),
    sizes,
    out: values.get('--out') ?? 'bench-results.json',
    identities,
  };
}

export async function runBench(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const machine = machineFacts();
  const figures: Figure[] = [];
  const sections: { section: string; seconds: number }[] = [];
  // Written after every section too, so a long run that is stopped keeps what it measured. Formatted as
  // the repository's prettier check expects, so results committed under test/bench/results pass `npm test`.
  const writeResults = async () =>
    writeFileSync(
      args.out,
      await format(
        JSON.stringify({
          machine,
          sizes: args.sizes.map((size) => size.name),
          only: [...args.only],
          sections,
          figures,
        }),
        { parser: 'json', ...(await resolveConfig(args.out)) },
      ),
    );
  const section = async (name: string, work: () => Promise<Figure[]>) => {
    process.stderr.write(`bench: ${name}…\n`);
    const started = performance.now();
    const measured = await work();
    const seconds = round((performance.now() - started) / 1000, 1);
    sections.push({ section: name, seconds });
    process.stderr.write(`bench: ${name} took ${seconds} s\n`);
    figures.push(...measured);
    await writeResults();
  };
  const wants = (...parts: Part[]) => parts.some((part) => args.only.has(part));

  const dynamoDb = await startEmbeddedDynamoDb();
  let filled: FilledWorkspace | undefined;
  try {
    if (wants('requests', 'store', 'memory', 'latency', 'reviews', 'export')) {
      const largest = args.sizes.at(-1);
      for (const size of args.sizes) {
        await section(`full passes on ${size.name}`, async () => {
          const measured = await measureFullPasses(size, {
            dynamoDbEndpoint: dynamoDb.endpoint,
            storeCost: wants('store'),
            keep: wants('latency', 'reviews', 'export') && size === largest,
          });
          filled = measured.filled ?? filled;
          return measured.figures.filter(
            (entry) =>
              (entry.figure === 1 && wants('requests')) ||
              (entry.figure === 3 && wants('store')) ||
              (entry.figure === 7 && wants('memory')),
          );
        });
      }
      if (filled && largest && wants('latency')) {
        const workspace = filled;
        await section(`query latency on ${largest.name}`, () => measureQueryLatency(workspace, largest.name));
      }
      if (filled && largest && wants('reviews')) {
        const workspace = filled;
        await section(`review campaign on ${largest.name}`, () =>
          measureReviewCampaign(workspace, largest.name),
        );
      }
      if (filled && largest && wants('export')) {
        const workspace = filled;
        for (const format of exportFormatsAt(largest.name))
          await section(`export ${format} on ${largest.name}`, () =>
            measureExport(workspace, largest.name, dynamoDb.endpoint, format),
          );
      }
    }
    if (wants('freshness')) {
      const daySizes = args.sizes.filter((size) => size.name !== 'S');
      for (const size of daySizes.length > 0 ? daySizes : args.sizes)
        for (const identities of args.identities)
          await section(
            `simulated day on ${size.name} with ${identities} identit${identities === 1 ? 'y' : 'ies'}`,
            () => measureFreshness(size, dynamoDb.endpoint, identities),
          );
    }
    if (wants('webhooks')) await section('webhook intake', () => measureWebhookIntake(dynamoDb.endpoint));
    if (wants('coldstart')) await section('cold start proxies', () => measureColdStart());
  } finally {
    await filled?.harness.close();
    await dynamoDb.stop();
  }

  figures.sort((a, b) => a.figure - b.figure);
  process.stdout.write(`${figureTable(figures, machine)}\n\n`);
  process.stdout.write(
    `Section wall times: ${sections.map((entry) => `${entry.section} ${entry.seconds} s`).join('; ')}\n`,
  );
  await writeResults();
  process.stdout.write(`Results written to ${args.out}\n`);
}
