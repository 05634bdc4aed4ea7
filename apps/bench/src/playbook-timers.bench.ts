// Playbook timers: how long after a step falls due its `action_requested` is
// recorded, in the API process (apps/api/src/main.ts) with its runner and
// scheduler as configured by default. Embedded (`timers`), and distributed
// (`timers-distributed`: the API with its due times in FerretDB, beside the
// real relay and projector processes on the local Kafka), with a longer SLA
// there, since enrolling goes through FerretDB.
//
// Two complaint-sla playbooks: `bench-armed` (low severity, a one-day SLA)
// holds 10,000 armed timers (2,000 with --quick) that never fall due during
// the run, so the scheduler works over a due-time table of realistic size;
// `bench-sla` (high severity, a short SLA) gets the measured complaints, sent
// in slices over a few seconds with occurredAt = the moment they are sent, so
// they fall due over a window of that length. Every one is enrolled before the
// first falls due (the bench watches the log file through a read-only
// connection: what the runner decided, however far the read models lag), and
// the bench sends nothing to the server until a second after the last did.
// Then the server is stopped and its log read: each action_requested is dated
// (occurredAt) the instant its step fell due, and its recordedAt is when the
// log recorded it; the difference is the figure.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { firingLatencies, type FiringLatencies } from './playbook-latency';
import { DistributedScope } from './distributed-fixtures';
import { freePort, ServerProcess, startRapport } from './server-process';
import { percentile, summarize } from './stats';

const WARMUP = 100;
const SLICES = 20;
const BATCH = 500;

interface TimerSizes {
  /** Timers armed beforehand that do not fall due during the run. */
  readonly armed: number;
  /** Complaints measured. */
  readonly due: number;
  /** They are sent (and fall due) over this long. */
  readonly spreadMs: number;
  readonly sla: string;
  readonly slaMs: number;
}

const FULL: TimerSizes = { armed: 10_000, due: 2_000, spreadMs: 5_000, sla: 'PT20S', slaMs: 20_000 };
const QUICK: TimerSizes = { armed: 2_000, due: 500, spreadMs: 2_000, sla: 'PT10S', slaMs: 10_000 };
// Distributed: the runner's due times are in FerretDB, whose SQLite backend takes time growing
// with the collection for every update and delete (docs/benchmarks.md): a gentler rate, a longer SLA.
const FULL_DISTRIBUTED: TimerSizes = { armed: 10_000, due: 1_000, spreadMs: 10_000, sla: 'PT60S', slaMs: 60_000 };
const QUICK_DISTRIBUTED: TimerSizes = { armed: 500, due: 200, spreadMs: 2_000, sla: 'PT30S', slaMs: 30_000 };

function complaint(customerId: string, occurredAt: string, severity: 'low' | 'high') {
  return { customerId, type: 'complained', occurredAt, data: { complaintId: `k-${customerId}`, category: 'delivery', severity }, metadata: { source: 'bench' } };
}

async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Records complaints through POST /v1/events, failing unless each is recorded. */
async function record(url: string, list: readonly ReturnType<typeof complaint>[]): Promise<void> {
  for (let i = 0; i < list.length; i += BATCH) {
    const answer = (await call(`${url}/v1/events`, 'POST', { events: list.slice(i, i + BATCH) })) as { results: { status: string }[] };
    const refused = answer.results.filter((r) => r.status !== 'recorded');
    if (refused.length > 0) throw new Error(`${refused.length} complaints not recorded: ${JSON.stringify(refused[0])}`);
  }
}

/**
 * Counts decisions in the server's log as it runs (a read-only connection
 * beside the writer): what the runner has decided, whatever the read models
 * (fed through Kafka in distributed mode) show yet.
 */
class LogProbe {
  private readonly db: Database.Database;
  private readonly count: Database.Statement;

  constructor(dataDir: string) {
    this.db = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true, fileMustExist: true });
    this.count = this.db.prepare('SELECT count(*) AS n FROM events WHERE type = ? AND customer_id LIKE ?');
  }

  /** Decisions of `type` for customers whose id starts with `prefix`. */
  decided(type: 'playbook_enrolled' | 'playbook_exited', prefix: string): number {
    return (this.count.get(type, `${prefix}%`) as { n: number }).n;
  }

  /** Polls until `done` holds, every `everyMs`; fails after `timeoutMs`. */
  async waitFor(what: string, done: () => boolean, timeoutMs: number, everyMs: number): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; !done(); await sleep(everyMs)) {
      if (Date.now() > deadline) throw new Error(`timers: ${what} not reached within ${timeoutMs} ms`);
    }
  }

  close(): void {
    this.db.close();
  }
}

interface TimerRun {
  readonly sizes: TimerSizes;
  readonly armedSeconds: number;
  readonly result: FiringLatencies;
}

/**
 * The scenario on a running API whose log is `events.sqlite` in `dataDir`:
 * arm, warm up, send the measured complaints in slices, wait until every one
 * has fired; then the latencies from the log, once the server has stopped.
 */
