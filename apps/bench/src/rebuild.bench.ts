// Projection rebuild, embedded: ProjectionRunner.rebuild() of every read model
// from the SQLite log into the SQLite read store, against the two raw halves of
// that job: reading the log alone, and writing the final documents alone.
import * as path from 'node:path';
import { ProjectionRunner } from '@rapport/application';
import { SqliteReadStore } from '@rapport/read-store';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { buildLog, documentChunks, finalDocuments, readWholeLog } from './fixtures';
import { summarize } from './stats';

const BATCH = 500;

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
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
        const target = SqliteReadStore.open(path.join(dir, `read-models-${run}.sqlite`));
        const rebuilt = await timed(() => new ProjectionRunner(log, target, { batchSize: BATCH }).rebuild());
        await target.close();
        if (rebuilt.value !== total) throw new Error(`rebuild reached position ${rebuilt.value}, the log holds ${total}`);
        const reading = await timed(async () => (await readWholeLog(log, BATCH)).length);
        const writer = SqliteReadStore.open(path.join(dir, `raw-documents-${run}.sqlite`));
        const writing = await timed(async () => {
          for (const chunk of documentChunks(docs, BATCH)) await writer.commit({ ...chunk, checkpoint: { name: 'raw', position: 0 } });
        });
        await writer.close();
        if (run === 0) continue;
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
        rapport: { label: 'ProjectionRunner.rebuild(), SQLite → SQLite', summary: summarize(rapport) },
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
