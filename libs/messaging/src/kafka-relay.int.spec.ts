import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { KafkaNode, describeWithInfra } from '@rapport/config/testing';
import type { NewEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { fromCustomerEventMessage } from './customer-event.message';
import { KafkaRelay } from './kafka-relay';

jest.setTimeout(120_000);

const brokers = (process.env.RAPPORT_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

function contacted(n: number): NewEvent {
  return { eventId: randomUUID(), type: 'contacted', occurredAt: '2026-01-01T00:00:00Z', data: { channel: 'email', direction: 'outbound', campaignId: `c${n}` }, metadata: {} };
}

/** Reads the topic from the start with read_committed until `count` messages arrived. */
async function readCommitted(kafka: Kafka, topic: string, count: number, timeoutMs = 60_000) {
  const consumer: Consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: { key: string; revision: number; eventId: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} messages`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const event = fromCustomerEventMessage(message);
        seen.push({ key: event.customerId, revision: event.revision, eventId: event.eventId });
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  // A little longer, so duplicates beyond `count` would show up too.
  await new Promise((r) => setTimeout(r, 1500));
  await consumer.disconnect();
  return seen;
}

describeWithInfra('kafka')('KafkaRelay on a real broker', () => {
  it('publishes every event exactly once, in revision order per customer, across a restart', async () => {
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'relay-test' });
    const topic = `test.relay.${randomUUID()}`;
    const relayId = `relay-${randomUUID()}`;
    const store = SqliteEventStore.open(':memory:');
    for (let i = 0; i < 300; i++) await store.append(`c${i % 7}`, [contacted(i)], 'any');

    const first = new KafkaRelay(store, kafka, { topic, relayId, batchSize: 50 });
    await first.start();
    expect(await first.waitFor(await store.headPosition(), 30_000)).toBe(true);
    await first.stop();

    for (let i = 300; i < 400; i++) await store.append(`c${i % 7}`, [contacted(i)], 'any');
    const second = new KafkaRelay(store, kafka, { topic, relayId, batchSize: 50 });
    await second.start();
    expect(second.position).toBeGreaterThanOrEqual(300);
    expect(await second.waitFor(await store.headPosition(), 30_000)).toBe(true);
    await second.stop();

    const seen = await readCommitted(kafka, topic, 400);
    expect(seen).toHaveLength(400);
    expect(new Set(seen.map((m) => m.eventId)).size).toBe(400);
    for (let c = 0; c < 7; c++) {
      const revisions = seen.filter((m) => m.key === `c${c}`).map((m) => m.revision);
      expect(revisions).toEqual(revisions.map((_, i) => i));
    }
    await store.close();
  });

  it('starts on a broker that has never hosted a consumer group (the coordinator is not there yet)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-fresh-broker-'));
    const node = await KafkaNode.start(path.join(dir, 'kafka'));
    const store = SqliteEventStore.open(':memory:');
    try {
      const kafka = new Kafka({ brokers: [node.brokers], logLevel: logLevel.NOTHING, clientId: 'relay-fresh-test' });
      for (let i = 0; i < 20; i++) await store.append(`c${i % 3}`, [contacted(i)], 'any');
      const relay = new KafkaRelay(store, kafka, { topic: 'test.relay.fresh', relayId: 'relay-fresh', batchSize: 10 });
      await relay.start();
      expect(await relay.waitFor(await store.headPosition(), 60_000)).toBe(true);
      await relay.stop();
      expect(await readCommitted(kafka, 'test.relay.fresh', 20)).toHaveLength(20);
    } finally {
      await store.close();
      await node.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
