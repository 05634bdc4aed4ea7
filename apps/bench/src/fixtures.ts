// Set-up shared by the in-process benchmarks: an event log of a given size,
// and the read-model documents a full projection of it ends with.
import { ProjectionRunner, toCustomerEvent } from '@rapport/application';
import { SqliteEventStore, type RecordedEvent } from '@rapport/event-store';
import {
  projectCustomerFacts,
  projectCustomerView,
  projectTimelineEntry,
  type CustomerFacts,
  type CustomerView,
  type TimelineEntry,
} from '@rapport/projections';
import { byCustomer, DEFAULT_BATCH, loadBatch } from './event-load';

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

export interface FinalDocuments {
  readonly customers: CustomerView[];
  readonly facts: CustomerFacts[];
  readonly timeline: TimelineEntry[];
}

/** The documents the projections end with, folded in memory with the same pure functions the runner uses. */
export function finalDocuments(log: readonly RecordedEvent[]): FinalDocuments {
  const views = new Map<string, CustomerView>();
  const facts = new Map<string, CustomerFacts>();
  const timeline: TimelineEntry[] = [];
  for (const recorded of log) {
    const event = toCustomerEvent(recorded);
    views.set(event.customerId, projectCustomerView(views.get(event.customerId), event));
    facts.set(event.customerId, projectCustomerFacts(facts.get(event.customerId), event));
    timeline.push(projectTimelineEntry(event));
  }
  return { customers: [...views.values()], facts: [...facts.values()], timeline };
}

/** Cuts the documents into commits of about `size` documents, as a writer without a projection would. */
export function* documentChunks(docs: FinalDocuments, size: number): Generator<FinalDocuments> {
  const total = docs.timeline.length;
  const chunks = Math.max(1, Math.ceil(total / size));
  const part = <T>(items: readonly T[], i: number) => items.slice(Math.floor((items.length * i) / chunks), Math.floor((items.length * (i + 1)) / chunks));
  for (let i = 0; i < chunks; i++) yield { customers: part(docs.customers, i), facts: part(docs.facts, i), timeline: part(docs.timeline, i) };
}

export { ProjectionRunner, DEFAULT_BATCH };
