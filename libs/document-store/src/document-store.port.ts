// The document-store port: named collections of JSON documents, checkpoints,
// and nothing about customers, timelines or facts. A read model declares its
// collection (collection.ts); the adapters (libs/document-store-sqlite,
// libs/document-store-mongo) must pass the contract suite in ./testing.

/**
 * What every stored document carries. The rest of a document is plain JSON
 * (what `JSON.stringify` writes and `JSON.parse` reads back): reads return
 * exactly that, so `undefined` members are dropped.
 */
export interface StoredDocument {
  readonly _id: string;
  /**
   * Grows with every event the document reflects: the stream revision for a
   * document of one stream, the log position for one that gathers several.
   * The store never lets a lower revision replace a higher one.
   */
  readonly revision: number;
}

/** Any stored document, seen without its type: what the store checks at run time. */
export type JsonDocument = StoredDocument & { readonly [field: string]: unknown };

/** Field names of a document that a collection may declare for queries. */
export type FieldOf<D> = Exclude<Extract<keyof D, string>, '_id'>;

/**
 * The type of a declared field. A document whose field holds a value of
 * another type (or nothing) has `null` for it in queries, sorts and indexes.
 */
export type FieldType = 'string' | 'number';

export interface IndexSpec<F extends string = string> {
  /** Declared fields, in index order. Non-unique indexes end in `_id`, the order keyset pages follow. */
  readonly fields: readonly F[];
  /** Two documents may not share these fields' values; every document must have them (not null). */
  readonly unique?: boolean;
}

/**
 * A collection's declaration: its name, the fields queries may filter and sort
 * on, their indexes, and the fields `text` searches. The type parameter only
 * types queries and reads; the store checks documents at run time.
 */
export interface CollectionSpec<D extends StoredDocument = StoredDocument> {
  /** `[a-z][a-z0-9_]*`, at most 48 characters, not starting with `document_store`. */
  readonly name: string;
  readonly fields?: { readonly [K in FieldOf<D>]?: FieldType };
  readonly indexes?: readonly IndexSpec<FieldOf<D>>[];
  /** Fields (or `_id`) that `Query.text` matches: case-insensitive substring of any of them. */
  readonly search?: readonly (FieldOf<D> | '_id')[];
}

/** A plain value a condition compares with. Anything else is refused, never interpreted. */
export type Scalar = string | number | null;

/** One condition on `_id` or a declared field: equal to a value, or to one of a list. */
export type Condition<D = StoredDocument> =
  | { readonly field: FieldOf<D> | '_id'; readonly eq: Scalar }
  | { readonly field: FieldOf<D> | '_id'; readonly in: readonly Scalar[] };

export interface Query<D = StoredDocument> {
  /** Every condition must hold. */
  readonly where?: readonly Condition<D>[];
  /** Case-insensitive substring of any of the collection's `search` fields; '' matches everything. */
  readonly text?: string;
  /** At most two declared fields, ascending (nulls first), then `_id`. Default: `_id` alone. */
  readonly sort?: readonly [FieldOf<D>] | readonly [FieldOf<D>, FieldOf<D>];
  /** A positive integer. */
  readonly limit: number;
  /** `nextCursor` of the previous page of the same query. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Cursor of the next page, or null on the last page. */
  readonly nextCursor: string | null;
}

/** A collection seen without its document type, as a batch carries it. */
export type AnyCollection = CollectionSpec<JsonDocument>;

/** Stores the document unless the stored one has a higher revision (an equal one is replaced). */
export interface PutWrite {
  readonly type: 'put';
  readonly collection: AnyCollection;
  readonly document: StoredDocument;
  /**
   * What the writer believes of the `_id`: stored already (true) or not (false). An adapter
   * that must otherwise look it up (MongoDocumentStore, where an upsert that inserts is slow on
   * FerretDB) may take the writer's word; a wrong belief costs time, never correctness.
   */
  readonly stored?: boolean;
}

/**
 * Stores the document unless one with its `_id` is stored, whatever that one's
 * revision: for documents written once and changed only by later writes of
 * their own (e.g. one per event). A redelivery then costs no guard and can
 * never replace what a later write made of the document.
 */
export interface InsertWrite {
  readonly type: 'insert';
  readonly collection: AnyCollection;
  readonly document: StoredDocument;
}

/**
 * Removes the document unless the stored one has a higher revision. A delete
 * leaves no revision behind: a replay of older events recreates the document
 * until it reaches the delete again; keep a tombstone document where that matters.
 */
export interface DeleteWrite {
  readonly type: 'delete';
  readonly collection: AnyCollection;
  readonly id: string;
  readonly revision: number;
}

/**
 * Passes every document matching `where` (as the batch's earlier writes left
 * it) through `apply`, and puts what it returns (same `_id`, same guard);
 * `undefined` leaves the document as it is. `apply` must be pure and
 * idempotent: a replay applies it again. E.g. redacting a customer's entries
 * without reading them all into memory first.
 */
export interface UpdateWrite {
  readonly type: 'update';
  readonly collection: AnyCollection;
  readonly where: readonly Condition<JsonDocument>[];
  apply(document: JsonDocument): StoredDocument | undefined;
}

