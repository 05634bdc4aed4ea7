// Test support: what a distributed test leaves behind (its topics, its MongoDB
// database, its data directory), removed whatever state the test ended in.
import { rmSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { MongoClient } from 'mongodb';

export async function removeDistributedScope(scope: { kafka: Kafka; topics: readonly string[]; mongoBase: string; database: string; dataDir: string }): Promise<void> {
  const admin = scope.kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...scope.topics] }).catch(() => undefined);
  await admin.disconnect();
  const client = new MongoClient(`${scope.mongoBase}/admin`);
  await client.connect();
  await client.db(scope.database).dropDatabase().catch(() => undefined);
  await client.close();
  rmSync(scope.dataDir, { recursive: true, force: true });
}
