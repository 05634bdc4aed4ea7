// Ingestion, embedded: events/s through POST /v1/events (batches of 500 from
// several clients) against the SQLite adapter appending the same batches
// itself, one append per customer of the batch, as the API does.
import * as path from 'node:path';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { batchBody, byCustomer, DEFAULT_BATCH, loadBatch } from './event-load';
import { drive } from './http-load';
import { settle } from './rapport-client';
import { startRapport } from './server-process';
import { summarize } from './stats';

const CLIENTS = 4;

export const ingestionBench: Bench = {
  id: 'ingestion',
  title: 'ingestion, embedded',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const batches = context.quick ? 20 : 200;
    const warmup = context.quick ? 4 : 20;
    const size = DEFAULT_BATCH.size;
    const dataDir = path.join(context.tmp, 'ingestion-api');
    const server = await startRapport(dataDir, context.profileDir);
    const baseline = SqliteEventStore.open(path.join(context.tmp, 'ingestion-raw', 'events.sqlite'));
    const rapportRuns: number[] = [];
    const baselineRuns: number[] = [];
    let sent = 0;
    try {
      for (let run = 0; run <= context.runs; run++) {
        // Run 0 warms up both sides (JIT, SQLite caches) and is not reported.
        const set = Array.from({ length: run === 0 ? warmup : batches }, (_, n) => loadBatch(`ing${run}`, n));
        const bodies = set.map(batchBody);
        let next = 0;
        const http = await drive(server.url, CLIENTS, bodies.length, () => ({ path: '/v1/events', body: bodies[next++]! }));
        sent += set.length * size;
        // The projections follow in the same process: let them finish before the baseline runs.
        await settle(server.url);
        const started = performance.now();
        for (const batch of set) {
          for (const [customerId, group] of byCustomer(batch)) await baseline.append(customerId, group, 'any');
        }
        const rawSeconds = (performance.now() - started) / 1000;
        if (run === 0) continue;
        rapportRuns.push((set.length * size) / http.seconds);
        baselineRuns.push((set.length * size) / rawSeconds);
        context.log(`ingestion run ${run}: Rapport ${Math.round(rapportRuns.at(-1)!)} events/s, raw ${Math.round(baselineRuns.at(-1)!)} events/s`);
      }
    } finally {
      await server.stop();
      await baseline.close();
    }
    // Every batch item must have been recorded: the log holds exactly what was sent (plus the settle probes).
    const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
    const recorded = (await log.headPosition()) - (context.runs + 1);
    await log.close();
    if (recorded !== sent) throw new Error(`ingestion: sent ${sent} events, the log holds ${recorded}`);
    const ratio = summarize(rapportRuns.map((r, i) => r / baselineRuns[i]!));
    return [
      {
        id: 'ingestion',
        figure: 'ingestion, embedded',
        unit: 'events/s',
        rapport: { label: `POST /v1/events, ${CLIENTS} clients`, summary: summarize(rapportRuns) },
        baseline: { label: 'SqliteEventStore.append per customer', summary: summarize(baselineRuns) },
        ratio,
        goal: '≥ 0.5',
        met: ratio.median >= 0.5,
        details: { eventsPerRun: events(batches * size), batch: `${size} events of ${DEFAULT_BATCH.customersPerBatch} customers`, clients: CLIENTS },
      },
    ];
  },
};
