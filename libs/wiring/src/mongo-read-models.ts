// Distributed mode's read models: the declared projections' collections in MongoDB.
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
export function connectMongoReadModels(url: string, options: MongoDocumentStoreOptions = {}): Promise<MongoDocumentStore> {
  return MongoDocumentStore.connect(url, collectionsOf(READ_MODELS), { ...options, dropCollections: LEGACY_READ_MODEL_COLLECTIONS });
}
