// The /v1 HTTP API as a Lambda handler: access questions, exports, audited grants and revocations.
// Dispatches on the API Gateway route key (lib/api/routes.ts); the caller is the IAM principal (the local
// server reports `local`), or on the reviewer page's data routes the OpenID Connect subject `oidc:<sub>`.
// The page's files (lib/ui) are public and need no caller.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { routeApiRequest, type ApiDependencies, type ApiRequest } from '../api/index.js';
import { errorResponse, Unauthenticated, ValidationError } from '../errors/index.js';
import { logger, METRIC_NAMES, metrics } from '../observability/index.js';
import {
  isUiDataRoute,
  isUiFileRoute,
  oidcPrincipalOf,
  routeUiApiRequest,
  serveUiFile,
  UI_API_PREFIX,
} from '../ui/index.js';
import { lazyDependencies, type DependencySource } from './dependency-source.js';

/** The caller as API Gateway's IAM or JWT authorizer (or the local server) reports it. */
function callerOf(event: APIGatewayProxyEventV2): string | undefined {
  const context = event.requestContext as {
    authorizer?: { iam?: { userArn?: unknown }; jwt?: { claims?: Record<string, unknown> } };
  };
  const arn = context.authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return arn;
  return oidcPrincipalOf(context.authorizer?.jwt?.claims);
}

function definedValues(record: Record<string, string | undefined> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(record ?? {})) if (value !== undefined) result[name] = value;
  return result;
}

/** The API Gateway event as the API's plain request. */
export function apiRequestOf(event: APIGatewayProxyEventV2): ApiRequest {
  const actor = callerOf(event);
  if (actor === undefined)
    throw new Unauthenticated('no IAM principal or OpenID Connect subject on the request');
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

/** The API function with its collaborators passed in: AWS in functions/commons, local in tests and `npm start`. */
export function createApiHandler(source: DependencySource<ApiDependencies>) {
  const dependenciesOf = lazyDependencies(source);
  return middy(async (event: APIGatewayProxyEventV2) => {
    if (isUiFileRoute(event.routeKey)) return serveUiFile(event.pathParameters?.file);
    const dependencies = dependenciesOf();
    let request: ApiRequest;
    try {
      request = apiRequestOf(event);
    } catch (error) {
      return errorResponse(error);
    }
    // The page's data routes carry a /v1 path after /ui/api/, read raw so it is decoded once.
    const { answer, failure } = isUiDataRoute(request.routeKey)
      ? await routeUiApiRequest(
          request,
          event.requestContext.http.method,
          event.rawPath.slice(UI_API_PREFIX.length),
          dependencies,
        )
      : await routeApiRequest(request, dependencies);
    if (failure !== undefined) {
      logger.error('API request failed', { routeKey: request.routeKey, error: failure as Error });
    }
    const outcome = answer.statusCode < 400 ? METRIC_NAMES.ApiSuccess : METRIC_NAMES.ApiError;
    metrics.addMetric(outcome, MetricUnit.Count, 1);
    if (answer.statusCode === 429) metrics.addMetric(METRIC_NAMES.ApiRateLimited, MetricUnit.Count, 1);
    return answer;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
