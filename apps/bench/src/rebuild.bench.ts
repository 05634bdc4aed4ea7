// Projection rebuild, embedded: LogSubscription.rebuild() of every read model
// (a ProjectionHandler applying READ_MODELS) from the SQLite log into the SQLite
// document store, against the two raw halves of that job: reading the log
// alone, and writing the final documents alone into the same tables.
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { LogSubscription, ProjectionHandler } from '@rapport/application';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { customerFacts, customerTimeline, customerViews, offerContacts, READ_MODELS } from '@rapport/projections';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { buildLog, documentChunks, finalDocuments, readWholeLog, type FinalDocuments } from './fixtures';
import { summarize } from './stats';

const BATCH = 500;

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

/** The table SqliteDocumentStore keeps a collection in. */
const table = (collection: { readonly name: string }) => `"docs_${collection.name}"`;

/** A declared string field's column value: the value when it is a string, else null (as the store derives it). */
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const searchText = (...values: unknown[]): string => values.map((v) => (typeof v === 'string' ? v.toLowerCase() : '')).join('\n');

/**
 * A raw writer of the final documents: the document store's own file and tables
 * (created by SqliteDocumentStore, so the columns, STRICT types, indexes and
 * journal are the same; untimed), then plain prepared INSERTs of the rows it
 * would hold, each document once, no revision guard (the tables start empty),
 * the keys and search text computed by hand from the objects (no JSON round
 * trip), with the store's connection settings (WAL, synchronous NORMAL,
 * secure_delete).
 */
async function rawWriter(file: string): Promise<{ write(chunk: FinalDocuments): void; close(): void }> {
  await SqliteDocumentStore.open(file, collectionsOf(READ_MODELS)).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('secure_delete = ON');
  const views = db.prepare(
    `INSERT INTO ${table(customerViews)} (_id, revision, doc, search, f_email, f_name, f_stage) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const timeline = db.prepare(
    `INSERT INTO ${table(customerTimeline)} (_id, revision, doc, search, f_customerId, f_eventRevision, f_occurredAtMs) VALUES (?, ?, ?, NULL, ?, ?, ?)`,
  );
  const facts = db.prepare(`INSERT INTO ${table(customerFacts)} (_id, revision, doc, search) VALUES (?, ?, ?, NULL)`);
  const offers = db.prepare(`INSERT INTO ${table(offerContacts)} (_id, revision, doc, search, f_customerId) VALUES (?, ?, ?, NULL, ?)`);
  const write = db.transaction((chunk: FinalDocuments) => {
    for (const t of chunk.timeline) timeline.run(t._id, t.revision, JSON.stringify(t), t.customerId, t.eventRevision, t.occurredAtMs);
    for (const v of chunk.customers) views.run(v._id, v.revision, JSON.stringify(v), searchText(v._id, v.name, v.email), text(v.email), text(v.name), text(v.stage));
    for (const f of chunk.facts) facts.run(f._id, f.revision, JSON.stringify(f));
    for (const o of chunk.offerContacts) offers.run(o._id, o.revision, JSON.stringify(o), o.customerId);
  });
  return { write: (chunk) => write.immediate(chunk), close: () => db.close() };
}

/** Throws unless the raw file's tables hold exactly the rows the rebuild left: the baseline does the same job. */
function checkSameRows(rebuilt: string, raw: string): void {
  const db = new Database(rebuilt, { readonly: true });
  try {
    db.prepare('ATTACH DATABASE ? AS raw').run(raw);
    for (const collection of [customerViews, customerTimeline, customerFacts]) {
      const name = table(collection);
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const rows = count(`SELECT count(*) AS n FROM main.${name}`);
      const differ =
        count(`SELECT count(*) AS n FROM (SELECT * FROM main.${name} EXCEPT SELECT * FROM raw.${name})`) +
        count(`SELECT count(*) AS n FROM (SELECT * FROM raw.${name} EXCEPT SELECT * FROM main.${name})`);
      if (differ > 0 || rows === 0) throw new Error(`raw baseline: ${collection.name} differs from the rebuilt one in ${differ} of ${rows} rows`);
    }
  } finally {
    db.close();
  }
}

export const rebuildBench: Bench = {
  id: 'rebuild',
  title: 'projection rebuild, embedded',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const total = context.quick ? 20_000 : 200_000;
    const dir = path.join(context.tmp, 'rebuild');
    const log = await buildLog(path.join(dir, 'events.sqlite'), total, 'rebuild');
    const docs = finalDocuments(await readWholeLog(log));
    const rapport: number[] = [];
    const read: number[] = [];
    const write: number[] = [];
    try {
      for (let run = 0; run <= context.runs; run++) {
        const rebuiltFile = path.join(dir, `read-models-${run}.sqlite`);
        const target = SqliteDocumentStore.open(rebuiltFile, collectionsOf(READ_MODELS));
        const subscription = new LogSubscription(log, new ProjectionHandler(target), target, { batchSize: BATCH });
        let projected = 0;
        const rebuilt = await timed(() => subscription.rebuild((batch) => (projected += batch.events)));
        await target.close();
        if (rebuilt.value !== total || projected !== total) throw new Error(`rebuild reached position ${rebuilt.value} after ${projected} events, the log holds ${total}`);
        const reading = await timed(async () => (await readWholeLog(log, BATCH)).length);
        const rawFile = path.join(dir, `raw-documents-${run}.sqlite`);
        const writer = await rawWriter(rawFile);
        const writing = await timed(async () => {
          for (const chunk of documentChunks(docs, BATCH)) writer.write(chunk);
        });
        writer.close();
        if (run === 0) {
          checkSameRows(rebuiltFile, rawFile);
          continue;
        }
        rapport.push(total / rebuilt.seconds);
        read.push(total / reading.seconds);
        write.push(total / writing.seconds);
        context.log(`rebuild run ${run}: Rapport ${Math.round(rapport.at(-1)!)} events/s; read alone ${Math.round(read.at(-1)!)}, write alone ${Math.round(write.at(-1)!)}`);
      }
    } finally {
      await log.close();
    }
    // Reading and writing one after the other is the least any rebuild must do.
    const both = read.map((r, i) => 1 / (1 / r + 1 / write[i]!));
    const ratio = summarize(rapport.map((r, i) => r / both[i]!));
    return [
      {
        id: 'rebuild',
        figure: 'projection rebuild',
        unit: 'events/s',
        rapport: { label: 'LogSubscription.rebuild(), SQLite → SQLite', summary: summarize(rapport) },
        baseline: { label: `read the log, then write the final documents; alone: read ${Math.round(summarize(read).median).toLocaleString('en-US')}, write ${Math.round(summarize(write).median).toLocaleString('en-US')}`, summary: summarize(both) },
        ratio,
        goal: '≥ 0.5',
        met: ratio.median >= 0.5,
        details: {
          events: events(total),
          customers: events(docs.customers.length),
          readAloneEventsPerSecond: summarize(read),
          writeAloneEventsPerSecond: summarize(write),
          ratioToReadAlone: summarize(rapport.map((r, i) => r / read[i]!)).median,
          ratioToWriteAlone: summarize(rapport.map((r, i) => r / write[i]!)).median,
        },
      },
    ];
  },
};
