// Keys that name JavaScript prototype machinery. class-transformer crashes on a
// nested object that has an own `constructor` (a 500 the write-fuzz test
// found), and `__proto__`/`prototype` invite prototype pollution downstream, so
// the edge refuses them anywhere in a body instead of passing them on.
import type { FieldError } from './field-errors';

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper than any valid envelope; a deeper body is refused for its own reason anyway. */
const MAX_DEPTH = 8;

/** One error per reserved key, by dotted path (e.g. `data.constructor`). */
export function reservedKeyErrors(value: unknown, prefix = '', depth = 0): FieldError[] {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const own = Array.isArray(value) ? [] : Object.getOwnPropertyNames(value).filter((k) => RESERVED.has(k));
  return [
    ...own.map((key) => ({ field: prefix ? `${prefix}.${key}` : key, message: `${key} is a reserved name and may not be used as a field` })),
    ...entries.filter(([key]) => !RESERVED.has(key)).flatMap(([key, v]) => reservedKeyErrors(v, prefix ? `${prefix}.${key}` : key, depth + 1)),
  ];
}
