// Set-up shared by the in-process benchmarks: an event log of a given size,
// and the read-model documents a full projection of it ends with.
import { toCustomerEvent, type CustomerProjection } from '@rapport/application';
import type { JsonDocument } from '@rapport/document-store';
import type { RecordedCustomerEvent } from '@rapport/domain';
import type { RecordedEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import {
  customerFactsProjection,
  customerTimelineProjection,
  customerViewProjection,
  offerContactsProjection,
  type CustomerFactsDocument,
  type CustomerViewDocument,
  type OfferContactDocument,
  type TimelineDocument,
} from '@rapport/projections';
import { byCustomer, loadBatch } from './event-load';

/**
 * A log of `total` events written through the SQLite adapter. Set-up only:
 * durability is switched off while it is filled, so a large log takes seconds,
 * not minutes of fsyncs; what is measured later only reads it.
 */
export async function buildLog(file: string, total: number, prefix: string): Promise<SqliteEventStore> {
  const store = SqliteEventStore.open(file);
  store.rawDatabase().pragma('synchronous = OFF');
  for (let n = 0, written = 0; written < total; n++) {
    const batch = loadBatch(prefix, n).slice(0, total - written);
    for (const [customerId, group] of byCustomer(batch)) await store.append(customerId, group, 'any');
    written += batch.length;
  }
  store.rawDatabase().pragma('synchronous = FULL');
  return store;
}

export async function readWholeLog(store: SqliteEventStore, batchSize = 500): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let after = -1; ; ) {
    const batch = await store.readAll({ after, maxCount: batchSize });
    if (batch.length === 0) return all;
    all.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
}

/** The documents of the read models (READ_MODELS) the bench load reaches, as the document store holds them. */
export interface FinalDocuments {
  /** Collection customerViews. */
  readonly customers: CustomerViewDocument[];
  /** Collection customerFacts. */
  readonly facts: CustomerFactsDocument[];
  /** Collection customerTimeline, one per event. */
  readonly timeline: TimelineDocument[];
  /** Collection offerContacts, one per contact citing a campaign or an offer. */
  readonly offerContacts: OfferContactDocument[];
}

/** One document per stream, folded in log order by a declared projection's own `evolve`. */
function foldStreams(projection: CustomerProjection, events: readonly RecordedCustomerEvent[]): JsonDocument[] {
  if (projection.kind !== 'stream-document') throw new Error(`${projection.name} is not a stream-document projection`);
  const handles = new Set<string>(projection.handles);
  const documents = new Map<string, JsonDocument>();
  for (const event of events) {
    if (!handles.has(event.type)) continue;
    const id = projection.documentId(event);
    documents.set(id, projection.evolve(documents.get(id), event));
  }
  return [...documents.values()];
}

/** The documents an event projection writes, in log order (the bench load erases nothing, so puts and inserts are all it writes). */
function projectEvents(projection: CustomerProjection, events: readonly RecordedCustomerEvent[]): JsonDocument[] {
  if (projection.kind !== 'event') throw new Error(`${projection.name} is not an event projection`);
  const handles = new Set<string>(projection.handles);
  const documents: JsonDocument[] = [];
  for (const event of events) {
    if (!handles.has(event.type)) continue;
    for (const write of projection.project(event)) {
      if (write.type !== 'put' && write.type !== 'insert') throw new Error(`${projection.name}: the bench load should only put or insert documents, got a ${write.type}`);
      documents.push(write.document as JsonDocument);
    }
  }
  return documents;
}

/**
 * The documents the read models end with, folded in memory with the same
 * declared projections (READ_MODELS) the ProjectionHandler applies.
 */
export function finalDocuments(log: readonly RecordedEvent[]): FinalDocuments {
  const events = log.map(toCustomerEvent);
  return {
    customers: foldStreams(customerViewProjection, events) as unknown as CustomerViewDocument[],
    facts: foldStreams(customerFactsProjection, events) as unknown as CustomerFactsDocument[],
    timeline: projectEvents(customerTimelineProjection, events) as unknown as TimelineDocument[],
    offerContacts: projectEvents(offerContactsProjection, events) as unknown as OfferContactDocument[],
  };
}

/** Cuts the documents into commits of about `size` documents, as a writer without a projection would. */
export function* documentChunks(docs: FinalDocuments, size: number): Generator<FinalDocuments> {
  const total = docs.timeline.length;
  const chunks = Math.max(1, Math.ceil(total / size));
  const part = <T>(items: readonly T[], i: number) => items.slice(Math.floor((items.length * i) / chunks), Math.floor((items.length * (i + 1)) / chunks));
  for (let i = 0; i < chunks; i++) {
    yield { customers: part(docs.customers, i), facts: part(docs.facts, i), timeline: part(docs.timeline, i), offerContacts: part(docs.offerContacts, i) };
  }
}
