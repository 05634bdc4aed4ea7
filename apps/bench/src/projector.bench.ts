// Projector: events/s from Kafka to the MongoDB read models through the real
// projector process (ProjectionHandler over MongoDocumentStore), against a bare
// bulkWrite of the final documents: the same rows MongoDocumentStore writes
// ({ _id, revision, doc: JSON text, search, f_<field> }, into collections with
// the same indexes), each once, in bulk writes of at most the same write slice,
// since FerretDB 1.24 hangs once about 100 statements are in flight.
import * as path from 'node:path';
import { MongoClient, type AnyBulkWriteOperation, type Document } from 'mongodb';
import { DEFAULT_MONGO_DOCUMENT_WRITE_SLICE } from '@rapport/document-store-mongo';
import { customerFacts, customerTimeline, customerViews, offerContacts } from '@rapport/projections';
import { connectMongoReadModels } from '@rapport/wiring';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { DistributedScope, messagesOf } from './distributed-fixtures';
import { runId } from './event-load';
import { buildLog, finalDocuments, readWholeLog, type FinalDocuments } from './fixtures';
import { summarize } from './stats';

/** What the projector process writes with (RAPPORT_PROJECTOR_WRITE_SLICE is left at its default). */
const SLICE = DEFAULT_MONGO_DOCUMENT_WRITE_SLICE;

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type Row = Document & { _id: string };

/**
 * An idempotent upsert keyed by _id, as any projector that may see a message
 * twice needs. No revision guard: every document is written once, at its final
 * revision, so there is no stale write to guard against.
 */
const upsert = (row: Row): AnyBulkWriteOperation<Row> => ({ replaceOne: { filter: { _id: row._id }, replacement: row, upsert: true } });
/** Timeline entries are written once and never replaced: a plain insert, FerretDB's fastest write (as the store does). */
const insert = (row: Row): AnyBulkWriteOperation<Row> => ({ insertOne: { document: row } });

/** A declared string field's key: the value when it is a string, else null (as the store derives it). */
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const searchText = (...values: unknown[]): string => values.map((v) => (typeof v === 'string' ? v.toLowerCase() : '')).join('\n');

/**
 * The final documents as MongoDocumentStore stores them, each written once.
 * The database's collections and indexes are declared first (untimed), as the
 * projector's are when it connects; the rows are built by hand in the timed
 * part and written as the store writes a commit: each collection's rows in
 * unordered bulk writes of at most a slice, one bulk write at a time. (Two
 * collections side by side at half a slice each measured no faster.)
 */
async function writeFinalDocuments(url: string, docs: FinalDocuments): Promise<number> {
  await (await connectMongoReadModels(url)).close();
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db();
    const write = async (collection: string, rows: readonly Row[], operation = upsert) => {
      for (const slice of slices(rows, SLICE)) await db.collection<Row>(collection).bulkWrite(slice.map(operation), { ordered: false });
    };
    const started = performance.now();
    await write(
      customerTimeline.name,
      docs.timeline.map((t) => ({
        _id: t._id,
        revision: t.revision,
        doc: JSON.stringify(t),
        search: null,
        f_customerId: t.customerId,
        f_eventRevision: t.eventRevision,
        f_occurredAtMs: t.occurredAtMs,
      })),
      insert,
    );
    await write(
      customerViews.name,
      docs.customers.map((v) => ({
        _id: v._id,
        revision: v.revision,
        doc: JSON.stringify(v),
        search: searchText(v._id, v.name, v.email),
        f_email: text(v.email),
        f_name: text(v.name),
        f_stage: text(v.stage),
      })),
    );
    await write(
      customerFacts.name,
      docs.facts.map((f) => ({ _id: f._id, revision: f.revision, doc: JSON.stringify(f), search: null })),
    );
    await write(
      offerContacts.name,
      docs.offerContacts.map((o) => ({ _id: o._id, revision: o.revision, doc: JSON.stringify(o), search: null, f_customerId: o.customerId })),
      insert,
    );
    return (performance.now() - started) / 1000;
  } finally {
    await client.close();
  }
}

/** Throws unless the raw database holds exactly the rows the projector left: the baseline does the same job. */
async function checkSameRows(projectorUrl: string, rawUrl: string): Promise<void> {
  const rowsOf = async (url: string, collection: string) => {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    try {
      const rows = await client.db().collection<Row>(collection).find({}).sort({ _id: 1 }).toArray();
      return rows.map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
    } finally {
      await client.close();
    }
  };
  for (const collection of [customerViews.name, customerTimeline.name, customerFacts.name, offerContacts.name]) {
    const [projected, raw] = await Promise.all([rowsOf(projectorUrl, collection), rowsOf(rawUrl, collection)]);
    const differ = projected.length === raw.length ? projected.filter((row, i) => row !== raw[i]).length : Math.max(projected.length, raw.length);
    if (differ > 0 || projected.length === 0) throw new Error(`raw baseline: ${collection} differs from the projector's in ${differ} of ${projected.length} rows`);
  }
}

export const projectorBench: Bench = {
  id: 'projector',
  title: 'projector, Kafka → MongoDB',
  needsInfra: true,
  async run(context: BenchContext): Promise<FigureResult[]> {
    // FerretDB 1.24 writes a few hundred documents a second here: sizes stay small.
    const total = context.quick ? 600 : 6_000;
    const id = runId();
    const log = await buildLog(path.join(context.tmp, 'projector', 'events.sqlite'), total, 'proj');
    const recorded = await readWholeLog(log);
    await log.close();
    const messages = messagesOf(recorded);
    const docs = finalDocuments(recorded);
    const scope = await DistributedScope.open(context);
    const rapport: number[] = [];
    const raw: number[] = [];
    try {
      // One warm-up run at a tenth of the size, then the measured runs.
      for (let run = 0; run <= context.runs; run++) {
        const count = run === 0 ? Math.ceil(total / 10) : total;
        const { seconds, database } = await scope.timeProjector(`${id}-proj-${run}`, messages.slice(0, count));
        if (run === 0) continue;
        const rawDatabase = scope.database(`rapport_bench_${id}_raw_${run}`);
        const rawSeconds = await writeFinalDocuments(scope.mongoUrl(rawDatabase), docs);
        if (run === 1) await checkSameRows(scope.mongoUrl(database), scope.mongoUrl(rawDatabase));
        rapport.push(total / seconds);
        raw.push(total / rawSeconds);
        context.log(`projector run ${run}: Rapport ${Math.round(rapport.at(-1)!)} events/s, raw ${Math.round(raw.at(-1)!)} events/s`);
      }
    } finally {
      await scope.close();
    }
    const ratio = summarize(rapport.map((r, i) => r / raw[i]!));
    return [
      {
        id: 'projector',
        figure: 'projector, Kafka → MongoDB',
        unit: 'events/s',
        rapport: { label: 'projector process, FerretDB', summary: summarize(rapport) },
        baseline: { label: `bulkWrite of the final documents, slices of ${SLICE}`, summary: summarize(raw) },
        ratio,
        goal: '≥ 0.5',
        met: ratio.median >= 0.5,
        details: { events: events(total), customers: events(docs.customers.length), partitions: 6, writeSlice: SLICE },
      },
    ];
  },
};
