// What both adapters store for a document: its JSON text beside the values
// queries read (declared fields, the lower-cased search text). Computed here,
// once, so the adapters cannot disagree on a key's type or on case folding
// (SQLite's lower() folds ASCII only).
import type { ResolvedCollection } from './collection';
import { InvalidDocumentError, type JsonDocument, type Scalar } from './document-store.port';

export interface DocumentRow {
  readonly id: string;
  readonly revision: number;
  /** The document as JSON text: what reads parse and return. */
  readonly json: string;
  /** Declared fields' values, by field name: the value when it has the declared type, else null. */
  readonly keys: ReadonlyMap<string, Scalar>;
  /** The search fields' text, lower-cased, one per line; null when the collection has no text search. */
  readonly search: string | null;
}

/** Checks a document and derives its row; throws InvalidDocumentError for anything the store cannot keep. */
export function toRow(collection: ResolvedCollection, document: unknown): DocumentRow {
  const bad = (why: string) => new InvalidDocumentError(`${collection.name}: ${why}`);
  if (!isPlainObject(document)) throw bad('a document must be a plain object');
  let json: string;
  try {
    json = JSON.stringify(document);
  } catch (error) {
    throw bad(`a document must be JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  // Keys and checks read what the store will hand back, not the object passed in.
  const stored = JSON.parse(json) as Record<string, unknown>;
  const id = stored._id;
  if (typeof id !== 'string' || id.length === 0) throw bad('_id must be a non-empty string');
  const revision = stored.revision;
  if (!isRevision(revision)) throw bad(`${id}: revision must be an integer from 0 to 2^53 - 1`);
  return { id, revision, json, keys: keysOf(collection, stored), search: searchText(collection, stored) };
}

/** Parses stored JSON text back into a document and checks it is one (a guard against rows the store did not write). */
export function fromJson(collection: ResolvedCollection, json: string): JsonDocument {
  const document = JSON.parse(json) as JsonDocument;
  if (!isPlainObject(document) || typeof document._id !== 'string') throw new InvalidDocumentError(`${collection.name}: a stored row is not a document`);
  return document;
}

export function keysOf(collection: ResolvedCollection, document: Record<string, unknown>): Map<string, Scalar> {
  const keys = new Map<string, Scalar>();
  for (const [field, type] of collection.fields) {
    const value = Object.prototype.hasOwnProperty.call(document, field) ? document[field] : undefined;
    const key = type === 'string' ? (typeof value === 'string' ? value : null) : typeof value === 'number' && Number.isFinite(value) ? value : null;
    if (key === null && collection.required.has(field)) {
      throw new InvalidDocumentError(`${collection.name}: ${String(document._id)}: field ${field} of a unique index must be a ${type}`);
    }
    keys.set(field, key);
  }
  return keys;
}

function searchText(collection: ResolvedCollection, document: Record<string, unknown>): string | null {
  if (collection.search.length === 0) return null;
  return collection.search
    .map((field) => (Object.prototype.hasOwnProperty.call(document, field) ? document[field] : undefined))
    .map((value) => (typeof value === 'string' ? value.toLowerCase() : ''))
    .join('\n');
}

export function isRevision(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