async function fireTimers(context: BenchContext, server: ServerProcess, dataDir: string, sizes: TimerSizes, mode: string): Promise<{ armedSeconds: number }> {
  const probe = new LogProbe(dataDir);
  try {
    return await fireTimersWatched(context, server, probe, sizes, mode);
  } finally {
    probe.close();
  }
}

/** The runner's series of the server's /metrics, as one line: what a failure names, so a stalled runner shows where it stands. */
async function runnerState(url: string): Promise<string> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text.split('\n').filter((line) => /^rapport_(playbook_runner_\w+|log_head_position) /.test(line)).join(', ') || 'no runner series';
  } catch (error) {
    return `/metrics did not answer: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function fireTimersWatched(context: BenchContext, server: ServerProcess, probe: LogProbe, sizes: TimerSizes, mode: string): Promise<{ armedSeconds: number }> {
  try {
    return await fireTimersOn(context, server, probe, sizes, mode);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)} (the server then: ${await runnerState(server.url)})`, { cause: error });
  }
}

async function fireTimersOn(context: BenchContext, server: ServerProcess, probe: LogProbe, sizes: TimerSizes, mode: string): Promise<{ armedSeconds: number }> {
  await call(`${server.url}/v1/playbooks/bench-armed`, 'PUT', { template: 'complaint-sla', params: { sla: 'P1D', severities: ['low'] } });
  await call(`${server.url}/v1/playbooks/bench-sla`, 'PUT', { template: 'complaint-sla', params: { sla: sizes.sla, severities: ['high'] } });

  // The armed timers first, due in a day.
  const arming = performance.now();
  const now = new Date().toISOString();
  await record(server.url, Array.from({ length: sizes.armed }, (_, i) => complaint(`armed-${i}`, now, 'low')));
  await probe.waitFor(`${sizes.armed} armed`, () => probe.decided('playbook_enrolled', 'armed-') >= sizes.armed, 600_000, 250);
  const armedSeconds = (performance.now() - arming) / 1000;
  context.log(`playbook timers (${mode}): ${events(sizes.armed)} timers armed in ${armedSeconds.toFixed(1)} s`);

  // A warm-up (JIT, caches of the firing path), due two seconds after it is sent; not reported.
  const warmAt = new Date(Date.now() - sizes.slaMs + 2_000).toISOString();
  await record(server.url, Array.from({ length: WARMUP }, (_, i) => complaint(`warm-${i}`, warmAt, 'high')));
  await probe.waitFor('the warm-up', () => probe.decided('playbook_exited', 'warm-') >= WARMUP, 120_000, 100);

  // The measured complaints: one slice every spreadMs / SLICES, each dated when it is sent.
  const perSlice = Math.ceil(sizes.due / SLICES);
  const started = Date.now();
  for (let s = 0; s < SLICES; s++) {
    await sleep(Math.max(0, started + (s * sizes.spreadMs) / SLICES - Date.now()));
    const at = new Date().toISOString();
    const first = s * perSlice;
    await record(server.url, Array.from({ length: Math.min(perSlice, sizes.due - first) }, (_, i) => complaint(`due-${first + i}`, at, 'high')));
  }
  // Each enrolled (its timer armed) before the first falls due, or the figure would time enrolling too.
  const firstDue = started + sizes.slaMs;
  await probe.waitFor(`${sizes.due} enrolled`, () => probe.decided('playbook_enrolled', 'due-') >= sizes.due, sizes.slaMs, 100);
  if (Date.now() >= firstDue) throw new Error(`timers (${mode}): the complaints were not all enrolled before the first fell due (${sizes.sla} too short for this machine)`);
  // Hands off while they fall due (the probe reads a file, never the server); then until each has ended.
  await sleep(Math.max(0, firstDue + sizes.spreadMs + 1_000 - Date.now()));
  await probe.waitFor(`${sizes.due} ended`, () => probe.decided('playbook_exited', 'due-') >= sizes.due, 120_000, 250);
  return { armedSeconds };
}

/** The latencies from the log, checked: every measured step fired once, none early, no armed timer fired. */
async function latenciesOf(dataDir: string, sizes: TimerSizes, mode: string): Promise<FiringLatencies> {
  const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
  let result: FiringLatencies;
  try {
    result = await firingLatencies(log, (customerId) => customerId.startsWith('due-'), (customerId) => customerId.startsWith('armed-'));
  } finally {
    await log.close();
  }
  if (result.latenciesMs.length !== sizes.due) throw new Error(`timers (${mode}): ${sizes.due} complaints fell due, the log holds ${result.latenciesMs.length} action_requested for them`);
  if (result.early > 0) throw new Error(`timers (${mode}): ${result.early} armed timers not yet due fired`);
  if (result.beforeDue > 0 || result.duplicates > 0) throw new Error(`timers (${mode}): ${result.beforeDue} actions recorded before they were due, ${result.duplicates} recorded twice`);
  return result;
}

