// Playbook signals, in-process: PlaybookRunner.evaluateSignals over every
// customer, as the API's runner does at publication and at the start of each
// RAPPORT_SIGNAL_EVERY period. The population is CDNOW resampled (as the
// analytics figure does), moved in time so its last purchases are recent:
// a SQLite log of each customer's purchases, projected into the read models by
// LogSubscription + ProjectionHandler, a playbooks' log and a runner store as
// the API opens them, and the runner wired as the API wires it
// (ReadModelSignalSource for the signals, AnalyticsFactsReader for conditions
// on valueRank and the like, the log at synchronous = FULL).
//
// Each customer a signal holds for gets its stream read, its playbook decided
// and the decisions appended (one customer after another), so the time
// depends on how many it holds for: both are reported, and the time per such
// customer. Two playbooks, each on a fresh copy of the same data:
// `no_purchase_for` P90D (a task), and the `win-back` template (p_alive_below,
// which fits BG/NBD over everyone, and conditions on stage and valueRank).
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalyticsFactsReader, AnalyticsService, CustomerCommands, CustomerReadModels, LogSubscription, PlaybookCatalogue, PlaybookRunner, ProjectionHandler, ReadModelSignalSource } from '@rapport/application';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { NewEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import { openEmbeddedPlaybookStores, systemClock, uuidGenerator } from '@rapport/wiring';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { DAY_MS, readCdnow, resampled, SAMPLE_CUSTOMERS } from './cdnow';
import { summarize } from './stats';

const HOUR_MS = 3_600_000;
/** The last day CDNOW's resampled histories can reach (1998-06-30 plus the 0–30 days each is shifted by). */
const CDNOW_END = Date.UTC(1998, 6, 31);

interface SignalPlaybook {
  readonly key: string;
  readonly label: string;
  readonly definition: unknown;
}

const PLAYBOOKS: readonly SignalPlaybook[] = [
  {
    key: 'lapsed',
    label: 'no_purchase_for P90D → task',
    definition: { name: 'Lapsed buyers', trigger: { signal: 'no_purchase_for', duration: 'P90D' }, steps: [{ action: { kind: 'task', title: 'call' } }] },
  },
  {
    key: 'win-back',
    label: 'win-back template (p_alive_below 0.3, top 20% by valueRank)',
    definition: { template: 'win-back', params: { pAliveBelow: 0.3, offerId: 'WINBACK10' } },
  },
];

/** A resampled customer's purchases, as the events of its stream. */
function streamOf(customerId: string, purchases: readonly { dayMs: number; cents: number }[]): NewEvent[] {
  return purchases.map((p, revision) => ({
    eventId: randomUUID(),
    type: 'purchased',
    occurredAt: new Date(p.dayMs + 12 * HOUR_MS).toISOString(),
    data: { orderId: `o-${customerId}-${revision}`, amount: p.cents, currency: 'USD' },
    metadata: { source: 'bench' },
  }));
}

/**
 * The data set, built once per size and copied for each evaluation: the log
 * (appended with durability off while it is filled, as buildLog does) and the
 * read models projected from it.
 */
async function buildDataSet(dir: string, customers: number, log: (message: string) => void): Promise<{ events: number; buildSeconds: number; projectSeconds: number }> {
  fs.mkdirSync(dir, { recursive: true });
  const histories = readCdnow();
  // Whole days, so CDNOW's last possible day lands on yesterday.
  const offset = Math.floor((Date.now() - CDNOW_END) / DAY_MS) * DAY_MS - DAY_MS;
  const started = performance.now();
  const store = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
  store.rawDatabase().pragma('synchronous = OFF');
  let total = 0;
  for (const { customerId, purchases } of resampled(histories, customers, offset)) {
    const stream = streamOf(customerId, purchases);
    await store.append(customerId, stream, 'no_stream');
    total += stream.length;
  }
  store.rawDatabase().pragma('synchronous = FULL');
  const buildSeconds = (performance.now() - started) / 1000;
  const readModels = SqliteDocumentStore.open(path.join(dir, 'read-models.sqlite'), collectionsOf(READ_MODELS));
  const projecting = performance.now();
  await new LogSubscription(store, new ProjectionHandler(readModels), readModels).catchUp();
  const projectSeconds = (performance.now() - projecting) / 1000;
  await readModels.close();
  await store.close();
  log(`playbook signals: ${events(customers)} customers, ${events(total)} events written in ${buildSeconds.toFixed(1)} s, projected in ${projectSeconds.toFixed(1)} s`);
  return { events: total, buildSeconds, projectSeconds };
}

interface Evaluation {
  /** The first evaluation, at publication: every customer the signal holds for is enrolled. */
  readonly seconds: number;
  readonly held: number;
  readonly recorded: number;
  /** The next one, a moment later: the signal holds for the same customers, no one new is enrolled. */
  readonly againSeconds: number;
  readonly againHeld: number;
  readonly againRecorded: number;
}

/** One evaluation on a fresh copy of the data set, wired as the API wires its runner. */
async function evaluate(source: string, dir: string, playbook: SignalPlaybook): Promise<Evaluation> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ['events.sqlite', 'read-models.sqlite']) fs.copyFileSync(path.join(source, file), path.join(dir, file));
  const log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
  const documents = SqliteDocumentStore.open(path.join(dir, 'read-models.sqlite'), collectionsOf(READ_MODELS));
  const { playbookLog, runnerStore } = openEmbeddedPlaybookStores({ dataDir: dir });
  try {
    const readModels = new CustomerReadModels(documents);
    const analytics = new AnalyticsService(readModels);
    const catalogue = new PlaybookCatalogue(playbookLog, systemClock, uuidGenerator);
    const runner = new PlaybookRunner(log, new CustomerCommands(log, systemClock, uuidGenerator), catalogue, runnerStore, systemClock, {
      consentDefault: 'opt-in',
      contactCap: { count: 1, periodMs: 7 * 24 * HOUR_MS },
      analytics: new AnalyticsFactsReader(analytics, 'USD', systemClock),
      signals: new ReadModelSignalSource(readModels, analytics),
      signalEveryMs: HOUR_MS,
    });
    const published = await catalogue.publish(playbook.key, playbook.definition, { actor: 'bench' });
    if (published.status !== 'recorded') throw new Error(`publishing ${playbook.key}: ${JSON.stringify(published)}`);
    const firedAt = published.state.versions.at(-1)!.publishedAt;
    const timed = async (at: string) => {
      const head = await log.headPosition();
      const started = performance.now();
      const held = await runner.evaluateSignals(at);
      const seconds = (performance.now() - started) / 1000;
      return { seconds, held, recorded: (await log.headPosition()) - head };
    };
    const first = await timed(firedAt);
    const again = await timed(new Date().toISOString());
    return { ...first, againSeconds: again.seconds, againHeld: again.held, againRecorded: again.recorded };
  } finally {
    await Promise.all([log.close(), documents.close(), playbookLog.close(), runnerStore.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const playbookSignalsBench: Bench = {
  id: 'signals',
  title: 'playbook signals, evaluation over every customer',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const customers = Number(process.env.BENCH_SIGNAL_CUSTOMERS ?? (context.quick ? SAMPLE_CUSTOMERS * 10 : SAMPLE_CUSTOMERS * 100));
    const runs = context.quick ? 1 : Math.min(context.runs, 1);
    const base = path.join(context.tmp, 'signals');
    const source = path.join(base, 'source');
    const built = await buildDataSet(source, customers, context.log);
    const figures: FigureResult[] = [];
    for (const playbook of PLAYBOOKS) {
      const results: Evaluation[] = [];
      for (let run = 0; run < runs; run++) {
        const result = await evaluate(source, path.join(base, `run-${playbook.key}-${run}`), playbook);
        results.push(result);
        context.log(
          `playbook signals ${playbook.key} run ${run + 1}: ${result.seconds.toFixed(2)} s, held for ${events(result.held)} customers (${result.recorded} events recorded); again ${result.againSeconds.toFixed(2)} s, held for ${events(result.againHeld)} (${result.againRecorded} recorded)`,
        );
      }
      const last = results.at(-1)!;
      const seconds = summarize(results.map((r) => r.seconds));
      figures.push({
        id: `signals-${playbook.key}`,
        figure: `playbook signal ${playbook.key}, ${events(customers)} customers`,
        unit: 's',
        rapport: { label: `evaluateSignals; held for ${events(last.held)}, ${((last.seconds / Math.max(1, last.held)) * 1000).toFixed(2)} ms each`, summary: seconds },
        goal: customers >= SAMPLE_CUSTOMERS * 100 ? '≤ 10 s' : '≤ 10 s at 235,700',
        met: customers >= SAMPLE_CUSTOMERS * 100 ? seconds.median <= 10 : null,
        details: { customers, events: built.events, held: last.held, recorded: last.recorded, again: { seconds: last.againSeconds, held: last.againHeld, recorded: last.againRecorded } },
      });
    }
    return figures;
  },
};
