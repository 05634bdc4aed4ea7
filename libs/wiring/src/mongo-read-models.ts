// Distributed mode's read models: the declared projections' collections in MongoDB.
import { MongoClient } from 'mongodb';
import { MONGO_CLIENT_TIMEOUTS } from '@rapport/config';
import { collectionsOf } from '@rapport/document-store';
import { MongoDocumentStore, type MongoDocumentStoreOptions } from '@rapport/document-store-mongo';
import { READ_MODELS } from '@rapport/projections';

/**
 * The collections the read models lived in before they were declared
 * projections. Nothing reads them any more, and they hold names and e-mail
 * addresses later erasures would not reach: they are dropped on connect.
 * (The new collections are then rebuilt with `rapport projections rebuild`;
 * docs/distributed.md, "Upgrading".)
 */
export const LEGACY_READ_MODEL_COLLECTIONS = ['customers', 'timeline', 'customer_facts', 'checkpoints'] as const;

/** Connects, drops the legacy collections, and declares the read models' collections and indexes. `url` names the database. */
export async function connectMongoReadModels(url: string, options: MongoDocumentStoreOptions = {}): Promise<MongoDocumentStore> {
  await dropLegacyReadModels(url, options.database);
  return MongoDocumentStore.connect(url, collectionsOf(READ_MODELS), options);
}

/** Answers the legacy collections that were there (and are gone now). */
export async function dropLegacyReadModels(url: string, database?: string): Promise<string[]> {
  const client = new MongoClient(url, { ...MONGO_CLIENT_TIMEOUTS });
  await client.connect();
  try {
    const db = client.db(database);
    const present = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    const legacy = LEGACY_READ_MODEL_COLLECTIONS.filter((name) => present.has(name));
    for (const name of legacy) await db.collection(name).drop();
    return legacy;
  } finally {
    await client.close();
  }
}
