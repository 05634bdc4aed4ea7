// Distributed mode when MongoDB is killed for 30 s under a steady HTTP write
// load, and comes back (issue 18, finding 6: the projector once took 182 s to
// recover from such an outage). Writes that need no personal-data key keep
// answering 201 (they go to the log); the projector's chunks fail and are
// retried with a growing pause; once MongoDB answers again the projector
// must catch up with everything recorded meanwhile within 60 s, and the read
// models then equal the log. MongoDB here is a FerretDB of the test's own (on
// SQLite, the slower backend), so killing it disturbs no other test; Kafka is
// the shared broker.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FerretNode, RoleProcess, describeWithInfra } from '@rapport/config/testing';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import { consumerGroupLag, deadLetterTopic } from '@rapport/messaging';
import { differingLines, digestOf, embeddedRebuildLines, mongoLines, sleep, testKafka, waitForNoLag } from '@rapport/wiring/testing';
import { startDistributedRoles } from '../testing/distributed-roles';
import type { ServerProcess } from '../testing/server-process';

jest.setTimeout(300_000);

const OUTAGE_MS = 30_000;
const WRITERS = 3;
const WRITE_PAUSE_MS = 100;
const CUSTOMERS = 30;

const started = Date.now();
const progress = (text: string) => process.stderr.write(`[mongo-outage +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);

describeWithInfra('kafka', 'mongo')('distributed mode when MongoDB is killed under write load', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const database = `mongo_outage_${id}`;
  const topic = `test.mongo-outage.${id}`;
  const group = `projector-${id}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-mongo-outage-'));
  const dataDir = path.join(dir, 'data');
  const kafka = testKafka('mongo-outage-test');
  const admin = kafka.admin();
  let mongo: FerretNode;
  let api: ServerProcess;
  let relay: RoleProcess;
  let projector: RoleProcess;
  const statuses = new Map<number, number>();
  let writes = 0;
  let writesDuringOutage = 0;
  let backAt = 0;
  let caughtUpMs = 0;

  const post = async (customerId: string, body: unknown): Promise<number> => {
    try {
      const response = await fetch(`${api.baseUrl}/v1/customers/${customerId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      await response.text();
      return response.status;
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    await admin.connect();
    mongo = await FerretNode.start(path.join(dir, 'ferretdb'));
    const env = {
      RAPPORT_MODE: 'distributed',
      RAPPORT_DATA_DIR: dataDir,
      RAPPORT_MONGO_URL: mongo.url(database),
      RAPPORT_KAFKA_TOPIC: topic,
      RAPPORT_RELAY_ID: `relay-${id}`,
      RAPPORT_PROJECTOR_GROUP: group,
      RAPPORT_PROJECTOR_METRICS_PORT: '0',
      RAPPORT_RELAY_METRICS_PORT: '0',
      RAPPORT_LOG_LEVEL: 'info',
    };
    ({ api, relay, projector } = await startDistributedRoles(dataDir, env));
    // Every customer identified first: `identified` carries personal data, whose key is in MongoDB.
    for (let c = 0; c < CUSTOMERS; c++) {
      const status = await post(`load-${c}`, { type: 'identified', occurredAt: '2026-03-01T10:00:00Z', data: { name: `Customer ${c}`, email: `c${c}@example.com` } });
      if (status !== 201) throw new Error(`identifying load-${c} answered ${status}`);
    }
    progress('API, relay and projector up; customers identified');

    // Writes that need no key, from three clients, through the outage and 10 s past it.
    let running = true;
    let outage = false;
    let next = 0;
    const writer = async () => {
      while (running) {
        const status = await post(`load-${next++ % CUSTOMERS}`, { type: 'contacted', occurredAt: '2026-03-01T11:00:00Z', data: { channel: 'email', direction: 'outbound' } });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        writes++;
        if (outage) writesDuringOutage++;
        await sleep(WRITE_PAUSE_MS);
      }
    };
    const load = Promise.all(Array.from({ length: WRITERS }, writer));
    await sleep(5_000);
    outage = true;
    await mongo.kill();
    progress('MongoDB killed');
    await sleep(OUTAGE_MS);
    await mongo.restart();
    outage = false;
    backAt = Date.now();
    progress('MongoDB started again');
    // Caught up: the first time the group's lag reads 0 while the load goes on (it lags by the events in flight otherwise).
    for (const deadline = backAt + 180_000; ; await sleep(200)) {
      const lag = await consumerGroupLag(admin, group, topic).catch(() => undefined);
      if (lag && lag.length > 0 && lag.every((p) => p.lag === 0)) break;
      if (Date.now() > deadline) throw new Error(`the projector still lags: ${JSON.stringify(lag)}\n${projector.output.slice(-3000)}`);
    }
    caughtUpMs = Date.now() - backAt;
    progress(`the projector caught up ${caughtUpMs} ms after MongoDB came back`);
    await sleep(backAt + 10_000 - Date.now());
    running = false;
    await load;
    progress(`load stopped: ${writes} writes (${writesDuringOutage} during the outage)`);
    await waitForNoLag(admin, group, topic, 60_000);
  });

  afterAll(async () => {
    await Promise.all([api?.kill(), relay?.kill(), projector?.kill()]);
    await mongo?.kill();
    await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('took every write that needs no key with 201, before, during and after the outage', () => {
    expect([...statuses.keys()]).toEqual([201]);
    // A steady load throughout: at least 5 writes a second while MongoDB was away.
    expect(writesDuringOutage).toBeGreaterThan((5 * OUTAGE_MS) / 1000);
  });

  it('caught up within 60 s of MongoDB coming back, under the same load, and the read models equal the log', async () => {
    const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
    try {
      const keys = await MongoKeyStore.connect(mongo.url(database));
      const rebuilt = await embeddedRebuildLines(new SealingEventStore(log, new PersonalDataVault(keys))).finally(() => keys.close());
      const lines = await mongoLines(database, mongo.url(database));
      // The documents that differ, named (a divergence was seen once, in CI, with equal counts).
      expect(differingLines(lines, rebuilt)).toEqual({ onlyActual: [], onlyExpected: [] });
      const digest = digestOf(lines);
      expect(digest).toEqual(digestOf(rebuilt));
      expect(digest).toMatchObject({ customers: CUSTOMERS, timeline: CUSTOMERS + writes });
      const dlq = await admin.fetchTopicOffsets(deadLetterTopic(topic));
      expect(dlq.every((p) => p.high === p.low)).toBe(true);
      console.log(
        `mongo outage: ${writes} writes (${writesDuringOutage} during the ${OUTAGE_MS / 1000} s outage), statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
          `the projector's lag first read 0 ${caughtUpMs} ms after MongoDB came back, under the same load; read models equal an embedded rebuild`,
      );
      expect(caughtUpMs).toBeLessThan(60_000);
    } finally {
      await log.close();
    }
  });
});
