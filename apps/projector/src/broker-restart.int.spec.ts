// A Kafka broker restart in the middle of a load (SPEC section 5): while events
// are appended to the log and flow relay → Kafka → projector → MongoDB, the
// broker is stopped (once with SIGTERM, once with SIGKILL) and started again on
// the same data directory. Afterwards a read_committed consumer sees every event
// exactly once, in revision order per customer, and the read models equal a
// clean rebuild of the log. The broker is the test's own (KafkaNode): the shared
// one of `npm run infra:up` serves other tests meanwhile and is never touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaNode, RoleProcess, describeWithInfra } from '@rapport/config/testing';
import type { EventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { CHECKPOINT_TOPIC, MongoParkingLot, deadLetterTopic, relayCheckpointGroup } from '@rapport/messaging';
import { dropDatabases, embeddedRebuildDigest, mongoDigest, mongoUrl, readTopic, sleep, uniqueId, varied, waitForNoLag } from '@rapport/wiring/testing';

jest.setTimeout(300_000);

const started = Date.now();
const progress = (text: string) => process.stderr.write(`[broker-restart +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);

async function relayCheckpoint(admin: Admin, relayId: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId: relayCheckpointGroup(relayId), topics: [CHECKPOINT_TOPIC] }).catch(() => []);
  const offset = offsets[0]?.partitions[0]?.offset;
  return offset === undefined || Number(offset) < 0 ? -1 : Number(offset);
}

/** Messages the projector group has committed, summed over the partitions. */
async function projectorCommitted(admin: Admin, group: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] }).catch(() => []);
  return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Appends bursts of events round-robin over `customers` until `stop()` and at least `minimum` events. */
function runLoad(log: EventStore, customers: number, minimum: number) {
  const revisions = new Map<number, number>();
  let appended = 0;
  let stopRequested = false;
  const done = (async () => {
    while (!stopRequested || appended < minimum) {
      for (let i = 0; i < 30; i++, appended++) {
        const c = appended % customers;
        const revision = revisions.get(c) ?? 0;
        revisions.set(c, revision + 1);
        await log.append(`cust-${c}`, [varied(c, revision)], 'any');
      }
      await sleep(400);
    }
  })();
  return {
    done,
    get appended() {
      return appended;
    },
    stop: () => (stopRequested = true),
  };
}

describeWithInfra('kafka', 'mongo')('a Kafka broker restart in the middle of a load', () => {
  it('loses and duplicates nothing across a SIGTERM and a SIGKILL restart of the broker', async () => {
    const id = uniqueId();
    const topic = `test.broker-restart.${id}`;
    const group = `broker-restart-${id}`;
    const relayId = `broker-restart-${id}`;
    const database = `restart_${id}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-broker-restart-'));
    const CUSTOMERS = 60;

    const node = await KafkaNode.start(path.join(dir, 'kafka'));
    progress(`own broker on ${node.brokers}`);
    const kafka = new Kafka({ brokers: [node.brokers], clientId: 'broker-restart-test', logLevel: logLevel.NOTHING });
    let admin = kafka.admin();
    await admin.connect();
    const log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    const env = {
      RAPPORT_KAFKA_BROKERS: node.brokers,
      RAPPORT_DATA_DIR: dir,
      RAPPORT_MONGO_URL: mongoUrl(database),
      RAPPORT_KAFKA_TOPIC: topic,
      RAPPORT_RELAY_ID: relayId,
      RAPPORT_PROJECTOR_GROUP: group,
      RAPPORT_RELAY_METRICS_PORT: '0',
      RAPPORT_PROJECTOR_METRICS_PORT: '0',
      RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      RAPPORT_LOG_LEVEL: 'info',
    };
    const relay = RoleProcess.start('relay', env);
    let projector: RoleProcess | undefined;
    const load = runLoad(log, CUSTOMERS, 1_500);
    const outages: string[] = [];
    try {
      // One after the other: on a fresh broker both would create the topics at once.
      await relay.waitFor(/resuming after log position/, 120_000);
      projector = RoleProcess.start('projector', env);
      await projector.waitFor(/projector consuming/, 120_000);

      const consumer = projector;
      let relayMark = -1;
      let projectorMark = 0;
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        // Stop it only while events flow all the way: the relay published and the
        // projector committed more since the last restart, and appends go on.
        for (let deadline = Date.now() + 120_000; ; await sleep(200)) {
          const [published, committed] = await Promise.all([relayCheckpoint(admin, relayId), projectorCommitted(admin, group, topic)]);
          if (published >= relayMark + 200 && committed >= projectorMark + 100) break;
          if (Date.now() > deadline) throw new Error(`no progress (relay at ${published}, projector at ${committed}):\n${relay.output.slice(-2000)}\n${consumer.output.slice(-2000)}`);
        }
        const before = { appended: load.appended, published: await relayCheckpoint(admin, relayId), committed: await projectorCommitted(admin, group, topic) };
        relayMark = before.published;
        projectorMark = before.committed;
        await admin.disconnect();
        await node.stop(signal);
        progress(`broker stopped (${signal}): ${before.appended} events appended, relay checkpoint at ${before.published}, ${before.committed} messages committed by the projector`);
        await sleep(3_000);
        const whileDown = load.appended;
        await node.restart();
        admin = kafka.admin();
        await admin.connect();
        progress(`broker back; ${whileDown - before.appended} events appended while it was down`);
        outages.push(`${signal} at ${before.appended} appended (relay checkpoint ${before.published}, projector ${before.committed} committed), ${whileDown - before.appended} appended while down`);
        expect(relay.running && consumer.running).toBe(true);
      }
      load.stop();
      await load.done;
      const head = await log.headPosition();
      const total = load.appended;
      progress(`load done: ${total} events; waiting for the relay and the projector`);
      for (let deadline = Date.now() + 120_000; (await relayCheckpoint(admin, relayId)) < head; await sleep(200)) {
        if (Date.now() > deadline) throw new Error(`relay did not reach the log head ${head}:\n${relay.output.slice(-3000)}`);
      }
      await waitForNoLag(admin, group, topic, 180_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${consumer.output.slice(-3000)}`);
      });
      progress('caught up');
      expect((await relay.stop()).code).toBe(0);
      expect((await consumer.stop()).code).toBe(0);

      // Exactly once, in revision order per customer, for a read_committed consumer.
      const messages = await readTopic(kafka, admin, topic, 60_000);
      const events = messages.map((m) => JSON.parse(m.value!.toString()) as { eventId: string; customerId: string; revision: number });
      expect(events).toHaveLength(total);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(total);
      const byCustomer = new Map<string, number[]>();
      for (const e of events) byCustomer.set(e.customerId, [...(byCustomer.get(e.customerId) ?? []), e.revision]);
      expect(byCustomer.size).toBe(CUSTOMERS);
      for (const revisions of byCustomer.values()) expect(revisions).toEqual(revisions.map((_, i) => i));

      // The read models equal a clean rebuild of the log; nothing parked or dead-lettered.
      const afterRestarts = await mongoDigest(database);
      expect(afterRestarts).toEqual(await embeddedRebuildDigest(log));
      expect(afterRestarts).toMatchObject({ customers: CUSTOMERS, facts: CUSTOMERS, timeline: total });
      const parking = await MongoParkingLot.connect(mongoUrl(database));
      expect(await parking.list()).toEqual([]);
      await parking.close();
      const dlq = await admin.fetchTopicOffsets(deadLetterTopic(topic));
      expect(dlq.every((p) => p.high === p.low)).toBe(true);
      console.log(
        `broker restart: ${outages.join('; ')}. ${messages.length} messages read (read_committed), ${new Set(events.map((e) => e.eventId)).size} distinct, in order for ${CUSTOMERS} customers; read models equal an embedded rebuild (sha256 ${afterRestarts.hash.slice(0, 16)}…, ${afterRestarts.timeline} timeline entries)`,
      );
    } finally {
      load.stop();
      await load.done.catch(() => undefined);
      await relay.kill();
      await projector?.kill();
      await admin.disconnect().catch(() => undefined);
      await node.stop('SIGKILL');
      await log.close();
      await dropDatabases(database);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
