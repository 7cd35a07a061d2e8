// Serves the Lambda handlers over plain HTTP on loopback, turning each request into the API Gateway
// HTTP API (payload 2.0) event AWS would deliver: same route table, same path parameters, raw body kept
// byte for byte (webhook signatures are computed over it). `/v1` routes need the local bearer token,
// standing in for IAM; the caller is then reported as the principal `local`.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { localLambdaContext } from './lambda-context.js';
import { functionOf, matchRoute, pathIsKnown, routeKey, type FunctionName } from '../api/routes.js';

export type HttpLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface LocalHttpServerOptions {
  handlers: Record<FunctionName, HttpLambdaHandler>;
  /** Bearer token required on `/v1` routes; a call with it is made as LOCAL_PRINCIPAL. */
  apiToken: string;
  /** More bearer tokens (LOCAL_API_TOKENS), each standing for the principal it maps to. */
  apiTokens?: ReadonlyMap<string, string>;
  /** 0 picks a free port. */
  port?: number;
  /** Largest accepted body; API Gateway HTTP APIs stop at 10 MB. */
  maxBodyBytes?: number;
  /** Time a handler is told it has (context.getRemainingTimeInMillis). */
  timeoutMs?: number;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The principal recorded for calls made with the local token. */
export const LOCAL_PRINCIPAL = 'local';

const LOOPBACK = '127.0.0.1';

interface LocalServerSettings {
  handlers: Record<FunctionName, HttpLambdaHandler>;
  /** Bearer token → the principal it stands for. */
  tokens: ReadonlyMap<string, string>;
  maxBodyBytes: number;
  timeoutMs: number;
}

function sendJson(response: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message, details: {} } });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time bearer check: compares digests so neither length nor content leaks through timing. */
export function bearerTokenMatches(header: string | undefined, expected: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The principal whose token the `Authorization: Bearer` header presents, or undefined. Every token is
 * compared (digests, in constant time), so the answer's timing says nothing about which one matched.
 */
export function principalOfBearer(
  header: string | undefined,
  tokens: ReadonlyMap<string, string>,
): string | undefined {
  let principal: string | undefined;
  for (const [token, name] of tokens) {
    if (bearerTokenMatches(header, token) && principal === undefined) principal = name;
  }
  return principal;
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    // API Gateway lower-cases names and joins repeated headers with commas.
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function queryParametersOf(search: URLSearchParams): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [key, value] of search) {
    parameters[key] = key in parameters ? `${parameters[key]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

function isUtf8(buffer: Buffer): boolean {
  return Buffer.from(buffer.toString('utf8'), 'utf8').equals(buffer);
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string' || result === undefined || result === null) {
    // API Gateway treats a bare string as a 200 JSON body.
    const body = result ?? '';
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
    return;
  }
  const structured = result as Exclude<APIGatewayProxyResultV2, string>;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const body = structured.body ?? '';
  response.writeHead(structured.statusCode ?? 200, headers);
  response.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: LocalServerSettings,
): Promise<void> {
  const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
  const method = request.method ?? 'GET';
  const match = matchRoute(method, url.pathname);
  if (!match) {
    if (pathIsKnown(url.pathname))
      sendJson(response, 405, 'method_not_allowed', `${method} is not allowed here`);
    else sendJson(response, 404, 'not_found', `no route for ${method} ${url.pathname}`);
    return;
  }
  // The page's `jwt` routes take the local bearer token too: locally it stands for the OIDC sign-in.
  const needsCaller = match.route.auth === 'iam' || match.route.auth === 'jwt';
  const principal = needsCaller
    ? principalOfBearer(request.headers.authorization, options.tokens)
    : undefined;
  if (needsCaller && principal === undefined) {
    sendJson(response, 401, 'unauthorized', 'send the local API token as "Authorization: Bearer <token>"');
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(request, options.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      sendJson(response, 413, 'payload_too_large', `bodies over ${options.maxBodyBytes} bytes are refused`);
      return;
    }
    throw error;
  }
  const requestId = randomUUID();
  const now = new Date();
  const text = isUtf8(body);
  const key = routeKey(match.route);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
    headers: headersOf(request),
    ...(queryParametersOf(url.searchParams)
      ? { queryStringParameters: queryParametersOf(url.searchParams) }
      : {}),
    pathParameters: match.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: request.headers.host ?? LOOPBACK,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? LOOPBACK,
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      // Same shape as the IAM authorizer's, so handlers read the caller one way in AWS and locally.
      ...(principal !== undefined
        ? {
            authorizer: {
              iam: {
                accessKey: principal,
                accountId: '000000000000',
                callerId: principal,
                cognitoIdentity: null,
                principalOrgId: '',
                userArn: principal,
                userId: principal,
              },
            },
          }
        : {}),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
  const target = functionOf(match.route.target);
  const result = await options.handlers[target](
    event,
    localLambdaContext(target, options.timeoutMs, requestId),
  );
  writeResult(response, result);
}

/** Starts the local HTTP server on 127.0.0.1 (never another interface). */
export async function startLocalHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const settings: LocalServerSettings = {
    handlers: options.handlers,
    tokens: new Map([...(options.apiTokens ?? []), [options.apiToken, LOCAL_PRINCIPAL]]),
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    timeoutMs: options.timeoutMs ?? 30_000,
  };
  const server: Server = createServer((request, response) => {
    handleRequest(request, response, settings).catch((error: unknown) => {
      // A handler that throws is what API Gateway reports as 500 Internal Server Error.
      if (!response.headersSent)
        sendJson(response, 500, 'internal_error', 'the handler failed; see the server log');
      else response.destroy();
      console.error('local API handler failed:', error instanceof Error ? error.message : error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
