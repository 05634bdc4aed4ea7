// Test support: every response an e2e test receives, checked against the
// server's own OpenAPI document (/openapi.json), so the document cannot drift
// from what the code answers. The operation is found by path template and
// method; the status must be documented for it, the content type listed under
// that status, and a JSON body valid against its schema. OpenAPI 3.0 schema
// objects are turned into JSON Schema for ajv: `nullable` becomes a union
// with null, and an object schema that lists its properties is closed (a field
// the document does not describe is drift too).
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, any>;

export interface ObservedResponse {
  readonly method: string;
  /** Path and query as requested (still URL-encoded). */
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  /** Parsed JSON for JSON media types, else the text. */
  readonly body: unknown;
}

const COMPONENTS = '#/components/schemas/';
const DEFINITIONS = 'openapi#/definitions/';
/** Served on purpose outside the document: the workspace, Swagger UI itself, the document, Prometheus text. */
const UNDOCUMENTED = [/^\/$/, /^\/app(\/.*)?$/, /^\/docs(\/.*)?$/, /^\/docs-yaml$/, /^\/openapi\.json$/, /^\/metrics$/];
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json$/;

interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  /** Literal segments first: /v1/analytics/models/compare before /v1/analytics/models/{model}/validation. */
  readonly parameters: number;
  readonly item: Schema;
}

export class OpenApiContract {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly problem: ValidateFunction;

  constructor(readonly document: Schema) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', definitions: toJsonSchema(document.components?.schemas ?? {}) });
    this.problem = this.ajv.compile({ $ref: `${DEFINITIONS}ProblemDetailsDto` });
    this.routes = Object.entries<Schema>(document.paths)
      .map(([template, item]) => ({
        template,
        item,
        parameters: (template.match(/\{/g) ?? []).length,
        pattern: new RegExp(`^${template.split('/').map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]*' : segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'))).join('/')}$`),
      }))
      .sort((a, b) => a.parameters - b.parameters);
  }

  static async load(baseUrl: string): Promise<OpenApiContract> {
    const response = await fetch(`${baseUrl}/openapi.json`);
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
    return new OpenApiContract((await response.json()) as Schema);
  }

  /** What is wrong with this response, as the document has it; empty when nothing is. */
  violations(observed: ObservedResponse): string[] {
    const method = observed.method.toUpperCase();
    if (method === 'OPTIONS') return [];
    const path = observed.url.split('?')[0]!;
    if (UNDOCUMENTED.some((p) => p.test(path))) return [];
    const mediaType = observed.contentType.split(';')[0]!.trim().toLowerCase();
    // No route (or no such method on a path): the router's own 404, a problem like any other.
    const routerNotFound = () =>
      observed.status === 404 && JSON_MEDIA.test(mediaType) && (observed.body as Schema | undefined)?.code === 'NOT_FOUND' ? this.check(this.problem, observed.body) : undefined;

    // Fastify's router answers a path no route serves (an empty segment, say) before any operation sees it.
    const notFound = routerNotFound();
    if (notFound) return notFound;
    const route = this.routes.find((r) => r.pattern.test(path));
    if (!route) return [`${path} is not a path of the document`];
    const operation: Schema | undefined = route.item[method === 'HEAD' ? 'get' : method.toLowerCase()];
    if (!operation) return [`${method} ${route.template} is not an operation of the document`];
    const where = `${method} ${route.template}`;
    const response: Schema | undefined = operation.responses?.[String(observed.status)] ?? operation.responses?.default;
    if (!response) return [`${where} documents no ${observed.status} response (it documents ${Object.keys(operation.responses ?? {}).join(', ')})`];
    if (method === 'HEAD') return [];

    const content: Schema = response.content ?? {};
    const empty = observed.body === '' || observed.body === undefined;
    if (Object.keys(content).length === 0) return empty ? [] : [`${where} ${observed.status} documents no body, but one came (${mediaType || 'no content type'})`];
    const media = content[mediaType];
    if (!media) return [`${where} ${observed.status} answered ${mediaType || 'no content type'}; the document lists ${Object.keys(content).join(', ')}`];
    if (!JSON_MEDIA.test(mediaType)) return typeof observed.body === 'string' ? [] : [`${where} ${observed.status}: a ${mediaType} body should be text`];
    return this.check(this.validator(`${where} ${observed.status} ${mediaType}`, media.schema ?? {}), observed.body);
  }

  private validator(key: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema));
      this.validators.set(key, validate);
    }
    return validate;
  }

  private check(validate: ValidateFunction, body: unknown): string[] {
    return validate(body) ? [] : (validate.errors ?? []).map(describeError);
  }
}

function describeError(error: ErrorObject): string {
  const at = error.instancePath || '(the body)';
  const params = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : error.keyword === 'enum' ? ` (${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)})` : '';
  return `${at} ${error.message ?? error.keyword}${params}`;
}

/** OpenAPI 3.0 schema objects as JSON Schema (draft 7). */
export function toJsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'example' || key === 'discriminator' || key === 'xml' || key === 'externalDocs' || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = value.startsWith(COMPONENTS) ? `${DEFINITIONS}${value.slice(COMPONENTS.length)}` : value;
    else if (key === 'properties' || key === 'definitions') out[key] = Object.fromEntries(Object.entries(value as Schema).map(([name, s]) => [name, toJsonSchema(s)]));
    else out[key] = toJsonSchema(value);
  }
  // Closed unless the document says otherwise: every field an answer carries is described.
  if (out.properties && out.additionalProperties === undefined && !out.allOf && !out.anyOf && !out.oneOf) out.additionalProperties = false;
  if (schema.nullable === true) {
    // A `$ref` beside other keywords is read alone by draft 7: keep the referenced schema whole.
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}
