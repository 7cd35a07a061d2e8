// The /v1 HTTP API: access questions, exports, audited grants and revocations. Dispatches on the API
// Gateway route key (infra/routes.ts); the caller is the IAM principal (the local server reports `local`).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { routeApiRequest, type ApiDependencies, type ApiRequest } from '../lib/api/index.js';
import { bitbucketClientFromConfig } from '../lib/bitbucket/index.js';
import { loadConfig } from '../lib/config/index.js';
import { errorResponse, Unauthenticated, ValidationError } from '../lib/errors/index.js';
import { logger, metrics } from '../lib/observability/index.js';
import { governanceTableFromConfig } from '../lib/store/dynamodb-client.js';
import { LocalExportWriter, S3ExportWriter } from '../lib/store/export-files.js';
import { GovernanceStore } from '../lib/store/index.js';
import { ProvisioningRequestStore } from '../lib/store/provisioning-requests.js';
import { RequestLedger, SyncStateStore } from '../lib/store/sync-state.js';

/** The caller as API Gateway's IAM authorizer (or the local server) reports it. */
function callerOf(event: APIGatewayProxyEventV2): string | undefined {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: unknown } } };
  const arn = context.authorizer?.iam?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : undefined;
}

function definedValues(record: Record<string, string | undefined> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(record ?? {})) if (value !== undefined) result[name] = value;
  return result;
}

/** The API Gateway event as the API's plain request. */
export function apiRequestOf(event: APIGatewayProxyEventV2): ApiRequest {
  const actor = callerOf(event);
  if (actor === undefined) throw new Unauthenticated('no IAM principal on the request');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  let body = event.body;
  if (body !== undefined && event.isBase64Encoded) {
    body = Buffer.from(body, 'base64').toString('utf8');
    if (body.includes('\ufffd')) throw new ValidationError('the body is not UTF-8 text', { field: 'body' });
  }
  return {
    routeKey: event.routeKey,
    pathParameters: definedValues(event.pathParameters),
    query: definedValues(event.queryStringParameters),
    headers,
    body,
    actor,
  };
}

/** The API function with its collaborators passed in: AWS below, DynamoDB Local and the simulator in tests. */
export function createApiHandler(dependencies: ApiDependencies) {
  return middy(async (event: APIGatewayProxyEventV2) => {
    let request: ApiRequest;
    try {
      request = apiRequestOf(event);
    } catch (error) {
      return errorResponse(error);
    }
    const { answer, failure } = await routeApiRequest(request, dependencies);
    if (failure !== undefined) {
      logger.error('API request failed', { routeKey: request.routeKey, error: failure as Error });
    }
    metrics.addMetric(answer.statusCode < 400 ? 'ApiSuccess' : 'ApiError', MetricUnit.Count, 1);
    if (answer.statusCode === 429) metrics.addMetric('ApiRateLimited', MetricUnit.Count, 1);
    return answer;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

const config = loadConfig();
const tables = governanceTableFromConfig(config);

export const handler = createApiHandler({
  client: bitbucketClientFromConfig(config),
  store: new GovernanceStore(tables),
  syncState: new SyncStateStore(tables),
  ledger: new RequestLedger(tables),
  requests: new ProvisioningRequestStore(tables),
  exportWriter: config.exports.bucket
    ? new S3ExportWriter({ bucket: config.exports.bucket })
    : new LocalExportWriter(config.local.dataDir),
  hourlyRequestLimit: config.bitbucket.hourlyRequestLimit,
});
