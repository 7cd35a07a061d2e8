// Checks answers against the served OpenAPI document: the schema of (path, method, status) compiled with
// Ajv's draft 2020-12 engine, the dialect OpenAPI 3.1 uses.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

type Document = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const pointer = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

export function openApiValidator(document: Document) {
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: 'openapi' });
  return (path: string, method: string, status: number, body: unknown) => {
    const responses = document.paths[path]?.[method.toLowerCase()]?.responses;
    expect(responses?.[String(status)], `${method} ${path} documents ${status}`).toBeDefined();
    const validate = ajv.compile({
      $ref: `openapi#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`,
    });
    const valid = validate(body);
    expect(valid, `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  };
}
