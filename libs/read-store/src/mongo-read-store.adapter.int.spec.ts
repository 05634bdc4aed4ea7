import { MongoClient } from 'mongodb';
import { describeWithInfra } from '@rapport/config/testing';
import { describeReadStoreContract } from './testing';
import { MongoReadStore } from './mongo-read-store.adapter';

// Runs on the MongoDB-compatible server `npm run infra:up` starts (FerretDB),
// or on RAPPORT_MONGO_URL.
const url = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport';
let counter = 0;

describeReadStoreContract(
  'MongoDB (FerretDB)',
  async () => {
    const database = `rapport_contract_${process.pid}_${counter++}`;
    const store = await MongoReadStore.connect(url, { database });
    return {
      store,
      cleanup: async () => {
        const client = await MongoClient.connect(url);
        await client.db(database).dropDatabase();
        await client.close();
      },
    };
  },
  describeWithInfra('mongo'),
);
