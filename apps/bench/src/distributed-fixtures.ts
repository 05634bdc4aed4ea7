// Set-up of the distributed benchmarks: uniquely named topics, groups and
// databases (Kafka and FerretDB are shared with other work, so every run
// cleans up after itself), the raw transactional producer, and the real
// projector process.
import { Kafka, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import type { RecordedEvent } from '@rapport/event-store';
import { consumerGroupLag, deadLetterTopic, relayCheckpointGroup, toCustomerEventMessage } from '@rapport/messaging';
import { customerTimeline } from '@rapport/projections';
import type { BenchContext } from './bench.types';
import { freePort, ServerProcess } from './server-process';
import { sleep } from '@rapport/config';

export const PARTITIONS = 6;

/** The Kafka messages of recorded events, exactly as the relay sends them. */
export function messagesOf(events: readonly RecordedEvent[]): Message[] {
  return events.map((e) => {
    const m = toCustomerEventMessage(e);
    return { key: m.key, value: m.value, headers: { ...m.headers } };
  });
}

/** Everything a distributed benchmark created, dropped again by close(). */
export class DistributedScope {
  readonly kafka: Kafka;
  private readonly topics: string[] = [];
  private readonly groups: string[] = [];
  private readonly databases: string[] = [];

  private constructor(
    private readonly context: BenchContext,
    readonly admin: Admin,
    kafka: Kafka,
  ) {
    this.kafka = kafka;
  }

  static async open(context: BenchContext): Promise<DistributedScope> {
    const kafka = new Kafka({ brokers: [...context.brokers], clientId: 'rapport-bench', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    return new DistributedScope(context, admin, kafka);
  }

  mongoUrl(database: string): string {
    return `${this.context.mongoBase}/${database}`;
  }

  /** A new topic (created here, so its creation is never timed) and its dead-letter topic, dropped on close. */
  async topic(name: string): Promise<string> {
    this.topics.push(name, deadLetterTopic(name));
    await this.admin.createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: PARTITIONS, replicationFactor: 1 }] });
    return name;
  }

  group(name: string): string {
    this.groups.push(name);
    return name;
  }

  relayGroup(relayId: string): string {
    return this.group(relayCheckpointGroup(relayId));
  }

  database(name: string): string {
    this.databases.push(name);
    return name;
  }

  /** Sends the messages in transactions of `batch`, as a bare kafkajs producer would; returns seconds from the first send. */
  async sendTransactional(producer: Producer, topic: string, messages: readonly Message[], batch: number): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < messages.length; i += batch) {
      const transaction = await producer.transaction();
      try {
        await transaction.send({ topic, messages: messages.slice(i, i + batch) });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    }
    return (performance.now() - started) / 1000;
  }

  transactionalProducer(id: string): Producer {
    return this.kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  }

  /** The real projector process (apps/projector/src/main.ts) on a topic, group and database of this run. */
  async startProjector(topic: string, group: string, database: string): Promise<ServerProcess> {
    const port = await freePort();
    const server = await ServerProcess.start({
      entry: 'apps/projector/src/main.ts',
      readyPath: '/metrics',
      port,
      ...(this.context.profileDir ? { cpuProfDir: this.context.profileDir } : {}),
      env: {
        RAPPORT_KAFKA_BROKERS: this.context.brokers.join(','),
        RAPPORT_MONGO_URL: this.mongoUrl(database),
        RAPPORT_KAFKA_TOPIC: topic,
        RAPPORT_KAFKA_PARTITIONS: String(PARTITIONS),
        RAPPORT_PROJECTOR_GROUP: group,
        RAPPORT_PROJECTOR_METRICS_PORT: String(port),
        RAPPORT_METRICS_HOST: '127.0.0.1',
        RAPPORT_LOG_LEVEL: 'warn',
      },
    });
    await this.waitForMembers(group, 60_000);
    return server;
  }

  /**
   * The projector process on a topic, group and database of its own (named after `name`), idle
   * in its group, fed `messages` by a bare transactional producer in transactions of 500: seconds
   * from the first message sent until the group has no lag. Fails unless the database then holds
   * one timeline entry per message (every event applied).
   */
  async timeProjector(name: string, messages: readonly Message[]): Promise<{ seconds: number; database: string }> {
    const topic = await this.topic(`rapport-bench-${name}`);
    const group = this.group(`rapport-bench-${name}`);
    const database = this.database(`rapport_bench_${name.replace(/-/g, '_')}`);
    const projector = await this.startProjector(topic, group, database);
    let seconds: number;
    try {
      const producer = this.transactionalProducer(`rapport-bench-${name}-feed`);
      await producer.connect();
      const started = performance.now();
      await this.sendTransactional(producer, topic, messages, 500);
      await producer.disconnect();
      await this.waitForNoLag(group, topic, messages.length, 900_000);
      seconds = (performance.now() - started) / 1000;
    } finally {
      await projector.stop();
    }
    const entries = await this.count(database, customerTimeline.name);
    if (entries !== messages.length) throw new Error(`projector wrote ${entries} timeline entries for ${messages.length} events`);
    return { seconds, database };
  }

  private async count(database: string, collection: string): Promise<number> {
    const client = new MongoClient(this.mongoUrl(database), { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    try {
      return await client.db().collection(collection).countDocuments();
    } finally {
      await client.close();
    }
  }

  /** Until the group is stable with its partitions assigned: only then is the projector idle and waiting. */
  async waitForMembers(group: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await this.admin.describeGroups([group]);
      const described = groups[0];
      if (described?.state === 'Stable' && described.members.length > 0) return;
      if (Date.now() > deadline) throw new Error(`group ${group} not stable within ${timeoutMs} ms (state ${described?.state})`);
      await sleep(100);
    }
  }

  /** Until the group has committed every partition of the topic to its end; polled every `everyMs`. */
  /**
   * Until the group has consumed the whole topic, which holds at least `messages` messages. The
   * count matters: right after a transaction commits, its markers may not be written yet, and until
   * they are, the topic's committed end has not moved, so "no lag" would hold before any work.
   */
  async waitForNoLag(group: string, topic: string, messages: number, timeoutMs: number, everyMs = 50): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lag = await consumerGroupLag(this.admin, group, topic).catch(() => undefined);
      const consumed = (lag ?? []).reduce((sum, p) => sum + p.committed, 0);
      if (lag && lag.length > 0 && lag.every((p) => p.lag === 0) && consumed >= messages) return;
      if (Date.now() > deadline) throw new Error(`group ${group} still lags on ${topic}: ${JSON.stringify(lag)}`);
      await sleep(everyMs);
    }
  }

  async close(): Promise<void> {
    const existing = new Set(await this.admin.listTopics().catch(() => [] as string[]));
    const topics = this.topics.filter((t) => existing.has(t));
    if (topics.length > 0) await this.admin.deleteTopics({ topics }).catch((e: unknown) => this.context.log(`could not delete topics: ${String(e)}`));
    if (this.groups.length > 0) await this.admin.deleteGroups(this.groups).catch(() => undefined);
    await this.admin.disconnect();
    if (this.databases.length > 0) {
      const client = new MongoClient(this.mongoUrl('admin'), { serverSelectionTimeoutMS: 5000 });
      await client.connect();
      try {
        for (const name of this.databases) await client.db(name).dropDatabase().catch(() => undefined);
      } finally {
        await client.close();
      }
    }
  }
}
