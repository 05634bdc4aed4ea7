// Projector: events/s from Kafka to the MongoDB read models through the real
// projector process, against a bare bulkWrite of the final documents (the same
// rows MongoReadStore writes, in slices of the same size, since FerretDB 1.24
// hangs on larger bulk writes).
import * as path from 'node:path';
import { MongoClient, type AnyBulkWriteOperation, type Document } from 'mongodb';
import { DEFAULT_MONGO_WRITE_SLICE } from '@rapport/read-store';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { DistributedScope, messagesOf } from './distributed-fixtures';
import { runId } from './event-load';
import { buildLog, finalDocuments, readWholeLog, type FinalDocuments } from './fixtures';
import { summarize } from './stats';

const SLICE = DEFAULT_MONGO_WRITE_SLICE;

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type Row = Document & { _id: string };

const upsert = (row: Row): AnyBulkWriteOperation<Row> => ({ replaceOne: { filter: { _id: row._id }, replacement: row, upsert: true } });

/** The final documents as MongoReadStore stores them, each written once. */
async function writeFinalDocuments(url: string, docs: FinalDocuments): Promise<number> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db();
    const started = performance.now();
    for (const slice of slices(docs.timeline, SLICE)) {
      await db.collection<Row>('timeline').bulkWrite(
        slice.map((e) => upsert({ _id: `${e.customerId}\u0000${e.revision}`, customerId: e.customerId, revision: e.revision, occurredAtMs: e.occurredAtMs, doc: JSON.stringify(e) })),
        { ordered: false },
      );
    }
    const half = Math.floor(SLICE / 2);
    const customers = slices(docs.customers, half);
    const facts = slices(docs.facts, half);
    for (let i = 0; i < Math.max(customers.length, facts.length); i++) {
      await Promise.all([
        customers[i] &&
          db.collection<Row>('customers').bulkWrite(
            customers[i]!.map((v) =>
              upsert({ _id: v.customerId, revision: v.revision, stage: v.stage, search: [v.customerId, v.name ?? '', v.email ?? ''].join('\n').toLowerCase(), doc: JSON.stringify(v) }),
            ),
            { ordered: false },
          ),
        facts[i] && db.collection<Row>('customer_facts').bulkWrite(facts[i]!.map((f) => upsert({ _id: f.customerId, revision: f.revision, doc: JSON.stringify(f) })), { ordered: false }),
      ]);
    }
    return (performance.now() - started) / 1000;
  } finally {
    await client.close();
  }
}

async function countTimeline(url: string): Promise<number> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    return await client.db().collection('timeline').countDocuments();
  } finally {
    await client.close();
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
        const topic = await scope.topic(`rapport-bench-${id}-proj-${run}`);
        const group = scope.group(`rapport-bench-${id}-proj-${run}`);
        const database = scope.database(`rapport_bench_${id}_proj_${run}`);
        const projector = await scope.startProjector(topic, group, database);
        let seconds: number;
        try {
          // The projector is in its group and idle; time from the first message sent to the last one committed.
          const producer = scope.transactionalProducer(`rapport-bench-${id}-feed-${run}`);
          await producer.connect();
          const started = performance.now();
          await scope.sendTransactional(producer, topic, messages.slice(0, count), 500);
          await producer.disconnect();
          await scope.waitForNoLag(group, topic, count, 900_000);
          seconds = (performance.now() - started) / 1000;
        } finally {
          await projector.stop();
        }
        const entries = await countTimeline(scope.mongoUrl(database));
        if (entries !== count) throw new Error(`projector wrote ${entries} timeline entries for ${count} events`);
        if (run === 0) continue;
        const rawDatabase = scope.database(`rapport_bench_${id}_raw_${run}`);
        const rawSeconds = await writeFinalDocuments(scope.mongoUrl(rawDatabase), docs);
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
