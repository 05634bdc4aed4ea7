// How the OpenAPI document shows problems (RFC 9457): one ProblemDetails
// schema, and per operation and status the codes that status can carry, as an
// enum on `code`. Routes declare their own codes with @ApiProblems; the codes
// every route of a kind can answer (credentials, rate limit, bodies, 500) are
// added to the whole document by withGenericProblems.
import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem';

export class FieldErrorDto {
  @ApiProperty({ description: 'Dotted path of the bad field (data.amount, events.1.type), a query or path parameter, or a header', example: 'data.amount' })
  field!: string;

  @ApiProperty({ example: 'amount must be an integer number of minor units' })
  message!: string;
}

export class ProblemDetailsDto {
  @ApiProperty({ description: 'https://rapport.dev/problems/ plus the code in lower case with dashes', example: 'https://rapport.dev/problems/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Invalid request' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;

  @ApiProperty({ example: 'The request has invalid fields.' })
  detail!: string;

  @ApiProperty({ description: 'Stable: match on it, not on title or detail', example: 'VALIDATION_FAILED' })
  code!: string;

  @ApiProperty({ type: [FieldErrorDto], description: 'Each bad field; empty when no field is to blame' })
  errors!: FieldErrorDto[];

  @ApiPropertyOptional({ description: "The request's path and query", example: '/v1/customers/ada/events' })
  instance?: string;
}

/** Problem codes by HTTP status, e.g. `{ 400: ['VALIDATION_FAILED'], 404: ['CUSTOMER_NOT_FOUND'] }`. */
export type ProblemCodes = Readonly<Partial<Record<number, readonly string[]>>>;

type Schema = Record<string, unknown>;
/** What addProblems reads of a response: the codes already listed under its problem schema. */
interface ResponseLike {
  description?: string;
  content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] } }>;
}
interface OperationLike {
  responses?: Record<string, ResponseLike>;
  'x-rapport-roles'?: readonly string[];
}

/** The schema of a problem of `status` with one of `codes`. */
export function problemSchema(status: number, codes: readonly string[]): Schema {
  return {
    allOf: [
      { $ref: getSchemaPath(ProblemDetailsDto) },
      {
        type: 'object',
        additionalProperties: true,
        properties: { status: { type: 'integer', enum: [status] }, code: { type: 'string', enum: [...codes] } },
      },
    ],
  };
}

function describe(codes: readonly string[], description?: string): string {
  const list = codes.map((c) => `\`${c}\``).join(', ');
  return description ? `${list}: ${description}` : list;
}

function problemResponse(status: number, codes: readonly string[], description?: string): { description: string; content: Record<string, { schema: Schema }> } {
  return { description: describe(codes, description), content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema(status, codes) } } };
}

/**
 * The problems a route answers, by status: each documented as
 * application/problem+json with the ProblemDetails schema and its codes.
 * `descriptions` may say when each status happens.
 */
export function ApiProblems(codes: ProblemCodes, descriptions: Readonly<Partial<Record<number, string>>> = {}) {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto, FieldErrorDto),
    ...Object.entries(codes).map(([status, list]) => {
      const { description, content } = problemResponse(Number(status), list!, descriptions[Number(status)]);
      return ApiResponse({ status: Number(status), description, content });
    }),
  );
}

/** Adds codes to an operation's problem response of `status`, creating it if need be. */
export function addProblems(operation: OperationLike, status: number, codes: readonly string[], description?: string): void {
  operation.responses ??= {};
  const existing = operation.responses[status];
  const schema = existing?.content?.[PROBLEM_CONTENT_TYPE]?.schema;
  const known: string[] = schema?.allOf?.[1]?.properties?.code?.enum ?? [];
  const all = [...known, ...codes.filter((c) => !known.includes(c))];
  if (schema && known.length > 0) {
    if (all.length === known.length) return;
    const added = describe(codes.filter((c) => !known.includes(c)), description);
    operation.responses[status] = { description: `${existing?.description ?? ''}; ${added}`, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema(status, all) } } };
  } else {
    operation.responses[status] = problemResponse(status, all, description);
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * The problems any route of a kind may answer, whatever it does: every route
 * 500 INTERNAL_ERROR; a route that needs a credential 401, 403, 429 and 503
 * AUTH_UNAVAILABLE (a JWKS that does not answer); a route that takes a body
 * (any method but GET) what the body parser and limits refuse.
 */
export function withGenericProblems(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as OperationLike | undefined;
      if (!operation) continue;
      const roles: readonly string[] = operation['x-rapport-roles'] ?? [];
      if (!roles.includes('public')) {
        addProblems(operation, 401, ['UNAUTHENTICATED'], 'no credential, or one not accepted (WWW-Authenticate says how)');
        addProblems(operation, 403, ['FORBIDDEN'], "the credential lacks the route's role");
        addProblems(operation, 429, ['RATE_LIMITED'], 'too many requests with this credential; retry after Retry-After seconds');
        addProblems(operation, 503, ['AUTH_UNAVAILABLE'], 'the JWT issuer’s keys cannot be fetched; retry after Retry-After seconds');
      }
      if (method !== 'get') {
        addProblems(operation, 400, ['MALFORMED_JSON', 'DUPLICATE_KEY', 'NESTING_TOO_DEEP', 'BAD_REQUEST'], 'a body that is not one JSON value, repeats a key or nests too deep');
        addProblems(operation, 413, ['BODY_TOO_LARGE'], 'the body exceeds RAPPORT_BODY_LIMIT_BYTES (a batch: RAPPORT_BATCH_BODY_LIMIT_BYTES)');
        addProblems(operation, 415, ['UNSUPPORTED_MEDIA_TYPE'], 'the body is not application/json, or its charset is not utf-8');
      }
      addProblems(operation, 500, ['INTERNAL_ERROR'], 'an unexpected failure, logged; nothing was half-recorded');
    }
  }
  return document;
}
