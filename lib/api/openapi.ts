// The OpenAPI 3.1 document of /v1, generated from the route table and the zod schemas with zod 4's
// own JSON Schema output (draft 2020-12, which OpenAPI 3.1 uses as is).
import * as z from 'zod';
import { ROUTES, routeKey } from './routes.js';
import { ErrorAnswer } from './read-schemas.js';
import { ROUTE_DOCS, type ApiRouteKey } from './route-docs.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation failed; `details.field` or `details.parameter` names what',
  401: 'Not authenticated (IAM SigV4 in AWS, the bearer token locally)',
  402: "Bitbucket's plan user limit is reached (Bitbucket answered 402): the change would add a user to the workspace; code `plan_user_limit_reached`. The Idempotency-Key stays free for a retry once a seat is free",
  404: 'Unknown workspace, resource, principal or request',
  409: 'Would downgrade, names a different permission, or the same Idempotency-Key is in flight',
  422: 'Not grantable, nothing sent to Bitbucket unless said: `details.reason` is `not-workspace-member` (a user grant needs a workspace member: invite them or add them to a group; `details.membersRefreshedAt` says how fresh the stored picture is), `workspace-owner` (owners are admin everywhere and need nothing), or `refused-by-bitbucket` (Bitbucket answered 400; `details.upstreamMessage`); or `details.capability` names what the credential lacks; or (code `idempotency_key_reused`) the Idempotency-Key came with another body',
  429: 'Bitbucket rate limit or our hourly budget; see Retry-After',
  500: 'Internal error',
  502: "Bitbucket failed; `details.upstreamStatus` and `details.upstreamMessage` (Bitbucket's own words) say how; `details.reason: endpoint-removed` with `details.change` (Atlassian's CHANGE id) for an endpoint Atlassian removed (410, or 404 on an announced removal)",
};

function parametersOf(path: string, doc: (typeof ROUTE_DOCS)[ApiRouteKey]): JsonSchema[] {
  const parameters: JsonSchema[] = [...path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  for (const [name, field] of Object.entries(doc.query.shape)) {
    const schema = field as z.ZodType;
    parameters.push({
      name,
      in: 'query',
      required: !schema.safeParse(undefined).success,
      schema: jsonSchema(schema, 'input'),
      ...(schema.description ? { description: schema.description } : {}),
    });
  }
  if (doc.idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Replays the first answer for the same key and body; another body answers 422; a duplicate in flight answers 409',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return parameters;
}

function errorResponse(status: number): JsonSchema {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? `Error ${status}`,
    ...(status === 429
      ? { headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } }
      : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
}

export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ROUTES) {
    if (route.target !== 'api') continue;
    const doc = ROUTE_DOCS[routeKey(route) as ApiRouteKey];
    const responses: Record<string, JsonSchema> = {
      [String(doc.status)]: {
        description: route.summary,
        content: { 'application/json': { schema: jsonSchema(doc.answer, 'output') } },
      },
    };
    for (const status of [...doc.errors, 401, 500]) responses[String(status)] = errorResponse(status);
    const operation: JsonSchema = {
      operationId: doc.operationId,
      summary: route.summary,
      security: [{ sigv4: [] }],
      parameters: parametersOf(route.path, doc),
      ...(doc.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'bitbucket-governance API',
      version: '1',
      description:
        'Who can reach what in Bitbucket Cloud workspaces, access-review exports, and safe, audited grants and revocations.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorAnswer, 'output') },
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS Signature Version 4 (IAM authorization); locally `Bearer <LOCAL_API_TOKEN>`',
        },
      },
    },
  };
}
