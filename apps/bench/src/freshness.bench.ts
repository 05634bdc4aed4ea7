// Freshness: how long after an append is acknowledged the read model shows it.
// Embedded: the API process under a steady background of single appends, read
// back with `?consistentWith=` (the server answers as soon as its log
// subscription has applied the write). Distributed: CustomerCommands on the log,
// the KafkaRelay, the real projector process and MongoDB, read through
// CustomerReadModels over the MongoDB document store, polled every 5 ms.
import * as path from 'node:path';
import { CustomerCommands, CustomerReadModels } from '@rapport/application';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { KafkaRelay } from '@rapport/messaging';
import { connectMongoReadModels, systemClock, uuidGenerator } from '@rapport/wiring';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { DistributedScope } from './distributed-fixtures';
import { loadEvent, runId, singleBody } from './event-load';
import { appendOne, readVisible } from './rapport-client';
import { startRapport } from './server-process';
import { percentile, summarize } from './stats';
import { sleep } from '@rapport/config';

const BACKGROUND_CLIENTS = 8;

/** Single appends from a few clients until stopped: the write load the probes are measured under. */
function backgroundLoad(url: string): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const client = async (k: number) => {
    for (let n = 0; running; n++) {
      const event = loadEvent(`bg${k}`, n % 200, Math.floor(n / 200));
      const response = await fetch(`${url}/v1/customers/${event.customerId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: singleBody(event),
      });
      if (response.status !== 201) throw new Error(`background append answered ${response.status}`);
      await response.arrayBuffer();
      sent++;
    }
  };
  const clients = Array.from({ length: BACKGROUND_CLIENTS }, (_, k) => client(k));
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      return sent;
    },
  };
}

async function embedded(context: BenchContext, probes: number): Promise<{ lags: number[]; background: number }> {
  const server = await startRapport(path.join(context.tmp, 'freshness-api'), context.profileDir);
  const lags: number[] = [];
  let background = 0;
  try {
    for (let i = 0; i < 20; i++) await readVisible(server.url, `warm-${i}`, await appendOne(server.url, 'warm', i, 0));
    const load = backgroundLoad(server.url);
    const started = performance.now();
    for (let i = 0; i < probes; i++) {
      const appended = await appendOne(server.url, 'probe', i, 0);
      const acknowledged = performance.now();
      await readVisible(server.url, `probe-${i}`, appended);
      lags.push(performance.now() - acknowledged);
      await sleep(10);
    }
    const seconds = (performance.now() - started) / 1000;
    background = (await load.stop()) / seconds;
  } finally {
    await server.stop();
  }
  return { lags, background };
}

async function distributed(context: BenchContext, probes: number): Promise<number[]> {
  const id = runId();
  const scope = await DistributedScope.open(context);
  const log = SqliteEventStore.open(path.join(context.tmp, 'freshness-distributed', 'events.sqlite'));
  const commands = new CustomerCommands(log, systemClock, uuidGenerator);
  const topic = await scope.topic(`rapport-bench-${id}-fresh`);
  const group = scope.group(`rapport-bench-${id}-fresh`);
  const database = scope.database(`rapport_bench_${id}_fresh`);
  const relayId = `rapport-bench-${id}-fresh`;
  scope.relayGroup(relayId);
  const relay = new KafkaRelay(log, scope.kafka, { topic, relayId, partitions: 6 });
  let projector: Awaited<ReturnType<DistributedScope['startProjector']>> | undefined;
  let reads: CustomerReadModels | undefined;
  const lags: number[] = [];
  try {
    await relay.start();
    projector = await scope.startProjector(topic, group, database);
    reads = new CustomerReadModels(await connectMongoReadModels(scope.mongoUrl(database)));
    for (let i = 0; i < probes + 5; i++) {
      const { customerId: _c, ...input } = loadEvent('probe', i, 0);
      const outcome = await commands.record({ ...input, customerId: `probe-${i}` } as Parameters<CustomerCommands['record']>[0]);
      if (outcome.status !== 'recorded') throw new Error(`probe append ${outcome.status}`);
      const acknowledged = performance.now();
      for (const deadline = acknowledged + 60_000; ; ) {
        const view = await reads.getCustomer(`probe-${i}`);
        if (view && view.revision >= outcome.revision) break;
        if (performance.now() > deadline) throw new Error(`probe-${i} not visible in MongoDB within 60 s`);
        await sleep(5);
      }
      // The first few warm up the pipeline (connections, JIT) and are not reported.
      if (i >= 5) lags.push(performance.now() - acknowledged);
      await sleep(20);
    }
  } finally {
    await reads?.close();
    await projector?.stop();
    await relay.stop();
    await log.close();
    await scope.close();
  }
  return lags;
}

export const freshnessBench: Bench = {
  id: 'freshness',
  title: 'freshness, append → visible',
  needsInfra: true,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const probes = context.quick ? 40 : 400;
    const local = await embedded(context, probes);
    context.log(`freshness embedded: p50 ${percentile(local.lags, 50).toFixed(1)} ms, p99 ${percentile(local.lags, 99).toFixed(1)} ms`);
    const remote = await distributed(context, context.quick ? 20 : 200);
    context.log(`freshness distributed: p50 ${percentile(remote, 50).toFixed(1)} ms, p99 ${percentile(remote, 99).toFixed(1)} ms`);
    const p99Local = percentile(local.lags, 99);
    const p99Remote = percentile(remote, 99);
    return [
      {
        id: 'freshness-embedded',
        figure: 'freshness, embedded (p99)',
        unit: 'ms',
        rapport: { label: `p50 ${percentile(local.lags, 50).toFixed(1)} ms; under ${Math.round(local.background)} appends/s from ${BACKGROUND_CLIENTS} clients`, summary: summarize([p99Local]) },
        goal: 'p99 ≤ 50 ms',
        met: p99Local <= 50,
        details: { probes: local.lags.length, p50: percentile(local.lags, 50), p99: p99Local, max: Math.max(...local.lags), backgroundAppendsPerSecond: Math.round(local.background) },
      },
      {
        id: 'freshness-distributed',
        figure: 'freshness, distributed (p99)',
        unit: 'ms',
        rapport: { label: `p50 ${percentile(remote, 50).toFixed(1)} ms; log → relay → Kafka → projector → FerretDB`, summary: summarize([p99Remote]) },
        goal: 'p99 ≤ 1 s',
        met: p99Remote <= 1000,
        details: { probes: remote.length, p50: percentile(remote, 50), p99: p99Remote, max: Math.max(...remote) },
      },
    ];
  },
};
