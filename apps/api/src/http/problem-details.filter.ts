// One place turns every error into application/problem+json (RFC 9457), and no
// error, however unexpected, takes the process down.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEPENDENCY_RETRY_AFTER_SECONDS, unreachableDependency } from '@rapport/config';
import { StorageFullError } from '@rapport/event-store';
import { PROBLEM_CONTENT_TYPE, ProblemException, problem, storageFull, type ProblemDetails } from './problem';

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { body, headers } = toProblem(exception, request.url);
    // A 5xx the server chose (CONSISTENCY_TIMEOUT, STORAGE_FULL…) is a condition to report, not a bug to trace.
    if (body.status >= 500 && isAnswered(exception)) this.logger.warn(`${body.status} ${body.code}: ${body.detail}`);
    else if (body.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    void reply.status(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body);
  }
}

function isAnswered(exception: unknown): boolean {
  return exception instanceof ProblemException || exception instanceof StorageFullError || unreachableDependency(exception) !== undefined;
}

export function toProblem(exception: unknown, instance?: string): { body: ProblemDetails; headers: Record<string, string> } {
  if (exception instanceof ProblemException) return { body: exception.toProblem(instance), headers: { ...exception.headers } };
  // The stores fail a write on a full disk whole, so this answer is true of every write path.
  if (exception instanceof StorageFullError) return { body: storageFull().toProblem(instance), headers: {} };
  const dependency = unreachableDependency(exception);
  if (dependency) {
    const detail = `${dependency} does not answer; nothing of this request was recorded. Try again shortly.`;
    return {
      body: problem(503, 'DEPENDENCY_UNAVAILABLE', 'A service Rapport depends on is unavailable', detail, [], instance),
      headers: { 'retry-after': String(DEPENDENCY_RETRY_AFTER_SECONDS) },
    };
  }
  const fastify = fastifyError(exception);
  if (fastify) return { body: { ...fastify, ...(instance ? { instance } : {}) }, headers: {} };
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const [code, title] = HTTP_CODES[status] ?? [`HTTP_${status}`, 'Request failed'];
    // Nest reports Fastify's JSON parse failure as a plain 400.
    const malformed = status === 400 && /JSON/i.test(exception.message);
    return {
      body: malformed
        ? problem(400, 'MALFORMED_JSON', 'Malformed JSON', exception.message, [], instance)
        : problem(status, code, title, exception.message, [], instance),
      headers: {},
    };
  }
  return {
    body: problem(500, 'INTERNAL_ERROR', 'Internal error', 'The server failed to handle the request; nothing was half-recorded.', [], instance),
    headers: {},
  };
}

const HTTP_CODES: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'Bad request'],
  404: ['NOT_FOUND', 'Not found'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  413: ['BODY_TOO_LARGE', 'Request body too large'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
};

/** Fastify's own errors (body parsing, limits) carry a `code` like FST_ERR_CTP_INVALID_JSON_BODY. */
function fastifyError(exception: unknown): ProblemDetails | undefined {
  if (!(exception instanceof Error) || !('code' in exception) || typeof exception.code !== 'string') return undefined;
  const status = 'statusCode' in exception && typeof exception.statusCode === 'number' ? exception.statusCode : 400;
  switch (exception.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'BODY_TOO_LARGE', 'Request body too large', exception.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'MALFORMED_JSON', 'Malformed JSON', 'The body is empty but the content type says JSON.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, 'MALFORMED_JSON', 'Malformed JSON', exception.message);
    default:
      if (exception.code.startsWith('FST_') && status < 500) {
        return problem(status, 'BAD_REQUEST', 'Bad request', exception.message);
      }
      return undefined;
  }
}
