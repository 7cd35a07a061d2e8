// The SQS consumer of queued webhook events as a Lambda handler: applies a batch as a whole (coalesced), then reports each
// message that failed, so SQS retries only those and moves them to the DLQ after its receive limit.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, METRIC_NAMES, metrics } from '../observability/index.js';
import {
  applyEvents,
  type ApplyEventsDependencies,
  type ApplyReport,
  type QueuedEvent,
} from '../webhooks/apply.js';
import { WebhookEventMessage } from '../webhooks/event-message.js';
import { lazyDependencies, type DependencySource } from './dependency-source.js';

/** What the applier works with; the deadline comes from each invocation's remaining time. */
export type ApplyEventsHandlerDependencies = Omit<ApplyEventsDependencies, 'deadlineAt'>;

/** Time kept back from the invocation's timeout to report outcomes. */
const SAFETY_MARGIN_MS = 10_000;

/** Reads each record's body; a body that is not a queue message fails (and ends in the DLQ). */
function readRecords(records: SQSRecord[]): { events: QueuedEvent[]; invalid: Map<string, string> } {
  const events: QueuedEvent[] = [];
  const invalid = new Map<string, string>();
  for (const record of records) {
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      invalid.set(record.messageId, 'body is not JSON');
      continue;
    }
    const parsed = WebhookEventMessage.safeParse(json);
    if (parsed.success) events.push({ id: record.messageId, message: parsed.data });
    else invalid.set(record.messageId, `not a webhook event message: ${parsed.error.issues[0]?.message}`);
  }
  return { events, invalid };
}

function publishMetrics(report: ApplyReport, invalid: number): void {
  metrics.addMetric(METRIC_NAMES.WebhookEventsApplied, MetricUnit.Count, report.counts.applied);
  metrics.addMetric(METRIC_NAMES.WebhookEventsDeferred, MetricUnit.Count, report.counts.deferred);
  metrics.addMetric(METRIC_NAMES.WebhookEventsDropped, MetricUnit.Count, report.counts.dropped);
  metrics.addMetric(METRIC_NAMES.WebhookActivitySkipped, MetricUnit.Count, report.activitySkipped);
  metrics.addMetric(METRIC_NAMES.WebhookRefreshes, MetricUnit.Count, report.refreshes);
  metrics.addMetric(METRIC_NAMES.WebhookRequests, MetricUnit.Count, report.requests);
  metrics.addMetric(METRIC_NAMES.ChangesApplied, MetricUnit.Count, report.changes);
  metrics.addMetric(METRIC_NAMES.SyncErrors, MetricUnit.Count, report.counts.failed + invalid);
}

/** The applier with its collaborators passed in: AWS in functions/commons, the in-process queue locally. */
export function createApplyEventsHandler(
  source: DependencySource<ApplyEventsHandlerDependencies>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const dependenciesOf = lazyDependencies(source);
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const dependencies = dependenciesOf();
    const { events, invalid } = readRecords(event.Records);
    const report = await applyEvents(events, {
      ...dependencies,
      deadlineAt: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS,
    });
    publishMetrics(report, invalid.size);
    const failures = new Map(invalid);
    for (const outcome of report.outcomes) {
      if (outcome.status === 'failed') failures.set(outcome.id, outcome.detail ?? 'failed');
    }
    logger.info('webhook events applied', {
      records: event.Records.length,
      counts: report.counts,
      droppedByReason: report.droppedByReason,
      refreshes: report.refreshes,
      requests: report.requests,
      changes: report.changes,
      staleSkipped: report.staleSkipped,
      markedDirty: report.markedDirty.length,
      activitySkipped: report.activitySkipped,
      workspaceSlugChanges: report.workspaceSlugChanges,
    });
    for (const [id, reason] of failures) logger.warn('webhook event failed', { messageId: id, reason });
    // Powertools builds the partial-failure answer (and throws when every record failed).
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const reason = failures.get(record.messageId);
        if (reason !== undefined) throw new Error(reason);
      },
      processor,
      { context },
    );
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
