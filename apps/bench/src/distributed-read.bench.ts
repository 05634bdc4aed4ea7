// Distributed 360 read: GET /v1/customers/{id} for random customers on the API
// process in distributed mode (its read models in FerretDB), over a few
// connections, against the point reads the 360 is built from done directly
// with the mongodb driver: findOne by _id of the customer's 360 document and
// of its analytics facts. On both FerretDB backends in one run: the shared one
// of `npm run infra:up` (PostgreSQL, the chosen backend: the figure) and one
// of the bench's own on SQLite (the details). On each, the projector process's
// rate on the first events of the same load, as the `projector` figure times it.
//
// The customers are CDNOW's resampled (as the analytics figure does), moved so
// their last purchases are yesterday, each identified first: 360s with an
// identity, purchases and the analytics fitted over them. Their read models
// are written through MongoDocumentStore with the documents the declared
// projections end with (finalDocuments), each once, not by the projector: on
// FerretDB's SQLite backend it slows down as the collections grow, and did not
// get through the 79,322 events of 20,000 customers in 15 minutes.
import * as path from 'node:path';
import type { Message } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { FerretNode } from '@rapport/config/testing';
import { put } from '@rapport/document-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { customerFacts, customerViews, FACTS_VERSION, PURCHASES_VERSION } from '@rapport/projections';
import { connectMongoReadModels } from '@rapport/wiring';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { DistributedScope, messagesOf } from './distributed-fixtures';
import { endingYesterday, purchaseEvents, readCdnow, resampled } from './cdnow';
import { loadEvent, runId } from './event-load';
import { finalDocuments, readWholeLog, type FinalDocuments } from './fixtures';
import { drive, type LoadResult } from './http-load';
import { startRapport } from './server-process';
import { percentile, summarize, type Summary } from './stats';

const CONNECTIONS = 4;
/** Customers per commit while the read models are filled (their 360 and facts documents). */
const FILL_COMMIT = 250;
const HOUR_MS = 3_600_000;

interface Sizes {
  readonly customers: number;
  readonly reads: number;
  readonly warmupReads: number;
  /** Events of the load fed to the projector per run. */
  readonly projectorEvents: number;
}

// At 20,000 customers a 360 read takes 0.1–0.5 s under 4 clients (FerretDB): a few hundred reads per run.
const FULL: Sizes = { customers: 20_000, reads: 400, warmupReads: 40, projectorEvents: 3_000 };
const QUICK: Sizes = { customers: 2_000, reads: 200, warmupReads: 40, projectorEvents: 600 };

/** Rapport's runs and the raw baseline's, paired, on one backend. */
interface BackendRuns {
  readonly rapport: LoadResult[];
  readonly raw: LoadResult[];
  readonly projector: number[];
  readonly fillSeconds: number;
  readonly firstReadSeconds: number;
}

const PREFIX = 'cdnow';

/** The log of `customers` resampled CDNOW customers, each identified, then its purchases. */
async function buildCdnowLog(file: string, customers: number): Promise<SqliteEventStore> {
  const store = SqliteEventStore.open(file);
  // Set-up only, as buildLog's: durability off while it is filled.
  store.rawDatabase().pragma('synchronous = OFF');
  for (const { index, customerId, purchases } of resampled(readCdnow(), customers, endingYesterday())) {
    const { customerId: _customerId, ...identified } = loadEvent(PREFIX, index, 0);
    await store.append(customerId, [identified, ...purchaseEvents(customerId, purchases)], 'no_stream');
  }
  store.rawDatabase().pragma('synchronous = FULL');
  return store;
}

/**
 * The 360 and facts documents of every customer, as the projector leaves them, each written
 * once through MongoDocumentStore (new documents, so inserts) with the versions the facts
 * projection moves. The timeline is left out: the 360 does not read it.
 */
async function fillReadModels(url: string, docs: FinalDocuments): Promise<number> {
  const store = await connectMongoReadModels(url);
  try {
    const started = performance.now();
    for (let i = 0; i < docs.customers.length; i += FILL_COMMIT) {
      const writes = [
        ...docs.customers.slice(i, i + FILL_COMMIT).map((view) => put(customerViews, view, false)),
        ...docs.facts.slice(i, i + FILL_COMMIT).map((facts) => put(customerFacts, facts, false)),
      ];
      await store.commit({ writes, checkpoints: [], versions: [FACTS_VERSION, PURCHASES_VERSION] });
    }
    return (performance.now() - started) / 1000;
  } finally {
    await store.close();
  }
}

