import { MongoClient, type CommandStartedEvent } from 'mongodb';
import type { CustomerView } from '@rapport/projections';
import { describeWithInfra } from '@rapport/config/testing';
import { describeReadStoreContract, view } from './testing';
import { DEFAULT_MONGO_WRITE_SLICE, MongoReadStore } from './mongo-read-store.adapter';

// Runs on the MongoDB-compatible server `npm run infra:up` starts (FerretDB),
// or on RAPPORT_MONGO_URL.
const url = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport';
let counter = 0;
const freshDatabase = () => `rapport_contract_${process.pid}_${counter++}_${Date.now().toString(36)}`;

async function dropDatabase(database: string): Promise<void> {
  const client = await MongoClient.connect(url);
  await client.db(database).dropDatabase();
  await client.close();
}

describeReadStoreContract(
  'MongoDB (FerretDB)',
  async () => {
    const database = freshDatabase();
    const store = await MongoReadStore.connect(url, { database });
    return { store, cleanup: () => dropDatabase(database) };
  },
  describeWithInfra('mongo'),
);

function customer(i: number, revision: number, name: string): CustomerView {
  return view(`big-${String(i).padStart(4, '0')}`, revision, { name });
}

describeWithInfra('mongo')('MongoReadStore: large commits on FerretDB', () => {
  // FerretDB 1.24 deadlocks for good on one bulk write of ~100+ replacements of existing
  // documents; these commits would hang (and take the shared server with them) unsliced.
  it('commits 1,000 customers in one commit, then replaces them all, in bulk writes of at most the slice', async () => {
    const database = freshDatabase();
    const store = await MongoReadStore.connect(url, { database, clientOptions: { monitorCommands: true } });
    // The driver's command monitoring shows what each update command carried.
    const client = store['client'] as MongoClient;
    const updates: number[] = [];
    const listener = (event: CommandStartedEvent) => {
      if (event.commandName === 'update') updates.push((event.command.updates as unknown[]).length);
    };
    client.on('commandStarted', listener);
    try {
      const N = 1_000;
      await store.commit({
        customers: Array.from({ length: N }, (_, i) => customer(i, 1, `first ${i}`)),
        timeline: [],
        facts: [],
        checkpoint: { name: 'big', position: 1 },
      });
      // Replacements of existing documents; the first 12 come in stale (revision 0 < 1),
      // so the revision guard must hold inside a sliced commit too.
      await store.commit({
        customers: Array.from({ length: N }, (_, i) => customer(i, i < 12 ? 0 : 2, `second ${i}`)),
        timeline: [],
        facts: [],
        checkpoint: { name: 'big', position: 2 },
      });
      const all = await store.getCustomers(Array.from({ length: N }, (_, i) => customer(i, 0, '').customerId));
      expect(all.size).toBe(N);
      for (const [id, view] of all) {
        const i = Number(id.slice(4));
        expect(view.name).toBe(i < 12 ? `first ${i}` : `second ${i}`);
      }
      expect(await store.getCheckpoint('big')).toBe(2);
      expect(updates.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 * N);
      expect(Math.max(...updates)).toBeLessThanOrEqual(DEFAULT_MONGO_WRITE_SLICE);
    } finally {
      client.off('commandStarted', listener);
      await store.close();
      await dropDatabase(database);
    }
  }, 180_000);
});
