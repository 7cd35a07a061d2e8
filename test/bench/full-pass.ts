// Figures 1, 3 and 7: full passes of the connector, each in a child process, against the simulator in
// this process and DynamoDB Local. Pass 1 fills a fresh table (requests, writes, peak RSS); pass 2 reads
// an unchanged workspace; pass 3 follows a change of 1 % of the permission grants.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Credential } from '../../lib/config/index.js';
import type { SeedDocument } from '../../lib/simulator/index.js';
import {
  lowerBoundRequests,
  startHarness,
  workspaceRefOf,
  type Harness,
} from '../support/governance-harness.js';
import { round, type Figure } from './figures.js';
import type { FullPassInput, FullPassOutput } from './full-pass-child.js';
import { peerRequests, permissionGrantCount, seedOf, type WorkspaceSize } from './sizes.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./full-pass-child.ts', import.meta.url));
/** Every scope due again on the next step, as if its interval had passed. */
const ALWAYS_DUE = { membershipIntervalMs: 0, listingIntervalMs: 0, grantIntervalMs: 0 };
const NEXT_PERMISSION: Record<string, 'read' | 'write' | 'admin'> = {
  read: 'write',
  write: 'admin',
  admin: 'read',
};

export interface FilledWorkspace {
  harness: Harness;
  seed: SeedDocument;
  workspace: { id: string; slug: string };
}

function runChild(input: FullPassInput): Promise<FullPassOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(input)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{'))
        return reject(new Error(`full-pass child exited ${code}: ${stdout.slice(-500)}`));
      resolve(JSON.parse(line) as FullPassOutput);
    });
  });
}

function credentialOf(seed: SeedDocument): Credential {
  const apiToken = seed.credentials.find((entry) => entry.kind === 'api-token');
  if (!apiToken || apiToken.kind !== 'api-token') throw new Error('the seed has no api-token credential');
  return { auth: 'api-token', email: apiToken.email, apiToken: apiToken.token };
}

/** Changes the permission of 1 % of the grants, spread evenly over the repositories; answers how many. */
async function changeOnePercent(harness: Harness, seed: SeedDocument): Promise<number> {
  const ws = seed.workspaces[0]!;
  const repositoryGrants = ws.repositories.flatMap((repository) => [
    ...repository.userGrants.map((grant) => ({ repository, principal: { user: grant.accountId }, grant })),
    ...repository.groupGrants.map((grant) => ({ repository, principal: { group: grant.group }, grant })),
  ]);
  const target = Math.max(1, Math.round(permissionGrantCount(ws) / 100));
  const stride = Math.max(1, Math.floor(repositoryGrants.length / target));
  const mutations = repositoryGrants
    .filter((_, index) => index % stride === 0)
    .slice(0, target)
    .map(({ repository, principal, grant }) => ({
      op: 'grantRepository',
      workspace: ws.slug,
      repository: repository.slug,
      ...principal,
      permission: NEXT_PERMISSION[grant.permission],
    }));
  for (let start = 0; start < mutations.length; start += 500)
    await harness.mutate(mutations.slice(start, start + 500));
  return mutations.length;
}

export interface FullPassOptions {
  dynamoDbEndpoint: string;
  storeCost: boolean;
  /** Keep the filled workspace open (for the query latency figure); the caller closes it. */
  keep: boolean;
}

export async function measureFullPasses(
  size: WorkspaceSize,
  options: FullPassOptions,
): Promise<{ figures: Figure[]; filled?: FilledWorkspace }> {
  const harness = await startHarness({ seed: seedOf(size), dynamoDbEndpoint: options.dynamoDbEndpoint });
  try {
    const seed = await harness.groundTruth();
    const ws = seed.workspaces[0]!;
    const workspace = workspaceRefOf(seed);
    const input: FullPassInput = {
      simulatorUrl: harness.simulator.url,
      dynamoDbEndpoint: options.dynamoDbEndpoint,
      tableName: harness.tableName,
      credential: credentialOf(seed),
      workspace,
    };
    const pass = async (settings?: FullPassInput['settings']) => {
      await harness.control('DELETE', '/_simulator/requests');
      const output = await runChild(settings ? { ...input, settings } : input);
      if (!output.completed)
        throw new Error(`pass on ${size.name} did not complete: ${output.stoppedBecause}`);
      return { ...output, simulatorRequests: await harness.requestTotal() };
    };

    const first = await pass();
    const lowerBound = lowerBoundRequests(seed);
    const peer = peerRequests(ws);
    const figures: Figure[] = [
      {
        figure: 1,
        name: 'requests per full pass (simulator log)',
        size: size.name,
        value: first.simulatorRequests,
        unit: 'requests',
      },
      { figure: 1, name: 'lower bound at pagelen=100', size: size.name, value: lowerBound, unit: 'requests' },
      {
        figure: 1,
        name: "peer connector's pattern",
        size: size.name,
        value: peer,
        unit: 'requests',
        note: 'U + 2R + 3P + ⌈U/50⌉ + ⌈P/50⌉ + 6',
      },
      {
        figure: 1,
        name: 'measured / lower bound',
        size: size.name,
        value: round(first.simulatorRequests / lowerBound, 3),
        unit: 'ratio',
      },
      {
        figure: 1,
        name: 'peer / measured',
        size: size.name,
        value: round(peer / first.simulatorRequests, 3),
        unit: 'ratio',
        note:
          peer > first.simulatorRequests
            ? 'peer needs more'
            : 'we need more (we also read grants the peer skips)',
      },
      {
        figure: 1,
        name: 'full pass wall time',
        size: size.name,
        value: round(first.elapsedMs / 1000, 1),
        unit: 's',
        note: `${first.steps} step(s), unlimited budget`,
      },
      {
        figure: 7,
        name: 'peak RSS of a full pass (connector process)',
        size: size.name,
        value: round(first.maxRssKb / 1024, 1),
        unit: 'MiB',
        note: `${round(first.rssBeforePassKb / 1024, 0)} MiB before the pass (Node, tsx, modules)`,
      },
    ];
    if (options.storeCost) {
      const unchanged = await pass(ALWAYS_DUE);
      const changed = await changeOnePercent(harness, seed);
      const afterChange = await pass(ALWAYS_DUE);
      const grants = permissionGrantCount(ws);
      figures.push(
        {
          figure: 3,
          name: 'first pass: resource+grant item writes',
          size: size.name,
          value: first.modelWrites,
          unit: 'items',
          note: `${first.writeItems.toLocaleString('en-US')} items incl. change records and sync state`,
        },
        {
          figure: 3,
          name: 'unchanged second pass: resource+grant writes',
          size: size.name,
          value: unchanged.modelWrites,
          unit: 'items',
          note: `target 0; ${unchanged.writeItems.toLocaleString('en-US')} items incl. sync state`,
        },
        {
          figure: 3,
          name: `pass after 1 % of grants changed (${changed} of ${grants.toLocaleString('en-US')})`,
          size: size.name,
          value: afterChange.modelWrites,
          unit: 'items',
          note: `${round(afterChange.modelWrites / changed, 2)} per change; ${afterChange.writeItems.toLocaleString('en-US')} items incl. change records`,
        },
      );
    }
    if (!options.keep) {
      await harness.close();
      return { figures };
    }
    return { figures, filled: { harness, seed, workspace } };
  } catch (error) {
    await harness.close();
    throw error;
  }
}