/**
 * One 360 read, untimed: the first of an hour computes the analytics every later read of that
 * hour shares (RFM and the model fits over all customers). Fails unless the 360 has them.
 */
async function primeAnalytics(url: string, customerId: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/customers/${customerId}`, { signal: AbortSignal.timeout(600_000) });
  const body = (await response.json()) as { rfm?: unknown; predictions?: unknown; predictionsUnavailable?: string };
  if (!response.ok) throw new Error(`360 of ${customerId} answered ${response.status}: ${JSON.stringify(body)}`);
  if (!body.rfm || !body.predictions) throw new Error(`360 of ${customerId} without its analytics: ${body.predictionsUnavailable ?? 'no RFM row'}`);
  return (performance.now() - started) / 1000;
}

/** The 360's own documents read with the driver, `connections` reads at a time, each one findOne after the other (as the 360 reads them). */
async function rawReads(url: string, connections: number, ids: readonly string[]): Promise<LoadResult> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const views = client.db().collection<{ _id: string }>(customerViews.name);
    const facts = client.db().collection<{ _id: string }>(customerFacts.name);
    const latencies: number[] = [];
    let next = 0;
    const reader = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const started = performance.now();
        const view = await views.findOne({ _id: id });
        const fact = await facts.findOne({ _id: id });
        latencies.push(performance.now() - started);
        if (!view || !fact) throw new Error(`raw read: ${id} missing from ${view ? customerFacts.name : customerViews.name}`);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, reader));
    return { requests: ids.length, seconds: (performance.now() - started) / 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await client.close();
  }
}

function randomCustomers(customers: number, count: number): string[] {
  return Array.from({ length: count }, () => `${PREFIX}-${Math.floor(Math.random() * customers)}`);
}

/**
 * Fills the read models on the FerretDB at `mongoBase`, then the API's runs and the driver's,
 * alternating (a warm-up first), then the projector's. Everything it creates is dropped again.
 */
async function onBackend(context: BenchContext, mongoBase: string, backend: string, sizes: Sizes, docs: FinalDocuments, messages: readonly Message[]): Promise<BackendRuns> {
  const scope = await DistributedScope.open({ ...context, mongoBase });
  const id = runId();
  const rapport: LoadResult[] = [];
  const raw: LoadResult[] = [];
  const projector: number[] = [];
  try {
    const database = scope.database(`rapport_bench_${id}_read`);
    scope.database(`${database}_playbooks`);
    const url = scope.mongoUrl(database);
    const fillSeconds = await fillReadModels(url, docs);
    context.log(`distributed read (${backend}): ${events(docs.customers.length)} customers' read models written in ${fillSeconds.toFixed(1)} s`);
    // The API role as `npm run start:distributed` runs it: reads and writes, the playbook runner in a role of its own.
    const topic = await scope.topic(`rapport-bench-${id}-read`);
    const api = await startRapport(path.join(context.tmp, `read-distributed-${backend}`), context.profileDir, {
      RAPPORT_MODE: 'distributed',
      RAPPORT_PLAYBOOK_RUNNER: 'separate',
      RAPPORT_MONGO_URL: url,
      RAPPORT_KAFKA_BROKERS: context.brokers.join(','),
      RAPPORT_KAFKA_TOPIC: topic,
      RAPPORT_RELAY_ID: `rapport-bench-${id}-read`,
      RAPPORT_PROJECTOR_GROUP: scope.group(`rapport-bench-${id}-read`),
    });
    let firstReadSeconds: number;
    try {
      firstReadSeconds = await primeAnalytics(api.url, `${PREFIX}-0`);
      context.log(`distributed read (${backend}): first 360 read (analytics over every customer) ${firstReadSeconds.toFixed(1)} s`);
      for (let run = 0; run <= context.runs; run++) {
        const ids = randomCustomers(docs.customers.length, run === 0 ? sizes.warmupReads : sizes.reads);
        // The 360's analytics are as of the hour's start: a run across an hour's end would time their
        // recomputation over every customer once, so such a run is done again, primed.
        let a: LoadResult;
        for (;;) {
          const hour = Math.floor(Date.now() / HOUR_MS);
          await primeAnalytics(api.url, ids[0]!);
          let n = 0;
          a = await drive(api.url, CONNECTIONS, ids.length, () => ({ method: 'GET', path: `/v1/customers/${ids[n++ % ids.length]}` }));
          if (Math.floor(Date.now() / HOUR_MS) === hour) break;
          context.log(`distributed read (${backend}) run ${run} crossed the hour; again`);
        }
        const b = await rawReads(url, CONNECTIONS, ids);
        if (run === 0) continue;
        rapport.push(a);
        raw.push(b);
        context.log(
          `distributed read (${backend}) run ${run}: Rapport ${(a.requests / a.seconds).toFixed(1)} reads/s p50 ${a.p50} ms p99 ${a.p99} ms, raw ${(b.requests / b.seconds).toFixed(1)} reads/s p50 ${b.p50.toFixed(1)} ms p99 ${b.p99.toFixed(1)} ms`,
        );
      }
    } finally {
      await api.stop();
    }
    // One warm-up run at a tenth of the size, then the measured runs, each into a database of its own.
    for (let run = 0; run <= context.runs; run++) {
      const count = run === 0 ? Math.ceil(sizes.projectorEvents / 10) : sizes.projectorEvents;
      const { seconds } = await scope.timeProjector(`${id}-proj-${run}`, messages.slice(0, count));
      if (run === 0) continue;
      projector.push(count / seconds);
      context.log(`distributed read (${backend}) projector run ${run}: ${Math.round(projector.at(-1)!)} events/s`);
    }
    return { rapport, raw, projector, fillSeconds, firstReadSeconds };
  } finally {
    await scope.close();
  }
}

