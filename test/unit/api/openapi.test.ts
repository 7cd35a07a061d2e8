// The generated OpenAPI document: one operation per API route, every schema valid JSON Schema 2020-12.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../lib/api/routes.js';
import { buildOpenApiDocument, ROUTE_DOCS } from '../../../lib/api/index.js';

type Operation = {
  parameters: { schema: object }[];
  requestBody?: { content: { 'application/json': { schema: object } } };
  responses: Record<string, { content: { 'application/json': { schema: object } } }>;
};

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, object> };
  };

  it('documents exactly the api routes of the route table', () => {
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const apiRoutes = ROUTES.filter((route) => route.target === 'api').map((r) => `${r.method} ${r.path}`);
    expect(documented.sort()).toEqual(apiRoutes.sort());
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(apiRoutes.sort());
  });

  it('has only schemas Ajv accepts as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'components', ...document.components }, 'components');
    const rewrite = (schema: object) =>
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"components#/')) as object;
    let compiled = 0;
    for (const methods of Object.values(document.paths)) {
      for (const operation of Object.values(methods)) {
        const schemas = [
          ...operation.parameters.map((parameter) => parameter.schema),
          ...(operation.requestBody ? [operation.requestBody.content['application/json'].schema] : []),
          ...Object.values(operation.responses).map(
            (response) => response.content['application/json'].schema,
          ),
        ];
        for (const schema of schemas) {
          expect(ajv.validateSchema(rewrite(schema))).toBe(true);
          ajv.compile(rewrite(schema));
          compiled += 1;
        }
      }
    }
    expect(compiled).toBeGreaterThan(50);
  });

  it('describes the grant body so a client can build it', () => {
    const body = document.paths['/v1/workspaces/{workspace}/grants']!.post!.requestBody!.content[
      'application/json'
    ].schema as { required: string[]; properties: Record<string, { enum?: string[] }> };
    expect(body.required).toEqual(expect.arrayContaining(['resource', 'principal', 'permission']));
    expect(body.required).not.toContain('dryRun');
    expect(body.properties.permission!.enum).toEqual(['member', 'read', 'write', 'create-repo', 'admin']);
  });
});
