// The projector on a real broker and FerretDB: the same pure projections as
// embedded mode, idempotent under redelivery, and its dead-letter handling —
// a poison event parks only its customer, the parking survives a restart, and
// `replay-dlq` (the real command) applies the parked events once fixed.
import type { Admin, Kafka, Producer } from 'kafkajs';
import { RoleProcess, describeWithInfra } from '@rapport/config/testing';
import { PersonalDataVault, type RecordedEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import { DLQ_HEADER, KafkaProjector, consumerGroupLag, MongoParkingLot, ProjectionFailure, deadLetterTopic, type ProjectionSink } from '@rapport/messaging';
import { CustomerReadModels } from '@rapport/application';
import { connectMongoReadModels } from '@rapport/wiring';
import { RunnerSink } from './runner-sink';
import {
  appendLoad,
  dropDatabases,
  messagesOf,
  mongoUrl,
  mongoDigest,
  embeddedRebuildDigest,
  readTopic,
  testKafka,
  uniqueId,
  varied,
  waitForNoLag,
} from '@rapport/wiring/testing';

jest.setTimeout(180_000);

/** A projection "bug": the listed events cannot be applied until the code is fixed. */
class BuggySink implements ProjectionSink {
  constructor(
    private readonly inner: ProjectionSink,
    private readonly buggy: ReadonlySet<string>,
  ) {}
  async apply(events: readonly RecordedEvent[]): Promise<void> {
    const bad = events.find((e) => this.buggy.has(e.eventId));
    if (bad) throw new ProjectionFailure('projection failed', { cause: new RangeError(`simulated projection bug on ${bad.eventId}`) });
    await this.inner.apply(events);
  }
}

describeWithInfra('kafka', 'mongo')('the projector on Kafka and MongoDB', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const databases: string[] = [];
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka('projector-test');
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await dropDatabases(...databases);
  });

  function names() {
    const id = uniqueId();
    const topic = `test.projector.${id}`;
    const database = `proj_${id}`;
    topics.push(topic, deadLetterTopic(topic));
    databases.push(database);
    return { topic, database, group: `projector-${id}` };
  }

  async function startProjector(topic: string, group: string, database: string, wrap: (sink: ProjectionSink) => ProjectionSink = (s) => s) {
    const documents = await connectMongoReadModels(mongoUrl(database));
    const readStore = new CustomerReadModels(documents);
    const parking = await MongoParkingLot.connect(mongoUrl(database));
    const keys = await MongoKeyStore.connect(mongoUrl(database));
    const sink = new RunnerSink(documents, new PersonalDataVault(keys));
    const projector = new KafkaProjector(kafka, wrap(sink), parking, { topic, groupId: group, partitions: 4 });
    await projector.start();
    return {
      readStore,
      parking,
      async stop() {
        await projector.stop();
        await parking.close();
        await keys.close();
        await readStore.close();
      },
    };
  }

  it('projects like a clean rebuild of the log, and a batch delivered twice changes nothing', async () => {
    const { topic, database, group } = names();
    const log = SqliteEventStore.open(':memory:');
    await appendLoad(log, 1200, 60);
    const events = await log.readAll();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    await producer.send({ topic, messages: messagesOf(events) });

    const projector = await startProjector(topic, group, database);
    try {
      await waitForNoLag(admin, group, topic);
      const once = await mongoDigest(database);
      // The same batch again, as a producer retry or a replayed partition would deliver it.
      await producer.send({ topic, messages: messagesOf(events) });
      await waitForNoLag(admin, group, topic);
      const twice = await mongoDigest(database);
      expect(twice).toEqual(once);
      expect(once).toMatchObject({ customers: 60, facts: 60, timeline: 1200 });
      expect(await embeddedRebuildDigest(log)).toEqual(once);
      const view = await projector.readStore.getCustomer('cust-7');
      expect(view?.revision).toBe(19);
    } finally {
      await projector.stop();
      await log.close();
    }
  });

  it('dead-letters a poison event, holds back only its customer (also across a restart), and replay-dlq applies it once fixed', async () => {
    const { topic, database, group } = names();
    const log = SqliteEventStore.open(':memory:');
    const at = (customer: string, revision: number) => varied(customer.length, revision);
    // ok-1 flows throughout; bug-1's revision 1 hits a (simulated) projection bug; bad-1's revision 1 is a real poison (purchased without data).
    for (let r = 0; r < 3; r++) {
      await log.append('ok-1', [at('ok-1', r)], 'any');
      await log.append('bug-1', [at('bug-1', r)], 'any');
      await log.append('bad-1', [r === 1 ? { ...at('bad-1', r), type: 'purchased', data: null } : at('bad-1', r)], 'any');
    }
    const buggy = new Set([(await log.readStream('bug-1'))[1]!.eventId]);
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    await producer.send({ topic, messages: messagesOf(await log.readAll()) });

    let projector = await startProjector(topic, group, database, (sink) => new BuggySink(sink, buggy));
    try {
      await waitForNoLag(admin, group, topic);
      const revisions = async () =>
        Object.fromEntries([...(await projector.readStore.getCustomers(['ok-1', 'bug-1', 'bad-1'])).entries()].map(([id, v]) => [id, v.revision]));
      expect(await revisions()).toEqual({ 'ok-1': 2, 'bug-1': 0, 'bad-1': 0 });

      const dlq = await readTopic(kafka, admin, deadLetterTopic(topic));
      const summary = dlq.map((m) => [m.key, m.headers.rapport_revision, m.headers[DLQ_HEADER.kind]]).sort();
      expect(summary).toEqual([
        ['bad-1', '1', 'projection_failed'],
        ['bad-1', '2', 'held_back'],
        ['bug-1', '1', 'projection_failed'],
        ['bug-1', '2', 'held_back'],
      ]);
      const badLetter = dlq.find((m) => m.key === 'bad-1' && m.headers.rapport_revision === '1')!;
      expect(badLetter.headers[DLQ_HEADER.error]).toMatch(/TypeError/);
      expect(badLetter.headers).toMatchObject({ ce_type: 'rapport.customer.purchased.v1', [DLQ_HEADER.originalTopic]: topic });
      expect(Number(badLetter.headers[DLQ_HEADER.originalOffset])).toBeGreaterThanOrEqual(0);
      expect(dlq.find((m) => m.key === 'bug-1' && m.headers.rapport_revision === '1')!.headers[DLQ_HEADER.error]).toMatch(/simulated projection bug/);
      expect((await projector.parking.list()).map((p) => [p.customerId, p.sinceRevision])).toEqual([
        ['bad-1', 1],
        ['bug-1', 1],
      ]);

      // A restarted projector keeps them parked: bug-1's next event waits too, ok-1's flows.
      await projector.stop();
      projector = await startProjector(topic, group, database, (sink) => new BuggySink(sink, buggy));
      await log.append('bug-1', [at('bug-1', 3)], 'any');
      await log.append('ok-1', [at('ok-1', 3)], 'any');
      await producer.send({ topic, messages: messagesOf(await log.readAll({ after: (await log.headPosition()) - 2 })) });
      await waitForNoLag(admin, group, topic);
      expect(await revisions()).toEqual({ 'ok-1': 3, 'bug-1': 0, 'bad-1': 0 });

      // The fix ships (the replay runs the real projections): replay-dlq bug-1 applies 1..3 and unparks.
      const env = { RAPPORT_MONGO_URL: mongoUrl(database), RAPPORT_KAFKA_TOPIC: topic, RAPPORT_LOG_LEVEL: 'warn' };
      const replay = RoleProcess.start('projector', env, ['replay-dlq', 'bug-1', '--json']);
      expect((await replay.exited).code).toBe(0);
      expect(JSON.parse(replay.output.trim().split('\n').pop()!)).toEqual([{ customerId: 'bug-1', status: 'unparked', applied: 3, skipped: 0 }]);
      expect(await revisions()).toEqual({ 'ok-1': 3, 'bug-1': 3, 'bad-1': 0 });

      // bad-1's event is still poison: replay stops at it, bad-1 stays parked, exit 1.
      const stillBad = RoleProcess.start('projector', env, ['replay-dlq', 'bad-1', '--json']);
      expect((await stillBad.exited).code).toBe(1);
      expect(JSON.parse(stillBad.output.trim().split('\n').pop()!)).toEqual([
        expect.objectContaining({ customerId: 'bad-1', status: 'still_failing', revision: 1, error: expect.stringMatching(/TypeError/) }),
      ]);
      const parked = RoleProcess.start('projector', env, ['parked', '--json']);
      expect((await parked.exited).code).toBe(0);
      expect(JSON.parse(parked.output.trim().split('\n').pop()!).map((p: { customerId: string }) => p.customerId)).toEqual(['bad-1']);

      // Unparked, bug-1's new events flow straight to the read models again.
      await log.append('bug-1', [at('bug-1', 4)], 'any');
      await producer.send({ topic, messages: messagesOf(await log.readAll({ after: (await log.headPosition()) - 1 })) });
      await waitForNoLag(admin, group, topic);
      expect(await revisions()).toEqual({ 'ok-1': 3, 'bug-1': 4, 'bad-1': 0 });
    } finally {
      await projector.stop();
      await log.close();
    }
  });

  it('exposes consumer lag as a Prometheus metric on its own /metrics endpoint', async () => {
    const { topic, database, group } = names();
    const log = SqliteEventStore.open(':memory:');
    await appendLoad(log, 50, 5);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic, messages: messagesOf(await log.readAll()) });
    const env = { RAPPORT_MONGO_URL: mongoUrl(database), RAPPORT_KAFKA_TOPIC: topic, RAPPORT_PROJECTOR_GROUP: group, RAPPORT_PROJECTOR_METRICS_PORT: '0', RAPPORT_KAFKA_PARTITIONS: '2' };
    const child = RoleProcess.start('projector', env);
    try {
      await child.waitFor(/projector consuming/);
      const url = /"metrics":"([^"]+)"/.exec(child.output)![1]!;
      await waitForNoLag(admin, group, topic);
      const text = await (await fetch(url)).text();
      expect(text).toMatch(/^rapport_projector_consumer_lag\{partition="0"\} 0$/m);
      expect(text).toMatch(/^rapport_projector_consumer_lag_total 0$/m);
      expect(text).toMatch(/^rapport_projector_messages_total\{partition="\d"\} \d+$/m);
      expect(text).toMatch(/^rapport_projector_parked_customers 0$/m);
      // More messages while the group is away show up as lag.
      expect((await child.stop()).code).toBe(0);
      await producer.send({ topic, messages: messagesOf(await log.readAll()) });
      expect((await consumerGroupLag(admin, group, topic)).reduce((sum, p) => sum + p.lag, 0)).toBe(50);
    } finally {
      await child.kill();
      await log.close();
    }
  });
});
