// Playbook signals, in-process: PlaybookRunner.evaluateSignals over every
// customer, as the API's runner does at publication and at the start of each
// RAPPORT_SIGNAL_EVERY period. The population is CDNOW resampled (as the
// analytics figure does), moved in time so its last purchases are recent:
// a SQLite log of each customer's purchases, projected into the read models by
// LogSubscription + ProjectionHandler, a playbooks' log and a runner store as
// the API opens them, and the runner wired as the API wires it
// (ReadModelSignalSource for the signals, AnalyticsFactsReader for conditions
// on valueRank and the like, the log at synchronous = FULL; the decisions are
// appended to the bare log, where the API's pass through the personal-data
// sealing decorator, which has nothing to seal in them).
//
// Each customer a signal holds for and could enroll (not kept out by
// `reenroll`, nor by a `when` condition on the analytics) gets its stream
// read, its playbook decided and the decisions appended, 64 customers at a
// time (their appends share a commit), so the time depends on how many it
// decides for: both are reported, and the time per such customer. Three
// playbooks, each published on a fresh copy of the same data and evaluated
// at its publication instant, then once more a moment later (as at the next
// period: the signal holds for the same customers, and no one is
// enrolled again): `no_purchase_for` P3650D, which holds for no one (the scan
// of every customer's facts alone); `no_purchase_for` P90D (a task); and the
// `win-back` template (p_alive_below, which fits BG/NBD over everyone, with
// conditions on stage and valueRank, which read the analytics per customer).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalyticsFactsReader, AnalyticsService, CustomerCommands, CustomerReadModels, LogSubscription, PlaybookCatalogue, PlaybookRunner, ProjectionHandler, ReadModelSignalSource } from '@rapport/application';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import { openEmbeddedPlaybookStores, systemClock, uuidGenerator } from '@rapport/wiring';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { endingYesterday, purchaseEvents, readCdnow, resampled, SAMPLE_CUSTOMERS } from './cdnow';
import { startCpuProfile } from './in-process-profile';
import { summarize } from './stats';

const HOUR_MS = 3_600_000;

interface SignalPlaybook {
  readonly key: string;
  /** In the table. */
  readonly figure: string;
  /** In the details. */
  readonly label: string;
  readonly definition: unknown;
}

const PLAYBOOKS: readonly SignalPlaybook[] = [
  {
    key: 'none',
    figure: 'scan only (holds for none)',
    label: 'no_purchase_for P3650D, holds for no one: the scan alone',
    definition: { name: 'Gone ten years', trigger: { signal: 'no_purchase_for', duration: 'P3650D' }, steps: [{ action: { kind: 'task', title: 'call' } }] },
  },
  {
    key: 'lapsed',
    figure: 'no_purchase_for P90D',
    label: 'no_purchase_for P90D → task',
    definition: { name: 'Lapsed buyers', trigger: { signal: 'no_purchase_for', duration: 'P90D' }, steps: [{ action: { kind: 'task', title: 'call' } }] },
  },
  {
    key: 'win-back',
    figure: 'win-back (p_alive_below 0.3)',
    label: 'win-back template (p_alive_below 0.3, top 20% by valueRank)',
    definition: { template: 'win-back', params: { pAliveBelow: 0.3, offerId: 'WINBACK10' } },
  },
];

/**
 * The data set, built once per size and copied for each evaluation: the log
 * (appended with durability off while it is filled, as buildLog does) and the
 * read models projected from it.
 */
