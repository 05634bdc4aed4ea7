// Distributed mode's read models: the declared projections' collections in MongoDB.
import { collectionsOf } from '@rapport/document-store';
import { MongoDocumentStore, type MongoDocumentStoreOptions } from '@rapport/document-store-mongo';
import { READ_MODELS } from '@rapport/projections';

/** Connects and declares the read models' collections and indexes. `url` names the database. */
export function connectMongoReadModels(url: string, options: MongoDocumentStoreOptions = {}): Promise<MongoDocumentStore> {
  return MongoDocumentStore.connect(url, collectionsOf(READ_MODELS), options);
}
