// Jest global setup: finds out once whether the local infrastructure that the
// slower tests need (Kafka, a MongoDB-compatible store) answers, and tells the
// test files through the environment. With RAPPORT_REQUIRE_INFRA=1 (CI), a
// missing service fails the run instead of letting its tests skip.
const { Kafka, logLevel } = require('kafkajs');
const { MongoClient } = require('mongodb');

async function kafkaUp(brokers) {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 1 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function mongoUp(url) {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2000 });
  try {
    await client.connect();
    const reply = await client.db('admin').command({ ping: 1 });
    return reply.ok === 1;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

module.exports = async function globalSetup() {
  const brokers = (process.env.RAPPORT_KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim());
  const mongoUrl = process.env.RAPPORT_MONGO_URL || 'mongodb://127.0.0.1:27017/rapport';
  const [kafka, mongo] = await Promise.all([kafkaUp(brokers), mongoUp(mongoUrl)]);
  process.env.RAPPORT_INFRA_KAFKA = kafka ? 'up' : 'down';
  process.env.RAPPORT_INFRA_MONGO = mongo ? 'up' : 'down';
  const missing = [!kafka && `Kafka at ${brokers.join(',')}`, !mongo && `MongoDB at ${mongoUrl}`].filter(Boolean);
  if (missing.length === 0) return;
  if (process.env.RAPPORT_REQUIRE_INFRA === '1') {
    throw new Error(`RAPPORT_REQUIRE_INFRA=1 but ${missing.join(' and ')} did not answer: run npm run infra:up`);
  }
  process.stderr.write(`\n[rapport] ${missing.join(' and ')} not running: their tests are skipped (npm run infra:up to run them)\n`);
};
