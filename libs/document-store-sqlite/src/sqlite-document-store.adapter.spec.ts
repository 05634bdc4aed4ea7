// The contract on an in-memory database, plus what only a transaction gives:
// a batch that fails half-way leaves nothing behind.
import { DuplicateKeyError, put, update } from '@rapport/document-store';
import { describeDocumentStoreContract, entries, handles, people } from '@rapport/document-store/testing';
import { SqliteDocumentStore } from './sqlite-document-store.adapter';

describeDocumentStoreContract(
  'SQLite :memory:',
  async () => ({ open: async (collections) => SqliteDocumentStore.open(':memory:', collections) }),
  // Each open of :memory: is a new, empty database.
  { reopenable: false },
);

describe('SqliteDocumentStore: one transaction per batch', () => {
  let store: SqliteDocumentStore;
  beforeEach(() => {
    store = SqliteDocumentStore.open(':memory:', [people, entries, handles]);
  });
  afterEach(() => store.close());

  it('writes nothing of a batch whose update throws half-way, and moves no checkpoint', async () => {
    await store.commit({ writes: [put(people, { _id: 'kept', revision: 1, name: 'before' })], checkpoints: [{ name: 'c', position: 1 }] });
    const failing = update(people, [{ field: '_id', eq: 'kept' }], () => {
      throw new Error('projection bug');
    });
    await expect(
      store.commit({
        writes: [put(people, { _id: 'new', revision: 0 }), put(people, { _id: 'kept', revision: 2, name: 'after' }), failing],
        checkpoints: [{ name: 'c', position: 2 }],
      }),
    ).rejects.toThrow('projection bug');
    expect(await store.get(people, 'new')).toBeUndefined();
    expect((await store.get(people, 'kept'))?.name).toBe('before');
    expect(await store.getCheckpoint('c')).toBe(1);
  });

  it('writes nothing of a batch that breaks a unique index after other writes', async () => {
    await store.commit({ writes: [put(handles, { _id: 'h1', revision: 0, handle: 'ada' })], checkpoints: [] });
    await expect(
      store.commit({
        writes: [put(people, { _id: 'p', revision: 0 }), put(handles, { _id: 'h2', revision: 0, handle: 'ada' })],
        checkpoints: [{ name: 'c', position: 5 }],
      }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await store.get(people, 'p')).toBeUndefined();
    expect(await store.getCheckpoint('c')).toBe(-1);
  });
});
