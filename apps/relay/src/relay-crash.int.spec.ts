// The relay process under SIGKILL (SPEC section 5): events keep arriving in the
// log while the relay is killed at random instants and restarted; afterwards a
// read_committed consumer sees every recorded event exactly once, in revision
// order per customer. Once on the SQLite log (20,000 events, 500 customers,
// at least 10 kills) and once on EventStoreDB through the wire test server.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { RoleProcess, describeWithInfra } from '@rapport/config/testing';
import type { EventStore, NewEvent } from '@rapport/event-store';
import { EsdbEventStore } from '@rapport/event-store-esdb';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { EsdbWireTestServer } from '@rapport/event-store-esdb/testing';
import { CHECKPOINT_TOPIC, fromCustomerEventMessage, relayCheckpointGroup } from '@rapport/messaging';
import { sleep } from '@rapport/config';

jest.setTimeout(300_000);

const brokers = (process.env.RAPPORT_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

function contacted(n: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'contacted',
    occurredAt: '2026-01-01T00:00:00Z',
    data: { channel: 'email', direction: 'outbound', campaignId: `c${n}` },
    metadata: { source: 'relay-crash-test' },
  };
}

async function relayCheckpoint(admin: Admin, relayId: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId: relayCheckpointGroup(relayId), topics: [CHECKPOINT_TOPIC] });
  const offset = offsets[0]?.partitions[0]?.offset;
  return offset === undefined || Number(offset) < 0 ? -1 : Number(offset);
}

