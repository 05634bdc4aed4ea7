// The contract on the MongoDB-compatible server `npm run infra:up` starts
// (FerretDB 1.24), or on RAPPORT_MONGO_URL; plus what holds without
// transactions: bulk writes never larger than the slice, and a commit that
// stops between writes leaves the earlier writes, none after, and the
// checkpoint where it was, for the replay to complete.
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { describeWithInfra } from '@rapport/config/testing';
import { DuplicateKeyError, UnknownCollectionError, put, type AnyCollection } from '@rapport/document-store';
import { describeDocumentStoreContract, entries, handles, people, type Entry } from '@rapport/document-store/testing';
import { DEFAULT_MONGO_DOCUMENT_WRITE_SLICE, MongoDocumentStore } from './mongo-document-store.adapter';

const url = process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport';
let counter = 0;
const freshDatabase = () => `rapport_docs_${process.pid}_${counter++}_${Date.now().toString(36)}`;

async function dropDatabase(database: string): Promise<void> {
  const client = await MongoClient.connect(url);
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
}

describeDocumentStoreContract(
  'MongoDB (FerretDB)',
  async () => {
    const database = freshDatabase();
    return {
      open: (collections: readonly AnyCollection[]) => MongoDocumentStore.connect(url, collections, { database }),
      cleanup: () => dropDatabase(database),
    };
  },
  { bulkTimeoutMs: 180_000 },
  describeWithInfra('mongo'),
);

// Reads by id go by `$in` beyond `pointLookups` ids: the same contract with every read that way.
describeDocumentStoreContract(
  'MongoDB (FerretDB), reads by id through $in',
  async () => {
    const database = freshDatabase();
    return {
      open: (collections: readonly AnyCollection[]) => MongoDocumentStore.connect(url, collections, { database, pointLookups: 0 }),
      cleanup: () => dropDatabase(database),
    };
  },
  { bulkTimeoutMs: 180_000 },
  describeWithInfra('mongo'),
);

const entry = (seq: number, revision: number, text: string): Entry => ({
  _id: `big/${String(seq).padStart(4, '0')}`,
  revision,
  owner: 'big',
  at: seq,
  seq,
  text,
});

