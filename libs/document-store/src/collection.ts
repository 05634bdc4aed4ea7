// Collection declarations: what a read model states about its documents (the
// fields queries use, their indexes, the fields text search reads), checked
// once and resolved into the form both adapters build their storage from.
import type { AnyCollection, CollectionSpec, FieldType, StoredDocument } from './document-store.port';
import { UnknownCollectionError } from './document-store.port';

const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,47}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Names the adapters keep for their own tables and collections. */
export const RESERVED_PREFIX = 'document_store';

export interface ResolvedIndex {
  /** Unique within the collection: `ix_<fields>` or `ux_<fields>`. */
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
}

export interface ResolvedCollection {
  readonly name: string;
  /** Declared fields by name, in name order. */
  readonly fields: ReadonlyMap<string, FieldType>;
  readonly indexes: readonly ResolvedIndex[];
  /** Fields (or `_id`) that text search reads; empty when the collection has no text search. */
  readonly search: readonly string[];
  /** Fields that must be present in every document (those of unique indexes). */
  readonly required: ReadonlySet<string>;
  /** Changes whenever anything that shapes storage changes: adapters rebuild keys and indexes then. */
  readonly fingerprint: string;
}

/** Declares a collection; checks the declaration at once, so a bad one fails where it is written. */
export function defineCollection<D extends StoredDocument>(spec: CollectionSpec<D>): CollectionSpec<D> {
  resolveCollection(spec as unknown as AnyCollection);
  return spec;
}

export function resolveCollection(spec: AnyCollection): ResolvedCollection {
  const bad = (why: string) => new TypeError(`collection ${JSON.stringify(spec?.name)}: ${why}`);
  if (typeof spec !== 'object' || spec === null) throw new TypeError('a collection declaration must be an object');
  if (typeof spec.name !== 'string' || !COLLECTION_NAME.test(spec.name)) throw bad('the name must match [a-z][a-z0-9_]*, at most 48 characters');
  if (spec.name.startsWith(RESERVED_PREFIX)) throw bad(`names starting with ${RESERVED_PREFIX} are the store's own`);
  const fields = new Map<string, FieldType>();
  for (const [field, type] of Object.entries(spec.fields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (type === undefined) continue;
    if (!FIELD_NAME.test(field)) throw bad(`field ${JSON.stringify(field)} must match [A-Za-z][A-Za-z0-9_]*, at most 64 characters`);
    if (type !== 'string' && type !== 'number') throw bad(`field ${field} must be of type 'string' or 'number'`);
    // SQLite column and index names ignore case.
    if ([...fields.keys()].some((other) => other.toLowerCase() === field.toLowerCase())) throw bad(`fields ${field} and another differ only in case`);
    fields.set(field, type);
  }
  const indexes: ResolvedIndex[] = [];
  const required = new Set<string>();
  for (const index of spec.indexes ?? []) {
    const names = [...(index.fields ?? [])] as string[];
    if (names.length === 0) throw bad('an index needs at least one field');
    for (const field of names) if (!fields.has(field)) throw bad(`index field ${JSON.stringify(field)} is not a declared field`);
    if (new Set(names).size !== names.length) throw bad(`index ${names.join(', ')} repeats a field`);
    const unique = index.unique === true;
    const name = `${unique ? 'ux' : 'ix'}_${names.join('__')}`;
    if (indexes.some((other) => other.name === name)) throw bad(`index ${names.join(', ')} is declared twice`);
    indexes.push({ name, fields: names, unique });
    if (unique) for (const field of names) required.add(field);
  }
  const search = [...(spec.search ?? [])] as string[];
  for (const field of search) {
    if (field !== '_id' && !FIELD_NAME.test(field)) throw bad(`search field ${JSON.stringify(field)} must be _id or match [A-Za-z][A-Za-z0-9_]*`);
  }
  if (new Set(search).size !== search.length) throw bad('a search field is listed twice');
  const fingerprint = JSON.stringify({
    fields: [...fields],
    indexes: indexes.map((i) => [i.name, i.fields, i.unique]),
    search,
  });
  return { name: spec.name, fields, indexes, search, required, fingerprint };
}

/** The collections a store serves, by name; a name declared twice with different shapes is refused. */
export class CollectionRegistry {
  private readonly byName = new Map<string, ResolvedCollection>();
  /** The declaration objects the store was opened with: the usual argument, recognised without resolving it again. */
  private readonly opened = new Set<unknown>();

  constructor(specs: readonly AnyCollection[]) {
    for (const spec of specs) {
      const resolved = resolveCollection(spec);
      const known = this.byName.get(resolved.name);
      if (known && known.fingerprint !== resolved.fingerprint) {
        throw new TypeError(`collection ${resolved.name} is declared twice, differently`);
      }
      this.byName.set(resolved.name, resolved);
      this.opened.add(spec);
    }
  }

  get all(): readonly ResolvedCollection[] {
    return [...this.byName.values()];
  }

  /** The resolved declaration of a collection the store was opened with; anything else is refused. */
  resolve(spec: unknown): ResolvedCollection {
    const name = typeof spec === 'object' && spec !== null ? (spec as { name?: unknown }).name : undefined;
    const known = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!known) throw new UnknownCollectionError(`collection ${JSON.stringify(name)} is not one this store was opened with`);
    if (!this.opened.has(spec) && resolveCollection(spec as AnyCollection).fingerprint !== known.fingerprint) {
      throw new UnknownCollectionError(`collection ${known.name} differs from the declaration this store was opened with`);
    }
    return known;
  }
}
