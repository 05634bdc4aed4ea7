// Test support for the distributed tests (projector, relay, API faults): a varied event load, a
// hash of the read models as stored, waiting for the group to catch up.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { CustomerReadModels, LogSubscription, ProjectionHandler } from '@rapport/application';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { EventStore, NewEvent, RecordedEvent } from '@rapport/event-store';
import { KafkaRelay, consumerGroupLag, deadLetterTopic, toCustomerEventMessage } from '@rapport/messaging';
import { READ_MODELS } from '@rapport/projections';
import { connectMongoReadModels } from '../mongo-read-models';

export const brokers = (process.env.RAPPORT_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const mongoBase = (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, '');
export const mongoUrl = (database: string) => `${mongoBase}/${database}`;
import { sleep } from '@rapport/config';

export { sleep };

export function testKafka(clientId: string): Kafka {
  return new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
}

/** A unique suffix for topics, groups and database names. */
export function uniqueId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 10);
}

const CHANNELS = ['email', 'phone', 'sms', 'meeting', 'web'] as const;

/** The n-th event of a customer: identified first, then a mix the projections all handle. */
export function varied(customerIndex: number, revision: number): NewEvent {
  const base = { eventId: randomUUID(), occurredAt: new Date(Date.UTC(2025, 0, 1 + revision * 3 + (customerIndex % 5))).toISOString(), metadata: { source: 'test' } };
  if (revision === 0) return { ...base, type: 'identified', data: { name: `Customer ${customerIndex}`, email: `c${customerIndex}@example.com` } };
  switch ((customerIndex + revision) % 5) {
    case 0:
      return { ...base, type: 'purchased', data: { orderId: `o-${customerIndex}-${revision}`, amount: 1000 + ((customerIndex * 37 + revision * 11) % 9000), currency: revision % 4 === 0 ? 'EUR' : 'USD' } };
    case 1:
      return { ...base, type: 'qualified', data: { score: (customerIndex * 7 + revision) % 101 } };
    case 2:
      return { ...base, type: 'complained', data: { complaintId: `k-${customerIndex}-${revision}`, category: 'delivery', severity: 'low' } };
    default:
      return { ...base, type: 'contacted', data: { channel: CHANNELS[revision % CHANNELS.length], direction: 'outbound', campaignId: `camp-${revision % 3}` } };
  }
}

/** Appends `total` events round-robin over `customers`; `pause` between bursts spreads them over time. */
export async function appendLoad(store: EventStore, total: number, customers: number, options: { prefix?: string; burst?: number; pauseMs?: number } = {}): Promise<void> {
  const revisions = new Map<number, number>();
  const burst = options.burst ?? total;
  for (let n = 0; n < total; ) {
    for (let i = 0; i < burst && n < total; i++, n++) {
      const c = n % customers;
      const revision = revisions.get(c) ?? 0;
      revisions.set(c, revision + 1);
      await store.append(`${options.prefix ?? 'cust'}-${c}`, [varied(c, revision)], 'any');
    }
    if (options.pauseMs) await sleep(options.pauseMs);
  }
}

/** The messages of recorded events, as the relay would send them. */
export function messagesOf(events: readonly RecordedEvent[]) {
  return events.map((e) => {
    const m = toCustomerEventMessage(e);
    return { key: m.key, value: m.value, headers: { ...m.headers } };
  });
}

export interface ReadModelDigest {
  readonly hash: string;
  readonly customers: number;
  readonly facts: number;
  readonly timeline: number;
  readonly offerContacts: number;
}

/**
 * Every read-model document as one line of text, read through
 * CustomerReadModels in a fixed order (customers and facts by customerId,
 * timeline per customer by occurredAt and revision, offer contacts by
 * customer and revision); checkpoints excluded. The same on any adapter, so
 * MongoDB read models compare with an embedded (SQLite) rebuild line by line.
 */
