import { MongoClient } from 'mongodb';
import { describeWithInfra } from '@rapport/config/testing';
import { MongoParkingLot, PARKED_COLLECTION } from './parking-lot';
import { describeParkingLotContract } from './testing';

// On the MongoDB-compatible server `npm run infra:up` starts (FerretDB), or RAPPORT_MONGO_URL.
const url = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport';
let counter = 0;
const freshDatabase = () => `rapport_parking_${process.pid}_${counter++}_${Date.now().toString(36)}`;

async function dropDatabase(database: string): Promise<void> {
  const client = await MongoClient.connect(url);
  await client.db(database).dropDatabase();
  await client.close();
}

describeParkingLotContract(
  'MongoDB (FerretDB)',
  async () => {
    const database = freshDatabase();
    return { lot: await MongoParkingLot.connect(url, { database }), cleanup: () => dropDatabase(database) };
  },
  describeWithInfra('mongo'),
);

describeWithInfra('mongo')('MongoParkingLot', () => {
  it('is durable: a projector that connects again still holds the parked customers back', async () => {
    const database = freshDatabase();
    const first = await MongoParkingLot.connect(url, { database });
    try {
      await first.park('c-1', { kind: 'projection_failed', reason: 'broken', revision: 2, deadLettered: 1 });
      const parked = await first.get('c-1');
      await first.close();

      const restarted = await MongoParkingLot.connect(url, { database });
      try {
        expect(await restarted.parkedAmong(['c-1', 'c-2'])).toEqual(new Set(['c-1']));
        expect(await restarted.get('c-1')).toEqual(parked);
        expect(await restarted.unpark('c-1', 1)).toBe(true);
      } finally {
        await restarted.close();
      }
    } finally {
      await dropDatabase(database);
    }
  });

  it('takes over the rows earlier versions wrote (one per customer, updated in place)', async () => {
    const database = freshDatabase();
    const client = await MongoClient.connect(url);
    try {
      // As earlier versions left them; FerretDB dropped the null sinceRevision of c-2.
      await client
        .db(database)
        .collection(PARKED_COLLECTION)
        .insertMany([
          { _id: 'c-1', version: 3, kind: 'projection_failed', reason: 'broken', sinceRevision: 4, parkedAt: '2026-01-05T10:00:00.000Z', deadLettered: 5 },
          { _id: 'c-2', version: 1, kind: 'malformed', reason: 'not JSON', parkedAt: '2026-01-06T10:00:00.000Z', deadLettered: 1 },
        ] as unknown as { _id: never }[]);
      const lot = await MongoParkingLot.connect(url, { database });
      try {
        expect(await lot.list()).toEqual([
          { customerId: 'c-1', version: 3, kind: 'projection_failed', reason: 'broken', sinceRevision: 4, parkedAt: '2026-01-05T10:00:00.000Z', deadLettered: 5 },
          { customerId: 'c-2', version: 1, kind: 'malformed', reason: 'not JSON', sinceRevision: null, parkedAt: '2026-01-06T10:00:00.000Z', deadLettered: 1 },
        ]);
        expect(await lot.parkedAmong(['c-1', 'c-2', 'c-3'])).toEqual(new Set(['c-1', 'c-2']));
        await lot.park('c-1', { kind: 'held_back', reason: 'later', revision: 9, deadLettered: 2 });
        expect(await lot.get('c-1')).toMatchObject({ version: 4, reason: 'broken', sinceRevision: 4, deadLettered: 7 });
        expect(await lot.unpark('c-1', 3)).toBe(false);
        expect(await lot.unpark('c-2', 1)).toBe(true);
        expect((await lot.list()).map((p) => p.customerId)).toEqual(['c-1']);
      } finally {
        await lot.close();
      }
    } finally {
      await client.db(database).dropDatabase();
      await client.close();
    }
  });
});
