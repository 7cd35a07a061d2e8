// The scheduled sync step as a Lambda handler (EventBridge Scheduler): `{}` for every governed workspace, `{"workspace": "slug"}`
// for one. Each workspace gets one budgeted step within the function's remaining time.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { WorkspaceSlug } from '../config/index.js';
import { logger, METRIC_NAMES, metrics } from '../observability/index.js';
import {
  resolveGovernedWorkspaces,
  runSyncStep,
  type StepReport,
  type SyncDependencies,
} from '../sync/index.js';
import { lazyDependencies, type DependencySource } from './dependency-source.js';

/** What the sync function works with: the sync's dependencies and the configured workspace slugs. */
export interface SyncHandlerDependencies extends SyncDependencies {
  /** BITBUCKET_WORKSPACES; empty = every workspace the credential administers. */
  configuredWorkspaces: readonly string[];
}

/** Time kept back from the Lambda timeout to record the step's outcome. */
const SAFETY_MARGIN_MS = 15_000;

const SyncEvent = z.object({ workspace: WorkspaceSlug.optional() }).loose();

const FAILED_OUTCOMES = new Set(['rate-limited', 'credential-rejected', 'not-administrable']);

function publishStepMetrics(reports: StepReport[]): void {
  let oldest = 0;
  let gaps = 0;
  for (const report of reports) {
    gaps += report.capabilityGaps.reduce((sum, gap) => sum + gap.scopes, 0);
    metrics.addMetric(METRIC_NAMES.RequestsSpent, MetricUnit.Count, report.requests);
    metrics.addMetric(METRIC_NAMES.ScopesRefreshed, MetricUnit.Count, report.scopesRefreshed);
    metrics.addMetric(METRIC_NAMES.ChangesApplied, MetricUnit.Count, report.changes);
    metrics.addMetric(METRIC_NAMES.PassCompleted, MetricUnit.Count, report.passCompleted ? 1 : 0);
    const failed = FAILED_OUTCOMES.has(report.outcome) ? 1 : 0;
    metrics.addMetric(METRIC_NAMES.SyncErrors, MetricUnit.Count, failed + report.scopesFailed);
    for (const age of Object.values(report.freshnessSeconds))
      if (age !== null) oldest = Math.max(oldest, age);
  }
  metrics.addMetric(METRIC_NAMES.OldestScopeAgeSeconds, MetricUnit.Seconds, oldest);
  metrics.addMetric(METRIC_NAMES.SyncCapabilityGaps, MetricUnit.Count, gaps);
}

/** The sync function with its collaborators passed in (tests and the local timer use the same one). */
export function createSyncHandler(source: DependencySource<SyncHandlerDependencies>) {
  const dependenciesOf = lazyDependencies(source);
  return middy(async (event: unknown, context: Context) => {
    const { configuredWorkspaces, ...dependencies } = dependenciesOf();
    const parsed = SyncEvent.safeParse(event ?? {});
    if (!parsed.success) {
      throw new Error(
        `sync event: expected {} or {"workspace": "<slug>"}: ${parsed.error.issues[0]?.message}`,
      );
    }
    const deadlineAt = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
    const governed = await resolveGovernedWorkspaces(
      dependencies,
      parsed.data.workspace ? [parsed.data.workspace] : configuredWorkspaces,
      { deadlineAt },
    );
    for (const skipped of governed.skipped) logger.warn('workspace not governed', skipped);
    const reports: StepReport[] = [];
    for (const workspace of governed.workspaces) {
      if (Date.now() >= deadlineAt) break;
      const report = await runSyncStep(dependencies, workspace, deadlineAt);
      reports.push(report);
      logger.info('sync step', { ...report });
    }
    publishStepMetrics(reports);
    return { reports, skipped: governed.skipped };
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