export async function readModelLines(store: CustomerReadModels): Promise<string[]> {
  const lines: string[] = [];
  const ids: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await store.listCustomers({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const view of page.items) {
      ids.push(view.customerId);
      lines.push(`customer ${JSON.stringify(view)}`);
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  for (let i = 0; i < ids.length; i += 100) {
    const slice = ids.slice(i, i + 100);
    const found = await store.getFacts(slice);
    for (const id of slice) lines.push(`facts ${JSON.stringify(found.get(id) ?? null)}`);
  }
  for (const id of ids) {
    for (let cursor: string | undefined; ; ) {
      const page = await store.getTimeline(id, { limit: 500, ...(cursor ? { cursor } : {}) });
      for (const entry of page.items) lines.push(`timeline ${JSON.stringify(entry)}`);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  for await (const document of store.scanOfferContacts()) lines.push(`offer ${JSON.stringify(document)}`);
  return lines;
}

/** SHA-256 over readModelLines, and how many documents of each kind they hold. */
export function digestOf(lines: readonly string[]): ReadModelDigest {
  const hash = createHash('sha256');
  const counts = { customers: 0, facts: 0, timeline: 0, offerContacts: 0 };
  for (const line of lines) {
    hash.update(`${line}\n`);
    if (line.startsWith('customer ')) counts.customers++;
    else if (line.startsWith('facts ') && line !== 'facts null') counts.facts++;
    else if (line.startsWith('timeline ')) counts.timeline++;
    else if (line.startsWith('offer ')) counts.offerContacts++;
  }
  return { hash: hash.digest('hex'), ...counts };
}

export async function readModelDigest(store: CustomerReadModels): Promise<ReadModelDigest> {
  return digestOf(await readModelLines(store));
}

/**
 * Where two readModelLines differ: up to `limit` lines of each that the other
 * lacks, so a failed comparison names the documents rather than two hashes.
 */
export function differingLines(actual: readonly string[], expected: readonly string[], limit = 10): { onlyActual: string[]; onlyExpected: string[] } {
  const count = (lines: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
    return counts;
  };
  const a = count(actual);
  const e = count(expected);
  const missingFrom = (lines: readonly string[], own: Map<string, number>, other: Map<string, number>) =>
    [...new Set(lines)].filter((line) => (own.get(line) ?? 0) > (other.get(line) ?? 0)).slice(0, limit);
  return { onlyActual: missingFrom(actual, a, e), onlyExpected: missingFrom(expected, e, a) };
}

/** The read models of `database` in MongoDB, as the API reads them. */
export async function mongoReadModels(database: string, url = mongoUrl(database)): Promise<CustomerReadModels> {
  return new CustomerReadModels(await connectMongoReadModels(url));
}

/** The read models of `database` in MongoDB (the shared one, or at `url`), digested. */
export async function mongoDigest(database: string, url = mongoUrl(database)): Promise<ReadModelDigest> {
  return digestOf(await mongoLines(database, url));
}

/** The read models of `database` in MongoDB (the shared one, or at `url`), as readModelLines. */
export async function mongoLines(database: string, url = mongoUrl(database)): Promise<string[]> {
  const store = await mongoReadModels(database, url);
  try {
    return await readModelLines(store);
  } finally {
    await store.close();
  }
}

/** A clean rebuild of the whole log in embedded mode (SQLite document store, in memory); close it after use. */
export async function embeddedRebuild(log: EventStore): Promise<CustomerReadModels> {
  const documents = SqliteDocumentStore.open(':memory:', collectionsOf(READ_MODELS));
  await new LogSubscription(log, new ProjectionHandler(documents), documents).rebuild();
  return new CustomerReadModels(documents);
}

/** A clean rebuild of the whole log in embedded mode, digested. */
export async function embeddedRebuildDigest(log: EventStore): Promise<ReadModelDigest> {
  return digestOf(await embeddedRebuildLines(log));
}

/** A clean rebuild of the whole log in embedded mode, as readModelLines. */
export async function embeddedRebuildLines(log: EventStore): Promise<string[]> {
  const store = await embeddedRebuild(log);
  try {
    return await readModelLines(store);
  } finally {
    await store.close();
  }
}

export async function dropDatabases(...databases: string[]): Promise<void> {
  const client = new MongoClient(mongoUrl('admin'));
  await client.connect();
  try {
    for (const name of databases) await client.db(name).dropDatabase().catch(() => undefined);
  } finally {
    await client.close();
  }
}

/** Waits until the group has committed every partition of the topic to its end. */
export async function waitForNoLag(admin: Admin, groupId: string, topic: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lag = await consumerGroupLag(admin, groupId, topic).catch(() => undefined);
    if (lag && lag.length > 0 && lag.every((p) => p.lag === 0)) return;
    if (Date.now() > deadline) throw new Error(`group ${groupId} still lags on ${topic}: ${JSON.stringify(lag)}`);
    await sleep(100);
  }
}

/** Every message of a topic, read to its end (read_committed). */
export async function readTopic(kafka: Kafka, admin: Admin, topic: string, timeoutMs = 30_000) {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const messages: { partition: number; offset: string; key: string | undefined; value: Buffer | null; headers: Record<string, string> }[] = [];
  if (ends.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const remaining = new Set(ends.keys());
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic} not read to its end within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = (Array.isArray(v) ? v[0] : v)!.toString();
            messages.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString(), value: m.value, headers });
          }
          if (BigInt(batch.lastOffset()) + 1n >= (ends.get(batch.partition) ?? 0n)) remaining.delete(batch.partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** A SQLite log of the test's own with a relay (not started) onto a topic of its own, and the group and database names its projectors use. */
export interface RelayedLog {
  readonly id: string;
  readonly topic: string;
  readonly group: string;
  readonly database: string;
  readonly dir: string;
  readonly kafka: Kafka;
  /** Connected. */
  readonly admin: Admin;
  readonly log: SqliteEventStore;
  readonly relay: KafkaRelay;
  /** Stops the relay, closes the log, drops the topics and the database, removes the directory. */
  close(): Promise<void>;
}

/** Names derive from `name` and a unique id: topic `test.<name>.<id>`, group `<name>-<id>`, database `<name>_<id>`. */
export async function relayedLog(name: string, options: { partitions: number }): Promise<RelayedLog> {
  const id = uniqueId();
  const topic = `test.${name}.${id}`;
  const dir = mkdtempSync(path.join(tmpdir(), `rapport-${name}-`));
  const kafka = testKafka(`${name}-test`);
  const admin = kafka.admin();
  await admin.connect();
  const log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
  const relay = new KafkaRelay(log, kafka, { topic, relayId: `relay-${id}`, partitions: options.partitions, batchSize: 200 });
  const database = `${name.replace(/-/g, '_')}_${id}`;
  return {
    id,
    topic,
    group: `${name}-${id}`,
    database,
    dir,
    kafka,
    admin,
    log,
    relay,
    close: async () => {
      await relay.stop();
      await log.close();
      await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)] }).catch(() => undefined);
      await admin.disconnect();
      await dropDatabases(database);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