describeWithInfra('mongo')('MongoDocumentStore without transactions (FerretDB)', () => {
  let database: string;
  let store: MongoDocumentStore;
  let client: MongoClient;
  const writes: { command: string; statements: number }[] = [];
  const listener = (event: CommandStartedEvent) => {
    if (event.commandName === 'update') writes.push({ command: 'update', statements: (event.command.updates as unknown[]).length });
    if (event.commandName === 'delete') writes.push({ command: 'delete', statements: (event.command.deletes as unknown[]).length });
    if (event.commandName === 'insert') writes.push({ command: 'insert', statements: (event.command.documents as unknown[]).length });
  };

  beforeEach(async () => {
    database = freshDatabase();
    store = await MongoDocumentStore.connect(url, [people, entries, handles], { database, clientOptions: { monitorCommands: true } });
    // The driver's command monitoring shows what each write command carried.
    client = store['client'] as MongoClient;
    client.on('commandStarted', listener);
    writes.length = 0;
  });
  afterEach(async () => {
    client.off('commandStarted', listener);
    await store.close();
    await dropDatabase(database);
  });

  // FerretDB 1.24 deadlocks for good on one bulk write of ~100+ replacements of existing
  // documents; these commits would hang (and take the shared server with them) unsliced.
  it('commits in bulk writes of at most the slice, keeping the revision guard inside each', async () => {
    const N = 200;
    await store.commit({ writes: Array.from({ length: N }, (_, i) => put(entries, entry(i, 1, `first ${i}`))), checkpoints: [{ name: 'big', position: 1 }] });
    // Replacements of existing documents; every tenth comes in stale (revision 0 < 1).
    await store.commit({
      writes: Array.from({ length: N }, (_, i) => put(entries, entry(i, i % 10 === 0 ? 0 : 2, `second ${i}`))),
      checkpoints: [{ name: 'big', position: 2 }],
    });
    const all = await store.getMany(
      entries,
      Array.from({ length: N }, (_, i) => entry(i, 0, '')._id),
    );
    expect(all.size).toBe(N);
    for (const [, e] of all) expect(e.text).toBe(e.seq % 10 === 0 ? `first ${e.seq}` : `second ${e.seq}`);
    expect(await store.getCheckpoint('big')).toBe(2);
    // The first commit's puts were of new ids: sent as inserts (FerretDB's upsert-that-inserts is slow); the second's as guarded updates.
    const count = (command: string) => writes.filter((w) => w.command === command).reduce((sum, w) => sum + w.statements, 0);
    expect(count('insert')).toBeGreaterThanOrEqual(N);
    expect(count('update')).toBeGreaterThanOrEqual(N);
    expect(Math.max(...writes.map((w) => w.statements))).toBeLessThanOrEqual(DEFAULT_MONGO_DOCUMENT_WRITE_SLICE);
  }, 180_000);

  it('reads a few ids by _id equality, side by side, and more than pointLookups by one $in, with the same answer', async () => {
    await store.commit({ writes: [1, 2, 3, 4].map((i) => put(entries, entry(i, 1, `e${i}`))), checkpoints: [] });
    const finds: unknown[] = [];
    const onFind = (event: CommandStartedEvent) => event.commandName === 'find' && finds.push(event.command.filter);
    client.on('commandStarted', onFind);
    try {
      const ids = [1, 2, 3, 9, 2].map((i) => entry(i, 0, '')._id);
      const few = await store.getMany(entries, ids);
      expect([...few.keys()].sort()).toEqual(['big/0001', 'big/0002', 'big/0003']);
      // FerretDB 1.24 reads the whole collection for a $in: four distinct ids, four equality look-ups.
      expect(finds).toEqual(['big/0001', 'big/0002', 'big/0003', 'big/0009'].map((_id) => ({ _id })));

      finds.length = 0;
      const narrow = await MongoDocumentStore.connect(url, [people, entries, handles], { database, pointLookups: 2, clientOptions: { monitorCommands: true } });
      (narrow['client'] as MongoClient).on('commandStarted', onFind);
      try {
        const many = await narrow.getMany(entries, ids);
        expect(new Map([...many].sort())).toEqual(new Map([...few].sort()));
        expect(finds).toEqual([{ _id: { $in: ['big/0001', 'big/0002', 'big/0003', 'big/0009'] } }]);
      } finally {
        await narrow.close();
      }
    } finally {
      client.off('commandStarted', onFind);
    }
  });

  it('drops the collections of an earlier layout on connect, never a declared one', async () => {
    await client.db(database).collection('old_layout').insertOne({ _id: 'ada' as never, name: 'Ada Lovelace' });
    const again = await MongoDocumentStore.connect(url, [people, entries, handles], { database, dropCollections: ['old_layout', 'never_there'] });
    await again.close();
    const names = (await client.db(database).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain('old_layout');
    expect(names).toEqual(expect.arrayContaining([people.name, entries.name, handles.name]));
    await expect(MongoDocumentStore.connect(url, [people], { database, dropCollections: [people.name] })).rejects.toBeInstanceOf(UnknownCollectionError);
    expect(await store.get(people, 'nobody')).toBeUndefined();
  });

  it('after a commit stops between writes, keeps the earlier ones, none after, the checkpoint in place; the replay completes it', async () => {
    await store.commit({ writes: [put(handles, { _id: 'h1', revision: 0, handle: 'taken' })], checkpoints: [{ name: 'c', position: 1 }] });
    const before = Array.from({ length: 30 }, (_, i) => put(entries, entry(i, 1, 'landed')));
    const after = [put(people, { _id: 'later', revision: 1 })];
    // The unique index stops this commit at its third write, as a crash there would.
    await expect(
      store.commit({
        writes: [...before, put(handles, { _id: 'h2', revision: 0, handle: 'taken' }), ...after],
        checkpoints: [{ name: 'c', position: 2 }],
      }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await store.getMany(entries, before.map((w) => w.document._id))).size).toBe(30);
    expect(await store.get(people, 'later')).toBeUndefined();
    expect(await store.getCheckpoint('c')).toBe(1);
    // The replay (the batch again, with the cause gone) converges; rewriting what landed is harmless.
    await store.commit({
      writes: [...before, put(handles, { _id: 'h2', revision: 0, handle: 'free' }), ...after],
      checkpoints: [{ name: 'c', position: 2 }],
    });
    expect((await store.getMany(entries, before.map((w) => w.document._id))).size).toBe(30);
    expect((await store.get(people, 'later'))?.revision).toBe(1);
    expect(await store.getCheckpoint('c')).toBe(2);
  }, 60_000);
});
