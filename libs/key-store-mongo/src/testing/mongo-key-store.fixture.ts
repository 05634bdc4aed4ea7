// A MongoKeyStore on a database of its own, dropped by cleanup: on the
// MongoDB-compatible server `npm run infra:up` starts (FerretDB), or RAPPORT_MONGO_URL.
import { MongoClient } from 'mongodb';
import type { KeyStoreFixture } from '@rapport/event-store/testing';
import { KEY_COLLECTION, MongoKeyStore } from '../mongo-key-store.adapter';

let counter = 0;

export async function openMongoKeyStoreFixture(url = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport'): Promise<KeyStoreFixture> {
  const database = `rapport_keys_${process.pid}_${counter++}_${Date.now().toString(36)}`;
  const client = await MongoClient.connect(url);
  const store = await MongoKeyStore.on(client.db(database).collection(KEY_COLLECTION), client);
  return {
    store,
    cleanup: async () => {
      const admin = await MongoClient.connect(url);
      await admin.db(database).dropDatabase();
      await admin.close();
    },
  };
}
