// Queries checked and reduced to a plan both adapters translate: every value a
// caller passes (ids, condition values, text, cursor) is checked to be a plain
// string, number or null here, so no adapter ever sees an object it could read
// as an operator, and every field name is one the collection declared (the
// SQLite adapter puts field names into SQL).
import type { ResolvedCollection } from './collection';
import { isPlainObject, keysOf } from './document-row';
import { InvalidCursorError, InvalidQueryError, type JsonDocument, type Scalar } from './document-store.port';

/** `field` is `_id` or a declared field; the condition holds when the field's key is one of `values`. */
export interface PlannedCondition {
  readonly field: string;
  readonly values: readonly Scalar[];
}

/** One step of a keyset comparison: the field's key equals, or sorts after, the value. */
export interface Comparison {
  readonly field: string;
  readonly op: 'eq' | 'gt';
  readonly value: Scalar;
}

export interface QueryPlan {
  readonly conditions: readonly PlannedCondition[];
  /** Lower-cased search text, or null for none. */
  readonly text: string | null;
  /** Declared fields, ascending; `_id` follows them. */
  readonly sort: readonly string[];
  readonly limit: number;
  /**
   * Where the page starts: a disjunction of conjunctions (for sort a, b:
   * a > x, or a = x and b > y, or a = x and b = y and _id > id); empty for the first page.
   * On a null key, `gt` means "is not null" and `eq` "is null": nulls sort first.
   */
  readonly after: readonly (readonly Comparison[])[];
}

const QUERY_KEYS = new Set(['where', 'text', 'sort', 'limit', 'cursor']);

export function planQuery(collection: ResolvedCollection, query: unknown): QueryPlan {
  if (!isPlainObject(query)) throw new InvalidQueryError('a query must be a plain object');
  for (const key of Object.keys(query)) if (!QUERY_KEYS.has(key)) throw new InvalidQueryError(`unknown query member ${JSON.stringify(key)}`);
  const conditions = query.where === undefined ? [] : planConditions(collection, query.where);
  const limit = query.limit;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) throw new InvalidQueryError('limit must be a positive integer');
  let text: string | null = null;
  if (query.text !== undefined) {
    if (typeof query.text !== 'string') throw new InvalidQueryError('text must be a string');
    if (collection.search.length === 0) throw new InvalidQueryError(`collection ${collection.name} declares no search fields`);
    if (query.text !== '') text = query.text.toLowerCase();
  }
  const sort = planSort(collection, query.sort);
  let after: Comparison[][] = [];
  if (query.cursor !== undefined) {
    if (typeof query.cursor !== 'string') throw new InvalidCursorError();
    const position = decodeCursor(collection, sort, query.cursor);
    after = keyset(sort, position.values, position.id);
  }
  return { conditions, text, sort, limit, after };
}

export function planConditions(collection: ResolvedCollection, where: unknown): PlannedCondition[] {
  if (!Array.isArray(where)) throw new InvalidQueryError('where must be a list of conditions');
  return where.map((condition: unknown) => {
    if (!isPlainObject(condition)) throw new InvalidQueryError('a condition must be a plain object');
    const keys = Object.keys(condition).sort();
    const field = condition.field;
    if (typeof field !== 'string' || (field !== '_id' && !collection.fields.has(field))) {
      throw new InvalidQueryError(`condition field ${JSON.stringify(field)} is not _id or a declared field of ${collection.name}`);
    }
    const isId = field === '_id';
    if (keys.length === 2 && keys[0] === 'eq' && keys[1] === 'field') return { field, values: [plainValue(condition.eq, isId)] };
    if (keys.length === 2 && keys[0] === 'field' && keys[1] === 'in') {
      if (!Array.isArray(condition.in)) throw new InvalidQueryError(`${field}: in must be a list of values`);
      return { field, values: [...new Set(condition.in.map((value: unknown) => plainValue(value, isId)))] };
    }
    throw new InvalidQueryError('a condition is {field, eq} or {field, in}');
  });
}

/** A string, a finite number or null (a string for `_id`); anything else is refused, never interpreted. */
function plainValue(value: unknown, isId: boolean): Scalar {
  if (typeof value === 'string') return value;
  if (!isId && (value === null || (typeof value === 'number' && Number.isFinite(value)))) return value;
  throw new InvalidQueryError(isId ? '_id values must be strings' : 'condition values must be strings, finite numbers or null');
}

/** An id passed to get/getMany: a string, nothing else. */
export function plainId(id: unknown): string {
  if (typeof id !== 'string') throw new InvalidQueryError('ids must be strings');
  return id;
}

function planSort(collection: ResolvedCollection, sort: unknown): string[] {
  if (sort === undefined) return [];
  if (!Array.isArray(sort) || sort.length > 2) throw new InvalidQueryError('sort is a list of at most two declared fields');
  for (const field of sort) {
    if (typeof field !== 'string' || !collection.fields.has(field)) {
      throw new InvalidQueryError(`sort field ${JSON.stringify(field)} is not a declared field of ${collection.name}`);
    }
  }
  if (new Set(sort).size !== sort.length) throw new InvalidQueryError('sort repeats a field');
  return sort as string[];
}

function keyset(sort: readonly string[], values: readonly Scalar[], id: string): Comparison[][] {
  const fields = [...sort, '_id'];
  const all: Scalar[] = [...values, id];
  return fields.map((field, i) => [
    ...fields.slice(0, i).map((earlier, j) => ({ field: earlier, op: 'eq' as const, value: all[j]! })),
    { field, op: 'gt' as const, value: all[i]! },
  ]);
}

// Cursors are opaque to callers: base64url JSON of the collection, the sort and
// the last key of a page. A cursor for another collection or sort, or whose
// values are not plain values of the declared types, is refused.

interface CursorBody {
  c: string;
  s: string[];
  v: Scalar[];
  i: string;
}

/** The cursor of the page that follows `last` in a query planned as `plan`. */
export function cursorAfter(collection: ResolvedCollection, plan: QueryPlan, last: JsonDocument): string {
  const keys = keysOf(collection, last);
  const body: CursorBody = { c: collection.name, s: [...plan.sort], v: plan.sort.map((field) => keys.get(field) ?? null), i: last._id };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeCursor(collection: ResolvedCollection, sort: readonly string[], cursor: string): { values: Scalar[]; id: string } {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!isPlainObject(body) || Object.keys(body).sort().join() !== 'c,i,s,v') throw new InvalidCursorError();
  const { c, s, v, i } = body as Record<keyof CursorBody, unknown>;
  if (c !== collection.name || typeof i !== 'string') throw new InvalidCursorError();
  if (!Array.isArray(s) || s.length !== sort.length || s.some((field, n) => field !== sort[n])) throw new InvalidCursorError();
  if (!Array.isArray(v) || v.length !== sort.length) throw new InvalidCursorError();
  const values = v.map((value: unknown, n) => {
    const type = collection.fields.get(sort[n]!);
    if (value === null) return null;
    if (type === 'string' && typeof value === 'string') return value;
    if (type === 'number' && typeof value === 'number' && Number.isFinite(value)) return value;
    throw new InvalidCursorError();
  });
  return { values, id: i };
}
