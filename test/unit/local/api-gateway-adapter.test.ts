import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHttpServer, type LocalHttpServer } from '../../../lib/local/api-gateway-adapter.js';

const token = 'local-test-token-0123456789';
const seen: APIGatewayProxyEventV2[] = [];
let server: LocalHttpServer;

beforeAll(async () => {
  const echo = async (event: APIGatewayProxyEventV2) => {
    seen.push(event);
    return { statusCode: 202, headers: { 'x-route': event.routeKey }, body: JSON.stringify({ ok: true }) };
  };
  server = await startLocalHttpServer({
    apiToken: token,
    handlers: {
      api: echo,
      webhook: async (event) => {
        seen.push(event);
        if (event.headers['x-fail']) throw new Error('boom');
        return { statusCode: 202, body: '' };
      },
    },
  });
});
afterAll(() => server.close());

describe('local API Gateway adapter', () => {
  it('listens on loopback only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('builds a payload 2.0 event with route key, path parameters, query and the IAM-shaped caller', async () => {
    const response = await fetch(
      `${server.url}/v1/workspaces/acme/users/557058%3Aada/access?includePublic=true&x=1&x=2`,
      {
        headers: { authorization: `Bearer ${token}`, 'X-Custom': 'Yes' },
      },
    );
    expect(response.status).toBe(202);
    expect(response.headers.get('x-route')).toBe('GET /v1/workspaces/{workspace}/users/{accountId}/access');
    const event = seen.at(-1)!;
    expect(event.version).toBe('2.0');
    expect(event.pathParameters).toEqual({ workspace: 'acme', accountId: '557058:ada' });
    expect(event.queryStringParameters).toEqual({ includePublic: 'true', x: '1,2' });
    expect(event.rawQueryString).toBe('includePublic=true&x=1&x=2');
    expect(event.headers['x-custom']).toBe('Yes');
    expect(
      (event.requestContext as unknown as { authorizer: { iam: { userArn: string } } }).authorizer.iam
        .userArn,
    ).toBe('local');
  });

  it('requires the bearer token on /v1 routes but not on the webhook route', async () => {
    expect((await fetch(`${server.url}/v1/workspaces`)).status).toBe(401);
    expect(
      (await fetch(`${server.url}/v1/workspaces`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    const webhook = await fetch(`${server.url}/webhooks/bitbucket/acme`, { method: 'POST', body: '{}' });
    expect(webhook.status).toBe(202);
  });

  it('keeps the raw body byte for byte, base64-encoding bodies that are not UTF-8', async () => {
    const text = '{"a": "é", "b":1 }\n';
    await fetch(`${server.url}/webhooks/bitbucket/acme`, { method: 'POST', body: text });
    expect(seen.at(-1)!.body).toBe(text);
    expect(seen.at(-1)!.isBase64Encoded).toBe(false);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    await fetch(`${server.url}/webhooks/bitbucket/acme`, { method: 'POST', body: binary });
    expect(seen.at(-1)!.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen.at(-1)!.body!, 'base64').equals(binary)).toBe(true);
  });

  it('answers 404 for unknown paths, 405 for a known path with another method, 500 when a handler throws', async () => {
    const unknown = await fetch(`${server.url}/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await fetch(`${server.url}/webhooks/bitbucket/acme`)).status).toBe(405);
    const failed = await fetch(`${server.url}/webhooks/bitbucket/acme`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-fail': '1' },
    });
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain('boom');
  });
});
