// Figure 8: access-review campaigns over one project and over a whole workspace a full pass has filled:
// how many items each freezes, how long creation takes (reading the picture, freezing, assigning
// reviewers, writing items), how much the process grew, and how long the report takes, with its size.
import { AuthorizationPolicy } from '../../lib/authz/index.js';
import { createReviewCampaign } from '../../lib/reviews/campaign-creation.js';
import { reviewReport } from '../../lib/reviews/review-report.js';
import { GovernanceStore } from '../../lib/store/index.js';
import { ReviewCampaignStore } from '../../lib/store/review-campaigns.js';
import { SyncStateStore } from '../../lib/store/sync-state.js';
import { round, type Figure } from './figures.js';
import type { FilledWorkspace } from './full-pass.js';

const MIB = 1024 * 1024;

export async function measureReviewCampaign(filled: FilledWorkspace, size: string): Promise<Figure[]> {
  const { harness, workspace } = filled;
  const tables = { documentClient: harness.documentClient, tableName: harness.tableName };
  const dependencies = {
    store: new GovernanceStore(tables),
    syncState: new SyncStateStore(tables),
    reviews: new ReviewCampaignStore(tables),
    authorization: new AuthorizationPolicy({
      statements: [{ principal: 'bench-admin', roles: ['administrator'], workspaces: ['*'] }],
    }),
    now: () => new Date(),
  };
  const entry = { uuid: workspace.id, slug: workspace.slug, name: workspace.slug };
  // A campaign as teams run them: one project (the workspace's first) and its repositories.
  const project = filled.seed.workspaces[0]!.projects[0]!.key;
  const scopedStarted = performance.now();
  const scoped = await createReviewCampaign(dependencies, entry, 'bench-admin', {
    name: `bench ${size} ${project}`,
    dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
    scope: { projects: [project] },
  });
  const scopedMs = performance.now() - scopedStarted;
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  // The whole workspace, past the campaign limit: measured without it, to show why the limit is there.
  const { campaign, items } = await createReviewCampaign(
    { ...dependencies, maxItems: Number.MAX_SAFE_INTEGER },
    entry,
    'bench-admin',
    { name: `bench ${size}`, dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString() },
  );
  const createMs = performance.now() - started;
  const rssGrowth = (process.memoryUsage().rss - rssBefore) / MIB;
  const reportStarted = performance.now();
  const csv = reviewReport(campaign, items, 'csv');
  const reportMs = performance.now() - reportStarted;
  const flagged = items.filter((item) => item.flags.length > 0).length;
  return [
    {
      figure: 8,
      name: 'review campaign over one project: items',
      size,
      value: scoped.campaign.itemCount,
      unit: 'items',
      note: `project ${project}`,
    },
    {
      figure: 8,
      name: 'review campaign over one project: creation',
      size,
      value: round(scopedMs / 1000, 2),
      unit: 's',
      note: 'read picture, freeze, assign, write items',
    },
    {
      figure: 8,
      name: 'review campaign: items frozen',
      size,
      value: campaign.itemCount,
      unit: 'items',
      note: `${flagged.toLocaleString('en-US')} with a risk flag`,
    },
    {
      figure: 8,
      name: 'review campaign: creation time',
      size,
      value: round(createMs / 1000, 2),
      unit: 's',
      note: 'read picture, freeze, assign, write items',
    },
    {
      figure: 8,
      name: 'review campaign: process growth',
      size,
      value: round(rssGrowth, 0),
      unit: 'MiB',
      note: 'RSS after creation minus before',
    },
    {
      figure: 8,
      name: 'review report (CSV)',
      size,
      value: round(reportMs / 1000, 2),
      unit: 's',
      note: `${round(Buffer.byteLength(csv.body) / MIB, 1)} MiB`,
    },
  ];
}
