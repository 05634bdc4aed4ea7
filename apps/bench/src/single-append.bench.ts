// Single appends, embedded: POST /v1/customers/{id}/events from 64 concurrent
// clients against a bare Fastify route appending the same events to the
// SQLite adapter. Each in-flight request is for a different customer, so the
// figure measures the write path, not retries of racing writers.
import * as path from 'node:path';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { loadEvent, singleBody } from './event-load';
import { drive, type LoadResult } from './http-load';
import { startRapport, startRawAppend } from './server-process';
import { summarize } from './stats';

const CONNECTIONS = 64;
/** Customers the requests cycle through: far more than in flight, so no two racing requests share a stream. */
const CUSTOMERS = 1000;

function requests(count: number, prefix: string, route: (customerId: string) => string) {
  let n = 0;
  return () => {
    const event = loadEvent(prefix, n % CUSTOMERS, Math.floor(n / CUSTOMERS));
    n++;
    return { path: route(event.customerId), body: singleBody(event) };
  };
}

export const singleAppendBench: Bench = {
  id: 'single',
  title: 'single appends, embedded',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const count = context.quick ? 800 : 10_000;
    const warmup = context.quick ? 200 : 1_000;
    const rapport = await startRapport(path.join(context.tmp, 'single-api'), context.profileDir);
    const raw = await startRawAppend(path.join(context.tmp, 'single-raw', 'events.sqlite'), context.profileDir);
    const rapportRuns: LoadResult[] = [];
    const rawRuns: LoadResult[] = [];
    try {
      for (let run = 0; run <= context.runs; run++) {
        const n = run === 0 ? warmup : count;
        const prefix = `single${run}`;
        const a = await drive(rapport.url, CONNECTIONS, n, requests(n, prefix, (id) => `/v1/customers/${id}/events`));
        const b = await drive(raw.url, CONNECTIONS, n, requests(n, prefix, (id) => `/raw/customers/${id}/events`));
        if (run === 0) continue;
        rapportRuns.push(a);
        rawRuns.push(b);
        context.log(`single run ${run}: Rapport ${Math.round(a.requests / a.seconds)}/s p99 ${a.p99} ms, raw ${Math.round(b.requests / b.seconds)}/s p99 ${b.p99} ms`);
      }
    } finally {
      await rapport.stop();
      await raw.stop();
    }
    const rate = (r: LoadResult) => r.requests / r.seconds;
    const ratio = summarize(rapportRuns.map((r, i) => rate(r) / rate(rawRuns[i]!)));
    return [
      {
        id: 'single',
        figure: 'single appends, embedded',
        unit: 'events/s',
        rapport: { label: `POST /v1/customers/{id}/events, ${CONNECTIONS} clients`, summary: summarize(rapportRuns.map(rate)) },
        baseline: { label: 'bare Fastify route + SqliteEventStore.append', summary: summarize(rawRuns.map(rate)) },
        ratio,
        goal: '≥ 0.6',
        met: ratio.median >= 0.6,
        details: {
          requestsPerRun: events(count),
          connections: CONNECTIONS,
          rapportLatencyMs: { p50: summarize(rapportRuns.map((r) => r.p50)).median, p99: summarize(rapportRuns.map((r) => r.p99)).median },
          baselineLatencyMs: { p50: summarize(rawRuns.map((r) => r.p50)).median, p99: summarize(rawRuns.map((r) => r.p99)).median },
        },
      },
      {
        id: 'single-latency',
        figure: 'single appends, latency p50 / p99',
        unit: 'ms',
        rapport: { label: `p99; p50 ${summarize(rapportRuns.map((r) => r.p50)).median} ms`, summary: summarize(rapportRuns.map((r) => r.p99)) },
        baseline: { label: `p99; p50 ${summarize(rawRuns.map((r) => r.p50)).median} ms`, summary: summarize(rawRuns.map((r) => r.p99)) },
        goal: '—',
        met: null,
        details: {},
      },
    ];
  },
};
