import { Binary, MongoClient } from 'mongodb';
import { describeWithInfra } from '@rapport/config/testing';
import { describeKeyStoreContract } from '@rapport/event-store/testing';
import { openMongoKeyStoreFixture } from './testing/mongo-key-store.fixture';
import { MongoKeyStore } from './mongo-key-store.adapter';

// On the MongoDB-compatible server `npm run infra:up` starts (FerretDB), or RAPPORT_MONGO_URL.
const url = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport';

describeKeyStoreContract('MongoDB (FerretDB)', () => openMongoKeyStoreFixture(url), describeWithInfra('mongo'));

describeWithInfra('mongo')('MongoKeyStore: keys from before keys were made for a revision', () => {
  it('count as made before any erasure: they serve until the first one, which destroys them', async () => {
    const database = `rapport_keys_legacy_${process.pid}_${Date.now().toString(36)}`;
    const client = await MongoClient.connect(url);
    try {
      const collection = client.db(database).collection('personal_data_keys');
      const legacy = { keyId: '00000000-0000-4000-8000-000000000001', key: Buffer.alloc(32, 7) };
      // The document as earlier versions wrote it: no fromRevision.
      await collection.insertOne({ _id: legacy.keyId, customerId: 'c-old', key: new Binary(legacy.key), createdAt: new Date('2026-01-01') } as Record<string, unknown>);
      const store = await MongoKeyStore.on(collection as unknown as Parameters<typeof MongoKeyStore.on>[0]);
      expect((await store.activeKey('c-old', { revision: 4, since: -1 })).keyId).toBe(legacy.keyId);
      expect(await store.holdsKeysThrough('c-old', 1)).toBe(true);
      const fresh = await store.activeKey('c-old', { revision: 6, since: 6 });
      expect(fresh.keyId).not.toBe(legacy.keyId);
      expect(await store.destroyKeys('c-old', 5)).toBe(1);
      expect([...(await store.findKeys([legacy.keyId, fresh.keyId])).keys()]).toEqual([fresh.keyId]);
    } finally {
      await client.db(database).dropDatabase();
      await client.close();
    }
  });
});