/**
 * One write of a batch. Writes apply in the order listed; each is guarded by
 * revision, so re-applying a batch (a replay, a redelivery) changes nothing.
 */
export type Write = PutWrite | InsertWrite | DeleteWrite | UpdateWrite;

export interface Checkpoint {
  readonly name: string;
  /** A log position; a checkpoint never moves back. */
  readonly position: number;
}

/** One unit of projection work: documents and the checkpoints they reach. */
export interface WriteBatch {
  readonly writes: readonly Write[];
  readonly checkpoints: readonly Checkpoint[];
  /**
   * Versions this batch moves once its writes are applied: what a cache over
   * the documents is keyed by. A version is not a log position; each move
   * gives it a value it never had (`reset()` moves them all), so a cache
   * keyed by an old value can never match again.
   */
  readonly versions?: readonly string[];
  /**
   * The batch erases personal data: the adapter must leave no copy of the
   * replaced documents in its files (free pages, journals).
   */
  readonly erasesPersonalData?: boolean;
}

/**
 * Collections of JSON documents and named checkpoints. Adapters are opened
 * with the collections they serve (CollectionSpec[]) and refuse any other.
 *
 * Atomicity depends on the adapter: the SQLite one commits a batch in one
 * transaction; the MongoDB one (FerretDB has no multi-document transactions)
 * writes in the order listed, then the checkpoints, so after a crash the
 * documents may be ahead of the checkpoint, never behind it, and the replay
 * that follows converges because every write is guarded by revision.
 */
export interface DocumentStore {
  get<D extends StoredDocument>(collection: CollectionSpec<D>, id: string): Promise<D | undefined>;
  /** The documents found, by `_id`; ids repeated or not found are fine. */
  getMany<D extends StoredDocument>(collection: CollectionSpec<D>, ids: readonly string[]): Promise<Map<string, D>>;
  /** One keyset page. Throws InvalidQueryError or InvalidCursorError, never reads a value as an operator. */
  find<D extends StoredDocument>(collection: CollectionSpec<D>, query: Query<D>): Promise<Page<D>>;
  /** Every document in `_id` order, a page at a time, without holding the collection in memory. */
  scan<D extends StoredDocument>(collection: CollectionSpec<D>): AsyncIterable<D>;
  /**
   * As scan, each document cut to `_id` and those of `fields` it has: for a
   * reader of a few fields of large documents, whose other fields an adapter
   * may then leave unread and unparsed.
   */
  scanFields<D extends StoredDocument, K extends Exclude<keyof D & string, '_id'>>(collection: CollectionSpec<D>, fields: readonly K[]): AsyncIterable<Pick<D, '_id' | K>>;
  /** Applies the writes in order, then moves the versions and the checkpoints (forward only). */
  commit(batch: WriteBatch): Promise<void>;
  /** Last committed position of a checkpoint, or -1. */
  getCheckpoint(name: string): Promise<number>;
  /**
   * The version's current value, '' before any batch moved it. Compare for
   * equality only: it changes with every committed batch that names it and
   * never comes back to a value it had.
   */
  getVersion(name: string): Promise<string>;
  /** Drops every document and checkpoint (for a rebuild) and moves every version: a version never repeats. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Typed constructors of writes, so a projection's documents are checked against its collection. */
export function put<D extends StoredDocument>(collection: CollectionSpec<D>, document: D, stored?: boolean): PutWrite {
  return { type: 'put', collection: collection as unknown as AnyCollection, document, ...(stored !== undefined ? { stored } : {}) };
}

export function insert<D extends StoredDocument>(collection: CollectionSpec<D>, document: D): InsertWrite {
  return { type: 'insert', collection: collection as unknown as AnyCollection, document };
}

export function remove<D extends StoredDocument>(collection: CollectionSpec<D>, id: string, revision: number): DeleteWrite {
  return { type: 'delete', collection: collection as unknown as AnyCollection, id, revision };
}

export function update<D extends StoredDocument>(
  collection: CollectionSpec<D>,
  where: readonly Condition<D>[],
  apply: (document: D) => D | undefined,
): UpdateWrite {
  return {
    type: 'update',
    collection: collection as unknown as AnyCollection,
    where: where as readonly Condition<JsonDocument>[],
    apply: apply as unknown as (document: JsonDocument) => StoredDocument | undefined,
  };
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not one this server issued');
  }
}

/** A query, id or value that is not what the port accepts (an object where a plain value belongs, an undeclared field, ...). */
export class InvalidQueryError extends Error {
  override readonly name = 'InvalidQueryError';
}

/** A document the store cannot keep: no string `_id`, no revision, not plain JSON, a unique field missing. */
export class InvalidDocumentError extends Error {
  override readonly name = 'InvalidDocumentError';
}

/** A collection the store was not opened with, or a declaration it cannot serve. */
export class UnknownCollectionError extends Error {
  override readonly name = 'UnknownCollectionError';
}

/** A put would give two documents the same values of a unique index. */
export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';
}
