// The Lambda adapter of the API: API Gateway event in, plain request out; no caller means 401.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiRequestOf } from '../../../lib/handlers/api-handler.js';
import { Unauthenticated, ValidationError } from '../../../lib/errors/index.js';

function event(overrides: Partial<APIGatewayProxyEventV2> & { userArn?: string }): APIGatewayProxyEventV2 {
  const { userArn, ...rest } = overrides;
  return {
    version: '2.0',
    routeKey: 'POST /v1/workspaces/{workspace}/grants',
    rawPath: '/v1/workspaces/acme/grants',
    rawQueryString: '',
    headers: { 'Idempotency-Key': 'k1' },
    pathParameters: { workspace: 'acme' },
    isBase64Encoded: false,
    requestContext: {
      ...(userArn === undefined ? {} : { authorizer: { iam: { userArn } } }),
    } as unknown as APIGatewayProxyEventV2['requestContext'],
    ...rest,
  };
}

describe('apiRequestOf', () => {
  it('takes the route key, parameters, lower-cased headers and the IAM principal as actor', () => {
    const request = apiRequestOf(
      event({
        userArn: 'arn:aws:iam::123456789012:role/reviewer',
        queryStringParameters: { format: 'csv' },
        body: Buffer.from('{"a":1}').toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(request).toEqual({
      routeKey: 'POST /v1/workspaces/{workspace}/grants',
      pathParameters: { workspace: 'acme' },
      query: { format: 'csv' },
      headers: { 'idempotency-key': 'k1' },
      body: '{"a":1}',
      actor: 'arn:aws:iam::123456789012:role/reviewer',
    });
  });

  it('refuses a request without a caller, and a body that is not UTF-8', () => {
    expect(() => apiRequestOf(event({}))).toThrow(Unauthenticated);
    expect(() =>
      apiRequestOf(
        event({
          userArn: 'arn',
          body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'),
          isBase64Encoded: true,
        }),
      ),
    ).toThrow(ValidationError);
  });
});
