// `npm run rapport -- projections rebuild | catch-up` (the CLI process) with
// RAPPORT_MODE=distributed, on the shared Kafka and FerretDB: the MongoDB read models are rebuilt from the
// SQLite log, equal a clean embedded rebuild, and the projector group resumes
// where the rebuild ended; a running projector makes rebuild refuse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RoleProcess, describeWithInfra } from '@rapport/config/testing';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import { KafkaRelay } from '@rapport/messaging';
import { put } from '@rapport/document-store';
import { customerViews, FACTS_VERSION, PURCHASES_VERSION } from '@rapport/projections';
import { connectMongoReadModels } from '@rapport/wiring';
import {
  appendLoad,
  brokers,
  dropDatabases,
  embeddedRebuild,
  embeddedRebuildDigest,
  mongoDigest,
  mongoReadModels,
  mongoUrl,
  sleep,
  testKafka,
  uniqueId,
} from '@rapport/wiring/testing';

jest.setTimeout(240_000);

/** Runs `rapport <argv>` to its end; `output` is stdout and stderr together. */
async function cli(env: Record<string, string>, ...argv: string[]) {
  const child = RoleProcess.start('cli', env, argv);
  const { code } = await child.exited;
  return { code, output: child.output };
}

describeWithInfra('kafka', 'mongo')('rapport projections in distributed mode (Kafka, FerretDB)', () => {
  it('rebuilds MongoDB from the log, moves the projector group to where it ended, refuses while a projector runs; catch-up repairs', async () => {
    const id = uniqueId();
    const topic = `test.cli-rebuild.${id}`;
    const group = `cli-rebuild-${id}`;
    const database = `cli_rebuild_${id}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-cli-distributed-'));
    const kafka = testKafka('cli-rebuild-test');
    const admin = kafka.admin();
    await admin.connect();
    const log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    const relay = new KafkaRelay(log, kafka, { topic, relayId: `relay-${id}`, partitions: 3, batchSize: 200 });
    const env = {
      RAPPORT_MODE: 'distributed',
      RAPPORT_DATA_DIR: dir,
      RAPPORT_MONGO_URL: mongoUrl(database),
      RAPPORT_KAFKA_BROKERS: brokers.join(','),
      RAPPORT_KAFKA_TOPIC: topic,
      RAPPORT_PROJECTOR_GROUP: group,
    };
    const member = kafka.consumer({ groupId: group, readUncommitted: false });
    try {
      await appendLoad(log, 300, 30);
      await relay.start();
      expect(await relay.waitFor(await log.headPosition(), 60_000)).toBe(true);
      // What a broken or outdated projector might have left: a document the log does not explain.
      const stale = await connectMongoReadModels(mongoUrl(database));
      const ghost = { ...(await embeddedCustomer(log, 'cust-0')), customerId: 'ghost' };
      await stale.commit({ writes: [put(customerViews, { _id: 'ghost', ...ghost })], checkpoints: [], versions: [FACTS_VERSION, PURCHASES_VERSION] });
      const versionsBefore = [await stale.getVersion(FACTS_VERSION), await stale.getVersion(PURCHASES_VERSION)];
      await stale.close();

      // A projector in the group: rebuild refuses and touches nothing.
      await member.connect();
      await member.subscribe({ topic, fromBeginning: true });
      let joined = false;
      member.on(member.events.GROUP_JOIN, () => (joined = true));
      await member.run({ eachBatch: async () => undefined, autoCommit: false });
      for (let deadline = Date.now() + 60_000; !joined; await sleep(100)) if (Date.now() > deadline) throw new Error('consumer did not join');
      const refused = await cli(env, 'projections', 'rebuild');
      expect(refused.code).toBe(2);
      expect(refused.output).toMatch(new RegExp(`projector group ${group} has 1 running member`));
      expect((await mongoDigest(database)).customers).toBe(1);
      await member.disconnect();

      const rebuilt = await cli(env, 'projections', 'rebuild', '--json');
      expect(rebuilt.code).toBe(0);
      const summary = JSON.parse(rebuilt.output) as { events: number; customers: number; mode: string; groupOffsets: Record<string, string> };
      expect(summary).toMatchObject({ events: 300, customers: 30, mode: 'distributed' });
      expect(await mongoDigest(database)).toEqual(await embeddedRebuildDigest(log));
      // The group resumes at the topic's end as it was when the rebuild started (nothing published since).
      const ends = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [String(p.partition), p.high]));
      expect(summary.groupOffsets).toEqual(ends);
      const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      expect(Object.fromEntries(committed[0]!.partitions.map((p) => [String(p.partition), p.offset]))).toEqual(ends);
      // The versions the analytics caches are keyed by moved past their old values.
      const store = await connectMongoReadModels(mongoUrl(database));
      const versionsAfter = [await store.getVersion(FACTS_VERSION), await store.getVersion(PURCHASES_VERSION)];
      expect(versionsAfter[0]).not.toBe(versionsBefore[0]);
      expect(versionsAfter[1]).not.toBe(versionsBefore[1]);
      await store.close();

      // catch-up (safe while projectors run): applies what was appended since, leaves the rest alone.
      await appendLoad(log, 60, 40, { prefix: 'late' });
      // One written as the API writes: personal fields sealed with a key from the MongoDB key store.
      const keys = await MongoKeyStore.connect(mongoUrl(database));
      const sealed = new SealingEventStore(log, new PersonalDataVault(keys));
      await sealed.append(
        'sealed-1',
        [{ eventId: '00000000-0000-4000-8000-00000000beef', type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: { name: 'Sealed Person' }, metadata: {} }],
        'no_stream',
      );
      const caughtUp = await cli(env, 'projections', 'catch-up', '--json');
      expect(caughtUp.code).toBe(0);
      expect(JSON.parse(caughtUp.output)).toMatchObject({ events: 361, applied: 61, customers: 71, mode: 'distributed' });
      // The CLI opened the sealed name with the key store, as the projector does.
      expect(await mongoDigest(database)).toEqual(await embeddedRebuildDigest(sealed));
      const read = await mongoReadModels(database);
      expect((await read.getCustomer('sealed-1'))?.name).toBe('Sealed Person');
      await read.close();
      await keys.close();
    } finally {
      await member.disconnect().catch(() => undefined);
      await relay.stop();
      await log.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
      await dropDatabases(database);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A customer document as the embedded projections make it (to plant a plausible stale one). */
async function embeddedCustomer(log: SqliteEventStore, customerId: string) {
  const store = await embeddedRebuild(log);
  try {
    return (await store.getCustomer(customerId))!;
  } finally {
    await store.close();
  }
}
