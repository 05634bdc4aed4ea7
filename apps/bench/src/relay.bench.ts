// Relay: events/s from the SQLite log to Kafka through KafkaRelay (each batch
// and its checkpoint in one transaction) against a bare kafkajs transactional
// producer sending the same messages in transactions of the same size.
import * as path from 'node:path';
import { KafkaRelay } from '@rapport/messaging';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { DistributedScope, messagesOf } from './distributed-fixtures';
import { runId } from './event-load';
import { buildLog, readWholeLog } from './fixtures';
import { summarize } from './stats';

const BATCH = 500;

export const relayBench: Bench = {
  id: 'relay',
  title: 'relay, log → Kafka',
  needsInfra: true,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const total = context.quick ? 10_000 : 100_000;
    const id = runId();
    const log = await buildLog(path.join(context.tmp, 'relay', 'events.sqlite'), total, 'relay');
    const messages = messagesOf(await readWholeLog(log));
    const head = await log.headPosition();
    const scope = await DistributedScope.open(context);
    const rapport: number[] = [];
    const raw: number[] = [];
    try {
      for (let run = 0; run <= context.runs; run++) {
        const relayId = `rapport-bench-${id}-relay-${run}`;
        const topic = await scope.topic(`rapport-bench-${id}-relay-${run}`);
        scope.relayGroup(relayId);
        // Timed from the moment the relay has its producer and checkpoint and starts following the log.
        let started = 0;
        const relay = new KafkaRelay(log, scope.kafka, {
          topic,
          relayId,
          batchSize: BATCH,
          partitions: 6,
          logger: { info: () => (started = performance.now()), error: (m) => context.log(`relay: ${m}`) },
        });
        await relay.start();
        const reached = await relay.waitFor(head, 600_000);
        const relaySeconds = (performance.now() - started) / 1000;
        await relay.stop();
        if (!reached) throw new Error(`relay did not reach position ${head}`);

        const rawTopic = await scope.topic(`rapport-bench-${id}-raw-${run}`);
        const producer = scope.transactionalProducer(`rapport-bench-${id}-raw-${run}`);
        await producer.connect();
        const rawSeconds = await scope.sendTransactional(producer, rawTopic, messages, BATCH);
        await producer.disconnect();
        if (run === 0) continue;
        rapport.push(total / relaySeconds);
        raw.push(total / rawSeconds);
        context.log(`relay run ${run}: Rapport ${Math.round(rapport.at(-1)!)} events/s, raw ${Math.round(raw.at(-1)!)} events/s`);
      }
    } finally {
      await log.close();
      await scope.close();
    }
    const ratio = summarize(rapport.map((r, i) => r / raw[i]!));
    return [
      {
        id: 'relay',
        figure: 'relay, log → Kafka',
        unit: 'events/s',
        rapport: { label: `KafkaRelay, transactions of ${BATCH} with the checkpoint`, summary: summarize(rapport) },
        baseline: { label: `kafkajs transactional producer, same messages, transactions of ${BATCH}`, summary: summarize(raw) },
        ratio,
        goal: '≥ 0.5',
        met: ratio.median >= 0.5,
        details: { events: events(total), partitions: 6 },
      },
    ];
  },
};