const rate = (r: LoadResult) => r.requests / r.seconds;
const medianOf = (runs: readonly LoadResult[], of: (r: LoadResult) => number): number => summarize(runs.map(of)).median;
const ratioOf = (runs: BackendRuns): Summary => summarize(runs.rapport.map((r, i) => rate(r) / rate(runs.raw[i]!)));

/** What results.json keeps of a backend's runs. */
function detailsOf(runs: BackendRuns): Record<string, unknown> {
  return {
    rapportReadsPerSecond: summarize(runs.rapport.map(rate)),
    baselineReadsPerSecond: summarize(runs.raw.map(rate)),
    ratio: ratioOf(runs).median,
    rapportLatencyMs: { p50: medianOf(runs.rapport, (r) => r.p50), p99: medianOf(runs.rapport, (r) => r.p99) },
    baselineLatencyMs: { p50: medianOf(runs.raw, (r) => r.p50), p99: medianOf(runs.raw, (r) => r.p99) },
    projectorEventsPerSecond: summarize(runs.projector),
    fillSeconds: Number(runs.fillSeconds.toFixed(1)),
    firstReadSeconds: Number(runs.firstReadSeconds.toFixed(1)),
  };
}

export const distributedReadBench: Bench = {
  id: 'read-distributed',
  title: 'projector and distributed 360 read, FerretDB on PostgreSQL and SQLite',
  needsInfra: true,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const sizes = context.quick ? QUICK : FULL;
    const log = await buildCdnowLog(path.join(context.tmp, 'read-distributed', 'events.sqlite'), sizes.customers);
    const recorded = await readWholeLog(log);
    await log.close();
    const docs = finalDocuments(recorded);
    const messages = messagesOf(recorded);
    const postgresql = await onBackend(context, context.mongoBase, 'postgresql', sizes, docs, messages);
    const ferret = await FerretNode.start(path.join(context.tmp, 'read-distributed-ferretdb'));
    let sqlite: BackendRuns;
    try {
      sqlite = await onBackend(context, ferret.url('rapport').replace(/\/[^/]*$/, ''), 'sqlite', sizes, docs, messages);
    } finally {
      await ferret.kill();
    }
    const ratio = ratioOf(postgresql);
    const ms = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1));
    const latency = (runs: readonly LoadResult[]) => `p50 ${ms(medianOf(runs, (r) => r.p50))} ms, p99 ${ms(medianOf(runs, (r) => r.p99))} ms`;
    return [
      {
        id: 'read-distributed',
        figure: '360 read, distributed (FerretDB on PostgreSQL)',
        unit: 'reads/s',
        rapport: {
          label: `GET /v1/customers/{id}, API in distributed mode, ${CONNECTIONS} clients; ${latency(postgresql.rapport)}; projector ${Math.round(summarize(postgresql.projector).median)} events/s`,
          summary: summarize(postgresql.rapport.map(rate)),
        },
        baseline: { label: `findOne by _id of the 360's and facts documents, ${CONNECTIONS} at a time; ${latency(postgresql.raw)}`, summary: summarize(postgresql.raw.map(rate)) },
        ratio,
        goal: '—',
        met: null,
        details: {
          customers: events(docs.customers.length),
          events: events(recorded.length),
          readsPerRun: sizes.reads,
          connections: CONNECTIONS,
          projectorEventsPerRun: events(sizes.projectorEvents),
          postgresql: detailsOf(postgresql),
          sqlite: detailsOf(sqlite),
        },
      },
    ];
  },
};
