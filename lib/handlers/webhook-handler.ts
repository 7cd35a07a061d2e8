// The webhook receiver as a Lambda handler (POST /webhooks/bitbucket/{workspace}): verify, deduplicate,
// queue, answer 202. Never calls Bitbucket.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { errorResponse, jsonAnswer } from '../errors/index.js';
import { logger, METRIC_NAMES, metrics } from '../observability/index.js';
import { receiveWebhook, type WebhookIntakeDependencies } from '../webhooks/intake.js';
import { lazyDependencies, type DependencySource } from './dependency-source.js';

/** The receiver with its collaborators passed in: AWS in functions/commons, the in-process queue locally. */
export function createWebhookHandler(source: DependencySource<WebhookIntakeDependencies>) {
  const dependenciesOf = lazyDependencies(source);
  return middy(async (event: APIGatewayProxyEventV2) => {
    const dependencies = dependenciesOf();
    const workspace = event.pathParameters?.workspace ?? '';
    try {
      const outcome = await receiveWebhook(
        {
          workspace,
          headers: event.headers,
          rawBody: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
        },
        dependencies,
      );
      metrics.addMetric(
        outcome.status === 'accepted' ? METRIC_NAMES.WebhookAccepted : METRIC_NAMES.WebhookDuplicate,
        MetricUnit.Count,
        1,
      );
      if (outcome.status === 'accepted' && outcome.message.clampedFrom !== undefined) {
        metrics.addMetric(METRIC_NAMES.WebhookTimeClamped, MetricUnit.Count, 1);
        logger.warn('webhook payload time later than its receipt: clamped', {
          workspace,
          eventKey: outcome.message.eventKey,
          deliveryId: outcome.message.deliveryId,
          stated: outcome.message.clampedFrom,
          receivedAt: outcome.message.receivedAt,
        });
      }
      if (outcome.status === 'accepted' && outcome.message.unsigned) {
        metrics.addMetric(METRIC_NAMES.WebhookUnsigned, MetricUnit.Count, 1);
      }
      return jsonAnswer(202, { status: outcome.status });
    } catch (error) {
      const answer = errorResponse(error);
      metrics.addMetric(METRIC_NAMES.WebhookRejected, MetricUnit.Count, 1);
      logger.warn('webhook rejected', {
        workspace,
        status: answer.statusCode,
        reason: (error as Error).message,
      });
      return answer;
    }
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
