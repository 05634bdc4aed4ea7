// Memory: resident set size of the embedded API process while it ingests
// 1,000,000 events (batches of 500, several clients) and projects them.
// "Flat" means the RSS after the first quarter does not keep growing with the
// events recorded.
import * as path from 'node:path';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { batchBody, DEFAULT_BATCH, loadBatch } from './event-load';
import { drive } from './http-load';
import { settle } from './rapport-client';
import { startRapport } from './server-process';
import { summarize } from './stats';

const MiB = 2 ** 20;
const CLIENTS = 4;

export const memoryBench: Bench = {
  id: 'memory',
  title: 'memory, embedded',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const total = context.quick ? 50_000 : 1_000_000;
    const batches = Math.ceil(total / DEFAULT_BATCH.size);
    const server = await startRapport(path.join(context.tmp, 'memory-api'), context.profileDir);
    const samples: { events: number; rssMiB: number }[] = [];
    let sent = 0;
    const sample = () => samples.push({ events: sent * DEFAULT_BATCH.size, rssMiB: server.rssBytes() / MiB });
    let settledRss: number;
    try {
      sample();
      const timer = setInterval(sample, 1000);
      try {
        // Bodies are built as they are sent: a million events never sit in the bench's memory.
        await drive(server.url, CLIENTS, batches, () => ({ path: '/v1/events', body: batchBody(loadBatch('mem', sent++)) }));
      } finally {
        clearInterval(timer);
      }
      await settle(server.url);
      sample();
      settledRss = server.rssBytes() / MiB;
    } finally {
      await server.stop();
    }
    const peak = Math.max(...samples.map((s) => s.rssMiB));
    // Growth from the first quarter of the events to the end: flat when small.
    const quarter = samples.find((s) => s.events >= total / 4)?.rssMiB ?? samples[0]!.rssMiB;
    const growth = (settledRss - quarter) / quarter;
    context.log(`memory: ${events(total)} events, peak RSS ${peak.toFixed(0)} MiB, at the end ${settledRss.toFixed(0)} MiB, ${(growth * 100).toFixed(0)}% growth since the first quarter`);
    const step = Math.max(1, Math.floor(samples.length / 10));
    return [
      {
        id: 'memory',
        figure: `memory, ${events(total)} events`,
        unit: 'MiB',
        rapport: { label: `peak RSS; ${settledRss.toFixed(0)} MiB after the projections caught up, ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}% since the first quarter`, summary: summarize([peak]) },
        goal: '≤ 512 MiB, flat',
        met: peak <= 512 && growth <= 0.25,
        details: {
          events: total,
          peakMiB: Math.round(peak),
          endMiB: Math.round(settledRss),
          growthSinceFirstQuarter: Number(growth.toFixed(3)),
          samples: samples.filter((_, i) => i % step === 0 || i === samples.length - 1).map((s) => ({ events: s.events, rssMiB: Math.round(s.rssMiB) })),
        },
      },
    ];
  },
};