function figureOf(context: BenchContext, run: TimerRun, id: string, mode: string, goalMs: number): FigureResult {
  const { sizes, result } = run;
  const lags = result.latenciesMs;
  const p50 = percentile(lags, 50);
  const p99 = percentile(lags, 99);
  const max = Math.max(...lags);
  const fallingPerSecond = sizes.due / (sizes.spreadMs / 1000);
  // From the first due instant to the last action recorded.
  const firingSeconds = (result.lastRecordedMs - result.firstDueMs) / 1000;
  context.log(
    `playbook timers (${mode}): ${lags.length} fired (${fallingPerSecond}/s falling due), p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${max.toFixed(0)} ms; all decided ${firingSeconds.toFixed(1)} s after the first fell due`,
  );
  return {
    id,
    figure: `playbook timers, ${mode}, due → action_requested (p99)`,
    unit: 'ms',
    rapport: {
      label: `p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms; ${events(sizes.due)} falling due over ${sizes.spreadMs / 1000} s, ${events(sizes.armed)} more armed`,
      summary: summarize([p99]),
    },
    goal: `p99 ≤ ${goalMs / 1000} s`,
    met: context.quick ? null : p99 <= goalMs,
    details: {
      fired: lags.length,
      spreadMs: sizes.spreadMs,
      sla: sizes.sla,
      armedNotDue: sizes.armed,
      armedInSeconds: Number(run.armedSeconds.toFixed(1)),
      fallingDuePerSecond: fallingPerSecond,
      firingSeconds,
      p50,
      p90: percentile(lags, 90),
      p99,
      max,
      min: Math.min(...lags),
    },
  };
}

export const playbookTimersBench: Bench = {
  id: 'timers',
  title: 'playbook timers, firing latency, embedded',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const sizes = context.quick ? QUICK : FULL;
    const dataDir = path.join(context.tmp, 'timers-api');
    const server = await startRapport(dataDir, context.profileDir);
    let armedSeconds: number;
    try {
      ({ armedSeconds } = await fireTimers(context, server, dataDir, sizes, 'embedded'));
    } finally {
      await server.stop();
    }
    const result = await latenciesOf(dataDir, sizes, 'embedded');
    return [figureOf(context, { sizes, armedSeconds, result }, 'timers', 'embedded', 1_000)];
  },
};

export const playbookTimersDistributedBench: Bench = {
  id: 'timers-distributed',
  title: 'playbook timers, firing latency, distributed',
  needsInfra: true,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const sizes = context.quick ? QUICK_DISTRIBUTED : FULL_DISTRIBUTED;
    const dataDir = path.join(context.tmp, 'timers-distributed');
    const scope = await DistributedScope.open(context);
    const run = randomUUID().replace(/-/g, '').slice(0, 10);
    const servers: ServerProcess[] = [];
    let armedSeconds: number;
    try {
      const topic = await scope.topic(`bench.timers.${run}`);
      const actionsTopic = await scope.topic(`bench.timers-actions.${run}`);
      const database = scope.database(`bench_timers_${run}`);
      scope.database(`${database}_playbooks`);
      const relayId = `bench-timers-${run}`;
      scope.relayGroup(relayId);
      // The roles as `npm run start:distributed` runs them, each in a process of its own.
      servers.push(await scope.startProjector(topic, scope.group(`bench-timers-${run}`), database));
      const relayPort = await freePort();
      servers.push(
        await ServerProcess.start({
          entry: 'apps/relay/src/main.ts',
          readyPath: '/metrics',
          port: relayPort,
          env: {
            RAPPORT_MODE: 'distributed',
            RAPPORT_DATA_DIR: dataDir,
            RAPPORT_KAFKA_BROKERS: context.brokers.join(','),
            RAPPORT_KAFKA_TOPIC: topic,
            RAPPORT_KAFKA_ACTIONS_TOPIC: actionsTopic,
            RAPPORT_RELAY_ID: relayId,
            RAPPORT_RELAY_METRICS_PORT: String(relayPort),
            RAPPORT_METRICS_HOST: '127.0.0.1',
            RAPPORT_LOG_LEVEL: 'warn',
          },
        }),
      );
      const api = await startRapport(dataDir, context.profileDir, {
        RAPPORT_MODE: 'distributed',
        RAPPORT_MONGO_URL: scope.mongoUrl(database),
        RAPPORT_KAFKA_BROKERS: context.brokers.join(','),
        RAPPORT_KAFKA_TOPIC: topic,
        RAPPORT_KAFKA_ACTIONS_TOPIC: actionsTopic,
      });
      servers.push(api);
      ({ armedSeconds } = await fireTimers(context, api, dataDir, sizes, 'distributed'));
    } finally {
      // The API first: it stops deciding before the roles it feeds go.
      for (const server of servers.reverse()) await server.stop();
      await scope.close();
    }
    const result = await latenciesOf(dataDir, sizes, 'distributed');
    return [figureOf(context, { sizes, armedSeconds, result }, 'timers-distributed', 'distributed', 5_000)];
  },
};
