// A read model declared, not wired: its name, the event types it handles, its
// collections and a pure function from events to documents. A projection
// handler (libs/application) applies any list of them; it knows none by name.
import type { AnyCollection, CollectionSpec, JsonDocument, StoredDocument, Write } from './document-store.port';

/** What a projection needs of an event from the log. */
export interface ProjectedEvent {
  readonly type: string;
  /** The event's position in its stream. */
  readonly revision: number;
  /** The event's position in the whole log. */
  readonly position: number;
}

interface ProjectionBase<E extends ProjectedEvent> {
  /** Unique among the projections a handler applies; `[a-z][a-z0-9-]*`. */
  readonly name: string;
  /** Event types it reads; the others never reach it. */
  readonly handles: readonly E['type'][];
  /**
   * Versions that move when this projection applies an event of the listed
   * types: caches over its documents are keyed by them (DocumentStore.getVersion).
   */
  readonly versions?: Readonly<Record<string, readonly E['type'][]>>;
  /** Event types after which the batch must leave no copy of the replaced documents (personal data erased). */
  readonly erases?: readonly E['type'][];
}

/**
 * One document per stream, folded from that stream's events. The handler reads
 * the documents of a batch's streams, skips every event at or below a
 * document's revision (evolve need not be idempotent) and puts what changed.
 */
export interface StreamDocumentProjection<E extends ProjectedEvent, D extends StoredDocument> extends ProjectionBase<E> {
  readonly kind: 'stream-document';
  readonly collection: CollectionSpec<D>;
  /** The document's `_id`: the event's stream. */
  documentId(event: E): string;
  /** Pure: the document after the event; its `revision` must be the event's. */
  evolve(document: D | undefined, event: E): D;
}

/**
 * Writes for each event, in log order. The store's revision guard makes them
 * idempotent, so every write must carry a revision that says what it reflects.
 */
export interface EventProjection<E extends ProjectedEvent> extends ProjectionBase<E> {
  readonly kind: 'event';
  readonly collections: readonly AnyCollection[];
  /** Pure. */
  project(event: E): readonly Write[];
}

export type Projection<E extends ProjectedEvent> = StreamDocumentProjection<E, JsonDocument> | EventProjection<E>;

/** Declares a one-document-per-stream projection; the type parameters check `evolve` against the collection. */
export function streamDocumentProjection<E extends ProjectedEvent, D extends StoredDocument>(
  definition: Omit<StreamDocumentProjection<E, D>, 'kind'>,
): Projection<E> {
  return { kind: 'stream-document', ...definition } as unknown as Projection<E>;
}

export function eventProjection<E extends ProjectedEvent>(
  definition: Omit<EventProjection<E>, 'kind' | 'collections'> & { readonly collections: readonly CollectionSpec<never>[] },
): Projection<E> {
  return { kind: 'event', ...definition } as unknown as Projection<E>;
}

/** Every collection a list of projections writes, once each: what a store is opened with. */
export function collectionsOf<E extends ProjectedEvent>(projections: readonly Projection<E>[]): AnyCollection[] {
  const byName = new Map<string, AnyCollection>();
  for (const projection of projections) {
    const collections = projection.kind === 'event' ? projection.collections : [projection.collection as AnyCollection];
    for (const collection of collections) {
      const known = byName.get(collection.name);
      if (known !== undefined && known !== collection) throw new Error(`two declarations of collection ${collection.name}`);
      byName.set(collection.name, collection);
    }
  }
  return [...byName.values()];
}
