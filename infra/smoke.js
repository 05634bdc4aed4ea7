#!/usr/bin/env node
// End-to-end check of the local infrastructure with the project's own drivers
// (kafkajs and mongodb from node_modules, so run `npm ci` first):
//   Kafka:    create a topic, commit one transaction and abort another, read the topic
//             back as a read_committed consumer group, delete the topic.
//   MongoDB:  ping, insert, find, drop the scratch database.
// Run through `infra/infra.sh smoke`; RAPPORT_KAFKA_BROKERS and RAPPORT_MONGO_URL pick the
// servers. Exit code 0 when both checks pass. kafkajs' own logging is off: right after a
// broker starts, its first transactional and group requests are answered with retriable
// errors (coordinator loading, concurrent transactions) that kafkajs retries but logs at
// ERROR level; a real failure still throws and is printed.
'use strict';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const { Kafka, logLevel } = require('kafkajs');
const { MongoClient } = require('mongodb');

const brokers = (process.env.RAPPORT_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const mongoUrl = process.env.RAPPORT_MONGO_URL || 'mongodb://127.0.0.1:27017/rapport_infra_smoke';

async function kafkaCheck() {
  const t0 = Date.now();
  const kafka = new Kafka({ clientId: 'rapport-infra-smoke', brokers, logLevel: logLevel.NOTHING });
  const topic = `rapport.infra-smoke.${process.pid}.${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });

  const producer = kafka.producer({
    transactionalId: `rapport-infra-smoke-${process.pid}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const committed = ['c1', 'c2', 'c3'].map((id) => ({ key: `customer-${id}`, value: JSON.stringify({ id }) }));
  let tx = await producer.transaction();
  await tx.send({ topic, messages: committed });
  await tx.commit();
  tx = await producer.transaction();
  await tx.send({ topic, messages: [{ key: 'customer-aborted', value: JSON.stringify({ id: 'aborted' }) }] });
  await tx.abort();
  // One more committed message after the aborted one: when it arrives, everything before
  // it on its partition has been seen, so the absence of the aborted one is meaningful.
  tx = await producer.transaction();
  await tx.send({ topic, messages: [{ key: 'customer-aborted', value: JSON.stringify({ id: 'after-abort' }) }] });
  await tx.commit();
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}.group`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed only ${JSON.stringify(seen)} in 30 s`)), 30000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.push(JSON.parse(message.value.toString()).id);
          if (seen.length >= 4 && seen.includes('after-abort')) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();

  if (seen.includes('aborted')) throw new Error(`read_committed consumer saw an aborted message: ${seen}`);
  const expected = ['after-abort', 'c1', 'c2', 'c3'];
  if (JSON.stringify([...seen].sort()) !== JSON.stringify(expected)) {
    throw new Error(`expected ${expected}, consumed ${seen}`);
  }
  console.log(
    `kafka ok: cluster ${cluster.clusterId} (${cluster.brokers.map((b) => `${b.host}:${b.port}`).join(',')}), ` +
      `topic created, 2 transactions committed + 1 aborted, read_committed group consumed ${seen.length} ` +
      `messages and not the aborted one, topic deleted (${Date.now() - t0} ms)`,
  );
}

async function mongoCheck() {
  const t0 = Date.now();
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db();
    const ping = await db.admin().command({ ping: 1 });
    const info = await db.admin().command({ buildInfo: 1 });
    const col = db.collection('smoke');
    const doc = { _id: `smoke-${process.pid}`, at: new Date(), nested: { n: 42 } };
    await col.insertOne(doc);
    const found = await col.findOne({ 'nested.n': 42 });
    if (!found || found._id !== doc._id) throw new Error(`findOne returned ${JSON.stringify(found)}`);
    await db.dropDatabase();
    console.log(
      `mongo ok: ping ${ping.ok}, server reports ${info.version}` +
        `${info.ferretdbVersion ? ` (${info.ferretdbVersion})` : ''}, insertOne + findOne round trip, ` +
        `database ${db.databaseName} dropped (${Date.now() - t0} ms)`,
    );
  } finally {
    await client.close();
  }
}

async function main() {
  let failed = 0;
  for (const [name, check] of [
    ['kafka', kafkaCheck],
    ['mongo', mongoCheck],
  ]) {
    try {
      await check();
    } catch (err) {
      failed++;
      console.error(`${name} FAILED: ${err && err.stack ? err.stack : err}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

main();