async function buildDataSet(dir: string, customers: number, log: (message: string) => void): Promise<{ events: number; buildSeconds: number; projectSeconds: number }> {
  fs.mkdirSync(dir, { recursive: true });
  const histories = readCdnow();
  const offset = endingYesterday();
  const started = performance.now();
  const store = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
  store.rawDatabase().pragma('synchronous = OFF');
  let total = 0;
  for (const { customerId, purchases } of resampled(histories, customers, offset)) {
    const stream = purchaseEvents(customerId, purchases);
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
  /** The first evaluation, at publication: every customer the signal holds for (and `when` admits) is enrolled. */
  readonly seconds: number;
  /** (customer, playbook) pairs decided: those the signal holds for, less those it could not enroll (left out unread). */
  readonly decided: number;
  readonly recorded: number;
  /** The next one, a moment later (as at the next period): the signal holds for the same customers, no one is enrolled again. */
  readonly againSeconds: number;
  readonly againDecided: number;
  readonly againRecorded: number;
}

/** One evaluation on a fresh copy of the data set, wired as the API wires its runner. */
async function evaluate(source: string, dir: string, playbook: SignalPlaybook, profileDir: string | undefined): Promise<Evaluation> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ['events.sqlite', 'read-models.sqlite']) {
    // Closed stores leave no WAL behind; copied anyway if one did.
    for (const suffix of ['', '-wal']) if (fs.existsSync(path.join(source, file + suffix))) fs.copyFileSync(path.join(source, file + suffix), path.join(dir, file + suffix));
  }
  const log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
  const documents = SqliteDocumentStore.open(path.join(dir, 'read-models.sqlite'), collectionsOf(READ_MODELS));
  const { playbookLog, runnerStore } = openEmbeddedPlaybookStores({ dataDir: dir });
  // A customer the runner could not decide for is logged and skipped: any such warning, or no model to read P(alive) from, voids the figure.
  const problems: string[] = [];
  const note = (message: string, fields?: Record<string, unknown>) => problems.push(`${message} ${JSON.stringify(fields ?? {})}`);
  try {
    const readModels = new CustomerReadModels(documents);
    const analytics = new AnalyticsService(readModels);
    const catalogue = new PlaybookCatalogue(playbookLog, systemClock, uuidGenerator);
    const runner = new PlaybookRunner(log, new CustomerCommands(log, systemClock, uuidGenerator), catalogue, runnerStore, systemClock, {
      consentDefault: 'opt-in',
      contactCap: { count: 1, periodMs: 7 * 24 * HOUR_MS },
      analytics: new AnalyticsFactsReader(analytics, 'USD', systemClock),
      signals: new ReadModelSignalSource(readModels, analytics, (error) => note('no BG/NBD model', { reason: error.message })),
      signalEveryMs: HOUR_MS,
      logger: { info: () => undefined, warn: note, error: note },
    });
    const published = await catalogue.publish(playbook.key, playbook.definition, { actor: 'bench' });
    if (published.status !== 'recorded') throw new Error(`publishing ${playbook.key}: ${JSON.stringify(published)}`);
    const firedAt = published.state.versions.at(-1)!.publishedAt;
    const timed = async (at: string, pass: string) => {
      const head = await log.headPosition();
      const profile = await startCpuProfile(profileDir);
      const started = performance.now();
      let decided: number;
      try {
        decided = await runner.evaluateSignals(at);
      } catch (error) {
        await profile.discard();
        throw error;
      }
      const seconds = (performance.now() - started) / 1000;
      await profile.save(`signals-${playbook.key}-${pass}`);
      return { seconds, decided, recorded: (await log.headPosition()) - head };
    };
    const first = await timed(firedAt, 'publication');
    const again = await timed(new Date().toISOString(), 'next-period');
    if (problems.length > 0) throw new Error(`signals ${playbook.key}: ${problems.length} problem(s), the first: ${problems[0]}`);
    return { ...first, againSeconds: again.seconds, againDecided: again.decided, againRecorded: again.recorded };
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
    const customers = context.quick ? SAMPLE_CUSTOMERS * 10 : SAMPLE_CUSTOMERS * 100;
    const base = path.join(context.tmp, 'signals');
    const source = path.join(base, 'source');
    const built = await buildDataSet(source, customers, context.log);
    const full = customers >= SAMPLE_CUSTOMERS * 100;
    const figures: FigureResult[] = [];
    // One evaluation per playbook (at full size each takes minutes), on a fresh copy of the data set.
    for (const playbook of PLAYBOOKS) {
      const r = await evaluate(source, path.join(base, playbook.key), playbook, context.profileDir);
      const each = (seconds: number, decided: number) => (decided > 0 ? `, ${((seconds / decided) * 1000).toFixed(2)} ms each` : '');
      context.log(
        `playbook signals ${playbook.key}: ${r.seconds.toFixed(2)} s, decided for ${events(r.decided)} customers${each(r.seconds, r.decided)} (${events(r.recorded)} events recorded); ` +
          `next period ${r.againSeconds.toFixed(2)} s, decided for ${events(r.againDecided)} (${events(r.againRecorded)} recorded)`,
      );
      figures.push({
        id: `signals-${playbook.key}`,
        figure: `signal ${playbook.figure}, ${events(customers)} customers`,
        unit: 's',
        rapport: {
          label: `evaluateSignals at publication; decided for ${events(r.decided)}${each(r.seconds, r.decided)}; next period ${r.againSeconds.toFixed(1)} s`,
          summary: summarize([r.seconds]),
        },
        goal: full ? '≤ 10 s' : '≤ 10 s at 235,700',
        met: full ? r.seconds <= 10 : null,
        details: {
          playbook: playbook.label,
          customers,
          events: built.events,
          buildSeconds: Number(built.buildSeconds.toFixed(1)),
          projectSeconds: Number(built.projectSeconds.toFixed(1)),
          decided: r.decided,
          msPerDecidedCustomer: r.decided > 0 ? (r.seconds / r.decided) * 1000 : null,
          recorded: r.recorded,
          nextPeriod: { seconds: r.againSeconds, decided: r.againDecided, recorded: r.againRecorded },
        },
      });
    }
    return figures;
  },
};
