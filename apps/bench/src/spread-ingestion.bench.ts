// Ingestion of batches spread over many customers, as a CDP or an ETL job sends
// them: every event of a batch belongs to a different customer, the customers
// are far more than any cache holds, and the mix is realistic (identified with
// personal data to seal, then contacted and purchased). The baseline is the
// strongest raw log with the same guarantees (JSON rows, unique (stream,
// revision) and eventId, the SHA-256 chain, WAL with synchronous FULL) that
// commits once per batch, as the API's own answer to a batch does.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { computeEventHash, normaliseNewEvent, ZERO_HASH } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { batchBody, type LoadEvent } from './event-load';
import { drive } from './http-load';
import { settle } from './rapport-client';
import { startRapport } from './server-process';
import { summarize } from './stats';

const CLIENTS = 4;
const BATCH = 500;
const CHANNELS = ['email', 'phone', 'sms', 'web'] as const;
const START = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;

/** The `round`-th event of a customer: identified (name and email, sealed), then contacted or purchased. */
export function spreadEvent(prefix: string, customer: number, round: number): LoadEvent {
  const customerId = `${prefix}-${customer}`;
  const base = { customerId, eventId: randomUUID(), occurredAt: new Date(START + (round * 7 + (customer % 5)) * DAY_MS).toISOString(), metadata: { source: 'etl' } };
  if (round === 0) return { ...base, type: 'identified', data: { name: `Customer ${customer}`, email: `c${customer}@example.com`, phone: `+4470000${String(customer).padStart(5, '0')}` } };
  if ((customer + round) % 3 === 0) {
    return { ...base, type: 'purchased', data: { orderId: `o-${customer}-${round}`, amount: 500 + ((customer * 31 + round * 17) % 20_000), currency: 'USD' } };
  }
  return { ...base, type: 'contacted', data: { channel: CHANNELS[(customer + round) % CHANNELS.length], direction: 'outbound', campaignId: `camp-${round}` } };
}

/**
 * Batches of `BATCH` events, each of a different customer: round after round over
 * `customers` customers, in an order that changes every round (no cache warms up).
 */
export function spreadBatches(prefix: string, customers: number, rounds: number): LoadEvent[][] {
  const batches: LoadEvent[][] = [];
  for (let round = 0; round < rounds; round++) {
    // A stride coprime with the pool visits every customer once per round, in a scattered order.
    const stride = coprimeStride(customers, 7_919 + round * 104_729);
    let batch: LoadEvent[] = [];
    for (let i = 0; i < customers; i++) {
      batch.push(spreadEvent(prefix, (i * stride) % customers, round));
      if (batch.length === BATCH) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);
  }
  return batches;
}

function coprimeStride(n: number, start: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = start % n || 1;
  while (gcd(stride, n) !== 1) stride += 1;
  return stride;
}

/**
 * A raw log: the API's own table and indexes, one IMMEDIATE transaction (one fsync) per batch,
 * each event's revision and previous hash read from its stream's head, hashed as the API hashes.
 */
class RawBatchLog {
  private readonly store: SqliteEventStore;
  private readonly append: (batch: readonly LoadEvent[]) => void;

  constructor(file: string) {
    this.store = SqliteEventStore.open(file);
    const db = this.store.rawDatabase();
    const head = db.prepare<[string], { revision: number; hash: string }>('SELECT revision, hash FROM events WHERE customer_id = ? ORDER BY revision DESC LIMIT 1');
    const insert = db.prepare(
      `INSERT INTO events (customer_id, revision, event_id, type, occurred_at, recorded_at, schema_version, data, metadata, hash)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    );
    const append = db.transaction((batch: readonly LoadEvent[]) => {
      const recordedAt = new Date().toISOString();
      for (const event of batch) {
        const normal = normaliseNewEvent(event);
        const last = head.get(event.customerId);
        const revision = (last?.revision ?? -1) + 1;
        const hash = computeEventHash(last?.hash ?? ZERO_HASH, { ...normal, customerId: event.customerId, recordedAt, revision });
        insert.run(event.customerId, revision, normal.eventId, normal.type, normal.occurredAt, recordedAt, JSON.stringify(normal.data), JSON.stringify(normal.metadata), hash);
      }
    });
    // IMMEDIATE, as the API's own appends: the write lock before the stream heads are read.
    this.append = (batch) => append.immediate(batch);
  }

  write(batch: readonly LoadEvent[]): void {
    this.append(batch);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

export const spreadIngestionBench: Bench = {
  id: 'ingestion-spread',
  title: 'ingestion, batches spread over many customers',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const customers = context.quick ? 5_000 : 50_000;
    const rounds = context.quick ? 2 : 3;
    const dataDir = path.join(context.tmp, 'spread-api');
    const server = await startRapport(dataDir, context.profileDir);
    const rapportRuns: number[] = [];
    const baselineRuns: number[] = [];
    let sent = 0;
    try {
      for (let run = 0; run <= context.runs; run++) {
        // Run 0 warms up both sides (JIT, SQLite caches) at a tenth of the size (a batch for each client at least) and is not reported.
        const warmup = Math.max(customers / 10, BATCH * CLIENTS);
        const set = spreadBatches(`spread${run}`, run === 0 ? warmup : customers, run === 0 ? 2 : rounds);
        const count = set.reduce((n, batch) => n + batch.length, 0);
        const bodies = set.map(batchBody);
        let next = 0;
        const http = await drive(server.url, CLIENTS, bodies.length, () => ({ path: '/v1/events', body: bodies[next++]! }));
        sent += count;
        await settle(server.url);
        const baseline = new RawBatchLog(path.join(context.tmp, `spread-raw-${run}`, 'events.sqlite'));
        const started = performance.now();
        try {
          for (const batch of set) baseline.write(batch);
        } finally {
          await baseline.close();
        }
        const rawSeconds = (performance.now() - started) / 1000;
        if (run === 0) continue;
        rapportRuns.push(count / http.seconds);
        baselineRuns.push(count / rawSeconds);
        context.log(`ingestion-spread run ${run}: Rapport ${Math.round(rapportRuns.at(-1)!)} events/s, raw ${Math.round(baselineRuns.at(-1)!)} events/s`);
      }
    } finally {
      await server.stop();
    }
    // Every batch item must have been recorded: the log holds exactly what was sent (plus the settle probes).
    const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
    const recorded = (await log.headPosition()) - (context.runs + 1);
    await log.close();
    if (recorded !== sent) throw new Error(`ingestion-spread: sent ${sent} events, the log holds ${recorded}`);
    const ratio = summarize(rapportRuns.map((r, i) => r / baselineRuns[i]!));
    return [
      {
        id: 'ingestion-spread',
        figure: 'ingestion, batches spread over many customers',
        unit: 'events/s',
        rapport: { label: `POST /v1/events, ${CLIENTS} clients`, summary: summarize(rapportRuns) },
        baseline: { label: 'raw SQLite log, one transaction per batch', summary: summarize(baselineRuns) },
        ratio,
        goal: '≥ 0.5',
        met: ratio.median >= 0.5,
        details: {
          eventsPerRun: events(customers * rounds),
          customers: events(customers),
          batch: `${BATCH} events of ${BATCH} customers`,
          mix: 'identified (name, email, phone: sealed), then contacted or purchased',
          clients: CLIENTS,
        },
      },
    ];
  },
};
