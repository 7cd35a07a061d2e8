// Validates simulator responses against the response schemas of Atlassian's OpenAPI document.
//
// The document is read from BITBUCKET_OPENAPI_PATH, or else from ../shared/bitbucket/cloud-openapi.json beside
// the repository (as in CI). When neither is there (a fresh clone on its own), only the document checks skip:
// `openApiDocument` says why, the reason is printed once per process, and `checkContract` answers
// `checked: false`; every behavioural assertion still runs. BITBUCKET_OPENAPI_PATH naming a missing file is a
// configuration error and throws.
//
// Deviations we accept (the spec, not the simulator, is off; each is a fact of Bitbucket's real answers):
// 1. OpenAPI 3.0 keywords `discriminator` and `nullable` are not JSON Schema; ajv runs with strict: false
//    and ignores them (no simulator response relies on a null in a field the spec types non-null).
// 2. Objects carry fields the spec under-declares (allowed: additionalProperties is true on objects):
//    `workspace_membership.permission`, `last_accessed`, `added_on` on /workspaces/{ws}/permissions,
//    `repository.slug` and `repository.workspace`, `project.workspace`, `group.slug` links, `user.created_on`.
// 3. `webhook_subscription.events` is sorted and de-duplicated by us; the spec's enum covers every event we
//    accept, so nothing outside it can be answered.
// 4. The 1.0 group API and the OAuth token endpoint are not in the 2.0 document and are checked by hand
//    in the tests instead.
// 5. Answers trimmed by a `fields` whitelist (e.g. `values.slug,next`) drop required members such as
//    `type`; they are not validated, since the spec describes untrimmed objects. Exclusions are validated.
// 6. Error bodies (4xx/5xx) are validated against `error` only where the spec declares that status for the
//    operation; undeclared statuses (429 text/plain, 402, 409, 405) are not validated.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// Atlassian's OpenAPI document is kept beside the repository, in ../shared/bitbucket/.
const SHARED_SPEC_PATH = fileURLToPath(
  new URL('../../../../../shared/bitbucket/cloud-openapi.json', import.meta.url),
);

export type OpenApiDocument = { available: true; path: string } | { available: false; reason: string };

function locateDocument(): OpenApiDocument {
  const configured = process.env.BITBUCKET_OPENAPI_PATH;
  if (configured) {
    if (!existsSync(configured))
      throw new Error(
        `BITBUCKET_OPENAPI_PATH is ${configured}, which does not exist: point it at Bitbucket's ` +
          'cloud-openapi.json, or unset it to use ../shared/bitbucket/cloud-openapi.json when present',
      );
    return { available: true, path: configured };
  }
  if (existsSync(SHARED_SPEC_PATH)) return { available: true, path: SHARED_SPEC_PATH };
  return {
    available: false,
    reason: `OpenAPI document checks skipped: ${SHARED_SPEC_PATH} not found (set BITBUCKET_OPENAPI_PATH)`,
  };
}

/** Where the document is, or why its checks are skipped. Only its existence is looked at on import. */
export const openApiDocument: OpenApiDocument = locateDocument();

// Test files may each load this module afresh; the flag on globalThis keeps the reason to one line a process.
const SKIP_PRINTED = Symbol.for('bitbucket-governance.openapi-skip-printed');
const globals = globalThis as { [SKIP_PRINTED]?: boolean };
if (!openApiDocument.available && !globals[SKIP_PRINTED]) {
  globals[SKIP_PRINTED] = true;
  console.warn(openApiDocument.reason);
}

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Spec = { paths: Record<string, Record<string, Operation>> };
type Template = { template: string; regex: RegExp; literalCount: number };
interface Loaded {
  spec: Spec;
  ajv: Ajv;
  templates: Template[];
  cache: Map<string, ValidateFunction>;
}

let loaded: Loaded | undefined;

/** Reads an OpenAPI document, or throws naming the file and what is wrong with it. */
function readSpec(path: string): Spec {
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Bitbucket's OpenAPI document at ${path} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof (spec as Partial<Spec> | null)?.paths !== 'object' || (spec as Spec).paths === null)
    throw new Error(`Bitbucket's OpenAPI document at ${path} has no "paths": is it cloud-openapi.json?`);
  return spec as Spec;
}

/** Parses the document and prepares the validator on first use; undefined when the document is absent. */
function load(): Loaded | undefined {
  if (!openApiDocument.available) return undefined;
  if (loaded) return loaded;
  const spec = readSpec(openApiDocument.path);
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => void;
  addFormats(ajv);
  ajv.addSchema(spec as object, 'spec');
  const templates = Object.keys(spec.paths).map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    literalCount: template.split('/').filter((s) => s && !s.startsWith('{')).length,
  }));
  loaded = { spec, ajv, templates, cache: new Map() };
  return loaded;
}

/** The spec path template for a /2.0 request path, preferring the most literal match. */
export function specTemplate(pathname: string): string | undefined {
  const doc = load();
  if (!doc) return undefined;
  const path = pathname.replace(/^\/2\.0/, '');
  const matches = doc.templates
    .filter((t) => t.regex.test(path))
    .sort((a, b) => b.literalCount - a.literalCount);
  return matches[0]?.template;
}

export interface ContractResult {
  checked: boolean;
  template?: string;
  errors: string[];
}

/**
 * Validates one 2.0 JSON response body; `checked` is false when the spec declares no schema for it, or when
 * the document is absent (see `openApiDocument`).
 */
export function checkContract(
  method: string,
  pathname: string,
  status: number,
  body: unknown,
): ContractResult {
  const doc = load();
  if (!doc) return { checked: false, errors: [] };
  const template = specTemplate(pathname);
  if (!template) return { checked: false, errors: [] };
  const op = doc.spec.paths[template]?.[method.toLowerCase()];
  const response = op?.responses?.[String(status)];
  const schema = response?.content?.['application/json']?.schema as { $ref?: string } | undefined;
  if (!schema?.$ref) return { checked: false, template, errors: [] };
  const ref = `spec${schema.$ref}`;
  let validate = doc.cache.get(ref);
  if (!validate) {
    validate = doc.ajv.compile({ $ref: ref });
    doc.cache.set(ref, validate);
  }
  const ok = validate(body);
  return {
    checked: true,
    template,
    errors: ok
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        ),
  };
}