/** Reads the whole topic with read_committed until `count` messages, then a little longer to catch duplicates. */
async function readCommitted(kafka: Kafka, topic: string, count: number, timeoutMs = 90_000) {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: { customerId: string; revision: number; eventId: string }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} messages within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const event = fromCustomerEventMessage(message);
            seen.push({ customerId: event.customerId, revision: event.revision, eventId: event.eventId });
          }
          if (seen.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await sleep(2000);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

function expectExactlyOnceInOrder(seen: readonly { customerId: string; revision: number; eventId: string }[], total: number, customers: number) {
  expect(seen).toHaveLength(total);
  expect(new Set(seen.map((m) => m.eventId)).size).toBe(total);
  const byCustomer = new Map<string, number[]>();
  for (const m of seen) byCustomer.set(m.customerId, [...(byCustomer.get(m.customerId) ?? []), m.revision]);
  expect(byCustomer.size).toBe(customers);
  for (const revisions of byCustomer.values()) expect(revisions).toEqual(revisions.map((_, i) => i));
}

interface CrashRun {
  kills: number;
  killsWithBacklog: number;
}

/**
 * Keeps a relay process running over the log, SIGKILLing it at random
 * (after it has resumed) until `load` is done and at least `minKills` kills
 * happened, then lets a last instance catch up and stops it with SIGTERM.
 */
async function relayUnderKills(options: {
  env: Record<string, string>;
  store: EventStore;
  admin: Admin;
  relayId: string;
  load: Promise<void>;
  minKills: number;
  killAfterMs: [number, number];
}): Promise<CrashRun> {
  let loadDone = false;
  const markDone = () => (loadDone = true);
  void options.load.then(markDone, markDone);
  const run: CrashRun = { kills: 0, killsWithBacklog: 0 };
  let relay = RoleProcess.start('relay', options.env);
  try {
    await relay.waitFor(/resuming after log position/);
    while (!loadDone || run.kills < options.minKills) {
      const [min, max] = options.killAfterMs;
      await sleep(min + Math.random() * (max - min));
      const [head, checkpoint] = await Promise.all([options.store.headPosition(), relayCheckpoint(options.admin, options.relayId)]);
      await relay.kill();
      run.kills++;
      if (head > checkpoint) run.killsWithBacklog++;
      relay = RoleProcess.start('relay', options.env);
      await relay.waitFor(/resuming after log position/);
    }
    await options.load;
    const head = await options.store.headPosition();
    const deadline = Date.now() + 90_000;
    while ((await relayCheckpoint(options.admin, options.relayId)) < head) {
      if (Date.now() > deadline) throw new Error(`relay did not reach the log head ${head}:\n${relay.output.slice(-3000)}`);
      await sleep(200);
    }
    expect((await relay.stop()).code).toBe(0);
    return run;
  } finally {
    await relay.kill();
  }
}

describeWithInfra('kafka')('the relay process under SIGKILL', () => {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'relay-crash-test' });
  let admin: Admin;
  let dir: string;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rapport-relay-crash-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes 20,000 events of 500 customers exactly once and in order across at least 10 kills (SQLite log)', async () => {
    const id = randomUUID().slice(0, 8);
    const topic = `test.relay-crash.${id}`;
    const relayId = `relay-crash-${id}`;
    const store = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    const TOTAL = 20_000;
    const CUSTOMERS = 500;
    const BURST = 100;

    // The load: bursts of 100 appends every ~120 ms, about 25 s in all.
    const load = (async () => {
      for (let n = 0; n < TOTAL; ) {
        for (let i = 0; i < BURST && n < TOTAL; i++, n++) await store.append(`cust-${n % CUSTOMERS}`, [contacted(n)], 'any');
        await sleep(120);
      }
    })();

    const run = await relayUnderKills({
      env: { RAPPORT_DATA_DIR: dir, RAPPORT_KAFKA_TOPIC: topic, RAPPORT_RELAY_ID: relayId, RAPPORT_RELAY_METRICS_PORT: '0', RAPPORT_LOG_LEVEL: 'info' },
      store,
      admin,
      relayId,
      load,
      minKills: 10,
      killAfterMs: [300, 2000],
    });
    expect(run.kills).toBeGreaterThanOrEqual(10);
    expect(run.killsWithBacklog).toBeGreaterThan(0);

    const seen = await readCommitted(kafka, topic, TOTAL);
    expectExactlyOnceInOrder(seen, TOTAL, CUSTOMERS);
    console.log(`relay crash (SQLite): ${run.kills} SIGKILLs (${run.killsWithBacklog} with events still to publish); ${seen.length} messages read, ${new Set(seen.map((m) => m.eventId)).size} distinct, in order for ${CUSTOMERS} customers`);
    await store.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  });

  it('publishes exactly once and in order across kills when the log is EventStoreDB (wire test server)', async () => {
    const id = randomUUID().slice(0, 8);
    const topic = `test.relay-crash-esdb.${id}`;
    const relayId = `relay-crash-esdb-${id}`;
    const server = await EsdbWireTestServer.start();
    const store = EsdbEventStore.connect(server.connectionString);
    const TOTAL = 1_500;
    const CUSTOMERS = 50;
    try {
      const load = (async () => {
        for (let n = 0; n < TOTAL; ) {
          for (let i = 0; i < 50 && n < TOTAL; i++, n++) await store.append(`esdb-${n % CUSTOMERS}`, [contacted(n)], 'any');
          await sleep(100);
        }
      })();
      const run = await relayUnderKills({
        env: {
          RAPPORT_ESDB_URL: server.connectionString,
          RAPPORT_DATA_DIR: dir,
          RAPPORT_KAFKA_TOPIC: topic,
          RAPPORT_RELAY_ID: relayId,
          RAPPORT_RELAY_METRICS_PORT: '0',
          RAPPORT_LOG_LEVEL: 'info',
        },
        store,
        admin,
        relayId,
        load,
        minKills: 3,
        killAfterMs: [300, 1500],
      });
      const seen = await readCommitted(kafka, topic, TOTAL);
      expectExactlyOnceInOrder(seen, TOTAL, CUSTOMERS);
      console.log(`relay crash (EventStoreDB wire server): ${run.kills} SIGKILLs (${run.killsWithBacklog} with events still to publish); ${seen.length} messages read, all distinct and in order`);
    } finally {
      await store.close();
      await server.stop();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
  });
});
