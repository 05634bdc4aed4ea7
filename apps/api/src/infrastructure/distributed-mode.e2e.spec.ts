// Distributed mode end to end, as `npm run start:distributed` runs it: the API
// (RAPPORT_MODE=distributed, SQLite log), the relay and the projector as three
// processes on the local Kafka and FerretDB. An HTTP append appears on the
// topic with the CloudEvents headers of SPEC section 5 (read back with the
// CloudEvents SDK) and in the MongoDB read model, and `?consistentWith=` waits
// for it — for a batch too, across customers.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka as CloudEventsKafka } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { CustomerCommands } from '@rapport/application';
import { describeWithInfra } from '@rapport/config/testing';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import { deadLetterTopic } from '@rapport/messaging';
import { embeddedPaths, systemClock, uuidGenerator } from '@rapport/wiring';
import { CustomerReadModels } from '@rapport/application';
import { connectMongoReadModels } from '@rapport/wiring';
import { removeDistributedScope } from '../testing/distributed-cleanup';
import { ServerProcess } from '../testing/server-process';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../../../..');
const brokers = (process.env.RAPPORT_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const mongoBase = (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, '');

/** The relay or the projector as a child process. */
function role(entry: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    get output() {
      return output;
    },
    async waitFor(pattern: RegExp, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`${entry} exited:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${entry}: no ${pattern}:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

describeWithInfra('kafka', 'mongo')('distributed mode end to end (API, relay, projector)', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const topic = `test.e2e.${id}`;
  const database = `e2e_${id}`;
  const mongoUrl = `${mongoBase}/${database}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-distributed-'));
  const env = {
    RAPPORT_MODE: 'distributed',
    RAPPORT_DATA_DIR: dataDir,
    RAPPORT_MONGO_URL: mongoUrl,
    RAPPORT_KAFKA_TOPIC: topic,
    RAPPORT_RELAY_ID: `relay-${id}`,
    RAPPORT_PROJECTOR_GROUP: `projector-${id}`,
    RAPPORT_PROJECTOR_METRICS_PORT: '0',
    RAPPORT_RELAY_METRICS_PORT: '0',
    RAPPORT_LOG_LEVEL: 'info',
  };
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'e2e-test' });
  let api: ServerProcess;
  let relay: ReturnType<typeof role>;
  let projector: ReturnType<typeof role>;

  beforeAll(async () => {
    // The API child inherits the test's environment (ServerProcess adds the data dir and port).
    Object.assign(process.env, env);
    projector = role('apps/projector/src/main.ts', env);
    relay = role('apps/relay/src/main.ts', env);
    await Promise.all([projector.waitFor(/projector consuming/), relay.waitFor(/resuming after log position/)]);
    api = await ServerProcess.start(dataDir);
  });

  afterAll(async () => {
    await api?.kill().catch(() => undefined);
    relay?.kill();
    projector?.kill();
    await removeDistributedScope({ kafka, topics: [topic, deadLetterTopic(topic)], mongoBase, database, dataDir });
  });

  it('records over HTTP, publishes with the SPEC 5 headers, projects into MongoDB, and reads its writes', async () => {
    const identified = await api.post('/v1/customers/e2e-1/events', {
      type: 'identified',
      occurredAt: '2026-03-01T10:00:00+01:00',
      data: { name: 'Ada Lovelace', email: 'ada@example.com' },
    });
    expect(identified.status).toBe(201);
    const purchased = await api.post('/v1/customers/e2e-1/events', {
      type: 'purchased',
      occurredAt: '2026-03-02T10:00:00Z',
      data: { orderId: 'o-1', amount: 4200, currency: 'EUR' },
    });
    expect(purchased.status).toBe(201);

    // Read-your-writes through Kafka and the projector.
    const view = await api.get(`/v1/customers/e2e-1?consistentWith=${purchased.body.consistencyToken}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ customerId: 'e2e-1', revision: 1, stage: 'customer', name: 'Ada Lovelace', purchases: { count: 1 } });

    // A batch for several customers: the token covers all of them.
    const batch = await api.post('/v1/events', {
      events: ['e2e-2', 'e2e-3', 'e2e-4'].map((customerId) => ({ customerId, type: 'identified', occurredAt: '2026-03-03T00:00:00Z', data: { name: customerId } })),
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['recorded', 'recorded', 'recorded']);
    const list = await api.get(`/v1/customers?limit=10&consistentWith=${batch.body.consistencyToken}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { customerId: string }) => c.customerId)).toEqual(['e2e-1', 'e2e-2', 'e2e-3', 'e2e-4']);

    // The MongoDB read model itself.
    const store = new CustomerReadModels(await connectMongoReadModels(mongoUrl));
    expect((await store.getCustomer('e2e-1'))?.revision).toBe(1);
    await store.close();

    // The topic, read as a downstream read_committed consumer, parsed with the CloudEvents SDK.
    const consumer = kafka.consumer({ groupId: `e2e-reader-${id}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; headers: Record<string, string> }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} messages`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = (Array.isArray(v) ? v[0] : v)!.toString();
          received.push({ key: message.key!.toString(), value: message.value!.toString(), headers });
          if (received.length === 5) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const ofAda = received.filter((m) => m.key === 'e2e-1');
    expect(ofAda).toHaveLength(2);
    const [first, second] = ofAda.map((m) => CloudEventsKafka.toEvent({ key: m.key, value: m.value, headers: m.headers, timestamp: '0' } as never) as unknown as Record<string, unknown>);
    expect(first).toMatchObject({
      specversion: '1.0',
      id: identified.body.events[0].eventId,
      source: '/rapport/customers',
      type: 'rapport.customer.identified.v1',
      subject: 'e2e-1',
      datacontenttype: 'application/json',
    });
    expect(Date.parse(String(first!.time))).toBe(Date.parse('2026-03-01T10:00:00+01:00'));
    // Personal fields travel sealed: only a holder of the customer's key reads them.
    expect(first!.data).toMatchObject({ eventId: identified.body.events[0].eventId, revision: 0, type: 'identified', data: { name: expect.stringMatching(/^pd1:/) } });
    expect(received.some((m) => m.value.includes('Ada Lovelace') || m.value.includes('ada@example.com'))).toBe(false);
    expect(second).toMatchObject({ type: 'rapport.customer.purchased.v1', id: purchased.body.events[0].eventId });
    expect(ofAda.map((m) => m.headers.rapport_revision)).toEqual(['0', '1']);
    expect(ofAda[0]!.headers).toMatchObject({ ce_specversion: '1.0', ce_source: '/rapport/customers', ce_subject: 'e2e-1', 'content-type': 'application/json' });

    // Audit still reads the log itself.
    const verify = await api.get('/v1/audit/customers/e2e-1/verify');
    expect(verify.status).toBe(200);
    const ready = await api.get('/health/ready');
    // Distributed mode adds the broker; the projections are the projector processes' progress as Kafka tells it.
    expect(ready.body).toMatchObject({ status: 'ok', checks: { eventLog: 'up', readModels: 'up', projections: 'up', broker: 'up' } });
    expect(ready.body.projections['read-models']).toMatchObject({ status: 'up', head: expect.any(Number), position: expect.any(Number) });
  });

  it('erases personal data: the MongoDB read models drop it, the topic never carried it, the chain still verifies', async () => {
    const erased = await api.delete('/v1/customers/e2e-1/personal-data');
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ erased: true, duplicate: false, keysDestroyed: 1 });
    const view = await api.get(`/v1/customers/e2e-1?consistentWith=${erased.body.consistencyToken}`);
    expect(view.status).toBe(200);
    expect(view.body).not.toHaveProperty('name');
    expect(view.body).toMatchObject({ stage: 'customer', purchases: { count: 1 }, personalDataErasedAt: expect.any(String) });
    expect(view.body.erasure).toEqual({ status: 'complete', requestedAt: view.body.personalDataErasedAt, revision: 2 });

    // Every document of the database, read models and keys alike, is free of the plaintext.
    const client = await MongoClient.connect(mongoUrl);
    const collections = await client.db().listCollections().toArray();
    for (const { name } of collections) {
      const docs = JSON.stringify(await client.db().collection(name).find({}).toArray());
      expect([name, /Ada Lovelace|ada@example\.com/.test(docs)]).toEqual([name, false]);
    }
    await client.close();

    // Every message on the topic, the erasure included, as a downstream consumer reads them.
    const consumer = kafka.consumer({ groupId: `e2e-erasure-reader-${id}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${values.length} messages`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (values.length === 6) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(values.filter((v) => JSON.parse(v).type === 'personal_data_erased')).toHaveLength(1);
    expect(values.some((v) => v.includes('Ada Lovelace') || v.includes('ada@example.com'))).toBe(false);
    expect((await api.get('/v1/audit/customers/e2e-1/verify')).body).toMatchObject({ ok: true, checked: 3 });
  });

  it('finishes, when the API starts again, an erasure a kill -9 left recorded with its key still in MongoDB', async () => {
    const identified = await api.post('/v1/customers/e2e-crash/events', { type: 'identified', occurredAt: '2026-03-03T10:00:00Z', data: { name: 'Crash Lovelace' } });
    expect(identified.status).toBe(201);
    await api.kill();
    // The state a kill -9 between the erasure's two steps leaves: recorded in the log, the key not destroyed.
    const keys = await MongoKeyStore.connect(mongoUrl);
    const log = new SealingEventStore(SqliteEventStore.open(embeddedPaths({ dataDir }).log), new PersonalDataVault(keys));
    const erasure = await new CustomerCommands(log, systemClock, uuidGenerator).record({
      customerId: 'e2e-crash',
      type: 'personal_data_erased',
      data: {},
      occurredAt: new Date().toISOString(),
      metadata: { actor: 'e2e', source: 'rapport/personal-data-erasure' },
    });
    expect(erasure).toMatchObject({ status: 'recorded', revision: 1 });
    expect(await keys.holdsKeysThrough('e2e-crash', 1)).toBe(true);
    await log.close();

    api = await ServerProcess.start(dataDir);
    let view = await api.get('/v1/customers/e2e-crash');
    for (let i = 0; i < 150 && view.body.erasure?.status !== 'complete'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      view = await api.get('/v1/customers/e2e-crash');
    }
    expect(view.body.erasure).toMatchObject({ status: 'complete', revision: 1 });
    const history = await api.get('/v1/audit/customers/e2e-crash/history');
    expect(history.body.events.map((e: { personalData?: string }) => e.personalData)).toEqual(['erased', undefined]);
  });

  it('stops all three gracefully on SIGTERM', async () => {
    expect(await api.stop()).toBe(0);
    expect(await relay.stop()).toBe(0);
    expect(await projector.stop()).toBe(0);
  });
});
