// One contract for every SnapshotStore adapter: what CustomerCommands relies on.
import type { SnapshotStore, StreamSnapshot } from '../snapshots/snapshot-store.port';

export interface SnapshotStoreFixture {
  readonly store: SnapshotStore;
  /** The same snapshots through a new instance (a restart); absent for a store that keeps them in memory only. */
  reopen?(): Promise<SnapshotStore>;
  cleanup?(): Promise<void>;
}

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function snapshot(revision: number, state: unknown, eventHash = HASH_A): StreamSnapshot {
  return { revision, eventHash, state };
}

/** `durable`: the adapter keeps snapshots across a restart (its fixture can reopen them). */
export function describeSnapshotStoreContract(name: string, open: () => Promise<SnapshotStoreFixture>, options: { readonly durable: boolean }): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let fixture: SnapshotStoreFixture;
    let store: SnapshotStore;

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterEach(async () => {
      await store.close();
      await fixture.cleanup?.();
    });

    it('has no snapshot of a stream never saved', async () => {
      await expect(store.latest('c-1', 'customer/1')).resolves.toBeUndefined();
    });

    it('gives back what was saved, as JSON reads it', async () => {
      const state = { version: 3, stage: 'nurture', orders: { 'o-1': { amount: 4999, currency: 'EUR' } }, churns: [], lastErasure: null, score: 0.5 };
      await store.save('c-1', 'customer/1', snapshot(2, state));
      await expect(store.latest('c-1', 'customer/1')).resolves.toEqual(snapshot(2, state));
    });

    it('keeps the highest revision: an older or equal one saved later changes nothing', async () => {
      await store.save('c-1', 'customer/1', snapshot(999, { at: 999 }, HASH_B));
      await store.save('c-1', 'customer/1', snapshot(499, { at: 499 }));
      await store.save('c-1', 'customer/1', snapshot(999, { at: 'other' }));
      await expect(store.latest('c-1', 'customer/1')).resolves.toEqual(snapshot(999, { at: 999 }, HASH_B));
      await store.save('c-1', 'customer/1', snapshot(1499, { at: 1499 }));
      await expect(store.latest('c-1', 'customer/1')).resolves.toEqual(snapshot(1499, { at: 1499 }));
    });

    it('keeps streams and schemas apart: a snapshot taken under another schema is never given', async () => {
      await store.save('c-1', 'customer/1', snapshot(10, { v: 1 }));
      await store.save('c-1', 'customer/2', snapshot(5, { v: 2 }));
      await store.save('c-2', 'customer/1', snapshot(7, { c: 2 }));
      await expect(store.latest('c-1', 'customer/1')).resolves.toEqual(snapshot(10, { v: 1 }));
      await expect(store.latest('c-1', 'customer/2')).resolves.toEqual(snapshot(5, { v: 2 }));
      await expect(store.latest('c-1', 'customer/3')).resolves.toBeUndefined();
      await expect(store.latest('c-2', 'customer/1')).resolves.toEqual(snapshot(7, { c: 2 }));
    });

    it('gives the latest snapshot of several streams at once, under one schema, leaving out those with none', async () => {
      await store.save('c-1', 'customer/1', snapshot(10, { v: 1 }));
      await store.save('c-1', 'customer/1', snapshot(20, { v: 2 }, HASH_B));
      await store.save('c-2', 'customer/2', snapshot(5, { other: 'schema' }));
      await store.save('c-3', 'customer/1', snapshot(7, { c: 3 }));
      const found = await store.latestOf(['c-1', 'c-2', 'c-3', 'c-4', 'c-1'], 'customer/1');
      expect([...found.keys()].sort()).toEqual(['c-1', 'c-3']);
      expect(found.get('c-1')).toEqual(snapshot(20, { v: 2 }, HASH_B));
      expect(found.get('c-3')).toEqual(snapshot(7, { c: 3 }));
      await expect(store.latestOf([], 'customer/1')).resolves.toEqual(new Map());
    });

    it('refuses a snapshot it could not give back as given', async () => {
      await expect(store.save('c-1', 'customer/1', snapshot(-1, {}))).rejects.toThrow(RangeError);
      await expect(store.save('c-1', 'customer/1', snapshot(1.5, {}))).rejects.toThrow(RangeError);
      await expect(store.save('c-1', 'customer/1', { revision: 1, eventHash: '', state: {} })).rejects.toThrow(TypeError);
      await expect(store.save('c-1', 'customer/1', { revision: 1, eventHash: HASH_A, state: undefined })).rejects.toThrow(TypeError);
      await expect(store.latest('c-1', 'customer/1')).resolves.toBeUndefined();
    });

    if (options.durable) {
      it('keeps snapshots across a restart', async () => {
        if (!fixture.reopen) throw new Error('a durable adapter needs a fixture that reopens it');
        await store.save('c-1', 'customer/1', snapshot(42, { kept: true }));
        await store.close();
        store = await fixture.reopen();
        await expect(store.latest('c-1', 'customer/1')).resolves.toEqual(snapshot(42, { kept: true }));
      });
    }
  });
}
