import { MongoClient } from 'mongodb';
import { describeWithInfra } from '@rapport/config/testing';
import { describeKeyStoreContract } from '../testing/key-store.contract';
import { MongoKeyStore } from './mongo-key-store.adapter';

// On the MongoDB-compatible server `npm run infra:up` starts (FerretDB), or RAPPORT_MONGO_URL.
const url = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport';
let counter = 0;

describeKeyStoreContract(
  'MongoDB (FerretDB)',
  async () => {
    const database = `rapport_keys_${process.pid}_${counter++}_${Date.now().toString(36)}`;
    const client = await MongoClient.connect(url);
    const store = await MongoKeyStore.on(client.db(database).collection('personal_data_keys'), client);
    return {
      store,
      cleanup: async () => {
        const admin = await MongoClient.connect(url);
        await admin.db(database).dropDatabase();
        await admin.close();
      },
    };
  },
  describeWithInfra('mongo'),
);
