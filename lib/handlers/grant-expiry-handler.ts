// The expiry of time-boxed grants as a Lambda handler (EventBridge Scheduler, every minute): every governed
// workspace's active access requests whose `expiresAt` has passed are revoked (or their previous permission
// restored) and marked `expired`. Each run is self-contained; one that fails stays active for the next run.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { logger, METRIC_NAMES, metrics } from '../observability/index.js';
import {
  expireAccessGrants,
  type GrantExpiryDependencies,
  type GrantExpiryReport,
} from '../requests/grant-expiry.js';
import { lazyDependencies, type DependencySource } from './dependency-source.js';

/** What the expiry function works with: the expiry's own dependencies (its event publisher included). */
export type GrantExpiryHandlerDependencies = GrantExpiryDependencies;

/** The expiry function with its collaborators passed in (tests use the same one). */
export function createGrantExpiryHandler(source: DependencySource<GrantExpiryHandlerDependencies>) {
  const dependenciesOf = lazyDependencies(source);
  return middy(async (): Promise<GrantExpiryReport> => {
    const report = await expireAccessGrants(dependenciesOf());
    const { outcomes } = report;
    for (const outcome of outcomes) {
      if (outcome.outcome === 'failed') logger.warn('time-boxed grant not expired yet', { ...outcome });
      else logger.info('time-boxed grant expired', { ...outcome });
    }
    for (const entry of report.resumed) {
      if (entry.status === 'approved') logger.warn('approved access request not granted yet', { ...entry });
      else logger.info('approved access request completed after an interruption', { ...entry });
    }
    const failed = outcomes.filter((outcome) => outcome.outcome === 'failed').length;
    metrics.addMetric(METRIC_NAMES.GrantsExpired, MetricUnit.Count, outcomes.length - failed);
    metrics.addMetric(METRIC_NAMES.GrantExpiryFailures, MetricUnit.Count, failed);
    return report;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
