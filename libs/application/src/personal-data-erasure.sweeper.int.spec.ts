// Erasure when the key store fails after personal_data_erased is recorded, on
// both key stores (SQLite embedded, MongoDB distributed): the outcome says
// pending, the sweep finishes it, and personal data recorded meanwhile keeps
// its (newer) key.
import { randomUUID } from 'node:crypto';
import { describeWithInfra } from '@rapport/config/testing';
import { PersonalDataVault, SealingEventStore, type EventStore, type KeyStore } from '@rapport/event-store';
import { SqliteEventStore, SqliteKeyStore } from '@rapport/event-store-sqlite';
import type { KeyStoreFixture } from '@rapport/event-store/testing';
import { openMongoKeyStoreFixture } from '@rapport/key-store-mongo/testing';
import { CustomerCommands } from './customer-commands.service';
import { PersonalDataErasure } from './personal-data-erasure.service';
import { ErasureSweeper } from './personal-data-erasure.sweeper';

/** A key store whose destruction fails while `failing` is set, as a locked or unreachable one does. */
function failingDestruction(store: KeyStore): KeyStore & { failing: boolean } {
  const wrapper = Object.create(store) as KeyStore & { failing: boolean };
  wrapper.failing = false;
  wrapper.destroyKeys = (customerId, throughRevision) =>
    wrapper.failing ? Promise.reject(new Error('database is locked')) : store.destroyKeys(customerId, throughRevision);
  return wrapper;
}

const clock = { now: () => new Date() };
const ids = { next: () => randomUUID() };

function describeErasureSweep(name: string, open: () => Promise<KeyStoreFixture>, describeFn: jest.Describe = describe): void {
  describeFn(`pending erasures on the ${name} key store`, () => {
    let fixture: KeyStoreFixture;
    let keys: KeyStore & { failing: boolean };
    let log: EventStore;
    let store: SealingEventStore;
    let commands: CustomerCommands;
    let erasure: PersonalDataErasure;
    let sweeper: ErasureSweeper;
    let reported: { customerId: string; revision: number }[];

    beforeEach(async () => {
      fixture = await open();
      keys = failingDestruction(fixture.store);
      log = SqliteEventStore.open(':memory:');
      const vault = new PersonalDataVault(keys);
      store = new SealingEventStore(log, vault);
      commands = new CustomerCommands(store, clock, ids);
      reported = [];
      erasure = new PersonalDataErasure(commands, vault, clock, { onPending: (customerId, revision) => reported.push({ customerId, revision }) });
      sweeper = new ErasureSweeper(log, keys, { pageSize: 2 });
    });
    afterEach(async () => {
      await sweeper.stop();
      await log.close();
      await fixture.store.close();
      await fixture.cleanup?.();
    });

    const identify = (customerId: string, data: Record<string, unknown>) =>
      commands.record({ customerId, type: 'identified', data, occurredAt: '2026-03-01T09:00:00Z' });
    const identities = async (customerId: string) =>
      (await store.readStream(customerId)).filter((e) => e.type === 'identified').map((e) => e.data);

    it('answers pending when the keys cannot be destroyed, and the sweep destroys them once they can', async () => {
      await identify('c-1', { name: 'Ada', email: 'ada@example.org' });
      await identify('c-2', { name: 'Grace' });
      keys.failing = true;
      const outcome = await erasure.erase('c-1');
      expect(outcome).toMatchObject({ status: 'recorded', revision: 1, keysDestroyed: 0, pending: true });
      expect(reported).toEqual([{ customerId: 'c-1', revision: 1 }]);
      expect(await keys.holdsKeysThrough('c-1', 1)).toBe(true);
      expect(await identities('c-1')).toEqual([{ name: 'Ada', email: 'ada@example.org' }]);

      await expect(sweeper.sweep()).rejects.toThrow('database is locked');
      expect(await keys.holdsKeysThrough('c-1', 1)).toBe(true);
      // The checkpoint stays before the unfinished erasure (pages of two: it got past the first page).
      const erasedAt = outcome.status === 'recorded' ? outcome.events[0]!.position : NaN;
      expect(await keys.sweptThrough()).toBe(erasedAt - 1);

      keys.failing = false;
      expect(await sweeper.sweep()).toMatchObject({ finished: 1, keysDestroyed: 1 });
      expect(await keys.holdsKeysThrough('c-1', 1)).toBe(false);
      expect(await identities('c-1')).toEqual([{}]);
      expect(await identities('c-2')).toEqual([{ name: 'Grace' }]);
      // The checkpoint moved past it: the next sweep reads nothing.
      expect(await keys.sweptThrough()).toBe(await log.headPosition());
      expect(await sweeper.sweep()).toMatchObject({ finished: 0, keysDestroyed: 0 });
    });

    it('keeps the key of personal data recorded while the erasure is pending', async () => {
      await identify('c-1', { name: 'Ada', email: 'ada@example.org' });
      keys.failing = true;
      expect(await erasure.erase('c-1')).toMatchObject({ revision: 1, pending: true });
      keys.failing = false;
      expect(await identify('c-1', { email: 'ada.new@example.org' })).toMatchObject({ status: 'recorded', revision: 2 });

      expect(await sweeper.sweep()).toMatchObject({ finished: 1, keysDestroyed: 1 });
      expect(await identities('c-1')).toEqual([{}, { email: 'ada.new@example.org' }]);
      // A later erasure takes the newer key too.
      expect(await erasure.erase('c-1')).toMatchObject({ status: 'recorded', revision: 3, keysDestroyed: 1 });
      expect(await identities('c-1')).toEqual([{}, {}]);
    });

    it('asking again finishes a pending erasure without recording another', async () => {
      await identify('c-1', { name: 'Ada' });
      keys.failing = true;
      expect(await erasure.erase('c-1')).toMatchObject({ status: 'recorded', pending: true });
      expect(await erasure.erase('c-1')).toMatchObject({ status: 'duplicate', revision: 1, pending: true });
      keys.failing = false;
      const again = await erasure.erase('c-1');
      expect(again).toMatchObject({ status: 'duplicate', revision: 1, keysDestroyed: 1 });
      expect(again).not.toHaveProperty('pending');
      expect(await log.readStream('c-1')).toHaveLength(2);
    });

    it('starts at the log head on a key store that was never swept, and sweeps at start', async () => {
      await identify('c-1', { name: 'Ada' });
      expect(await keys.sweptThrough()).toBeUndefined();
      await sweeper.start();
      expect(await keys.sweptThrough()).toBe(await log.headPosition());
      // The sweep start began has nothing to do.
      expect(await sweeper.sweep()).toMatchObject({ finished: 0 });

      keys.failing = true;
      expect(await erasure.erase('c-1')).toMatchObject({ pending: true });
      keys.failing = false;
      await sweeper.stop();
      // A restart: the sweep at start finishes what the previous process left pending.
      const restarted = new ErasureSweeper(log, keys, { intervalMs: 3_600_000 });
      await restarted.start();
      for (let i = 0; i < 50 && (await keys.holdsKeysThrough('c-1', 1)); i++) await new Promise((r) => setTimeout(r, 20));
      await restarted.stop();
      expect(await keys.holdsKeysThrough('c-1', 1)).toBe(false);
      expect(await identities('c-1')).toEqual([{}]);
    });
  });
}

describeErasureSweep('SQLite', async () => ({ store: SqliteKeyStore.open(':memory:') }));
describeErasureSweep('MongoDB (FerretDB)', () => openMongoKeyStoreFixture(), describeWithInfra('mongo'));
