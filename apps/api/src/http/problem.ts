// Errors users see are values with stable codes, mapped to RFC 9457 here only.
import type { FieldError } from '@rapport/contract';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://rapport.dev/problems/';

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors: readonly FieldError[];
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

/** Thrown anywhere in the API; the problem filter renders it. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors: readonly FieldError[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
  }

  toProblem(instance?: string): ProblemDetails {
    return problem(this.status, this.code, this.title, this.message, this.errors, instance);
  }
}

export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  errors: readonly FieldError[] = [],
  instance?: string,
): ProblemDetails {
  return {
    type: `${TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`,
    title,
    status,
    detail,
    code,
    errors,
    ...(instance ? { instance } : {}),
  };
}

/** 507 (SPEC section 8): the disk is full. Raised only where nothing of the request was recorded. */
export function storageFull(detail = 'The server has no room left to record this; nothing of the request was recorded. Retry once space is freed.'): ProblemException {
  return new ProblemException(507, 'STORAGE_FULL', 'Insufficient storage', detail);
}

/** 422: an emitter sent a type only Rapport records (the erasure, the playbook decisions). */
export function reservedEventType(errors: readonly FieldError[]): ProblemException {
  return new ProblemException(422, 'RESERVED_EVENT_TYPE', 'Reserved event type', 'This event type is recorded only by Rapport itself; nothing was recorded.', errors);
}

export function validationFailed(errors: readonly FieldError[], detail = 'The request has invalid fields.'): ProblemException {
  return new ProblemException(400, 'VALIDATION_FAILED', 'Invalid request', detail, errors);
}
