// One contract for every KeyStore adapter: what the vault relies on.
import type { KeyStore } from '../personal-data/key-store.port';

export interface KeyStoreFixture {
  readonly store: KeyStore;
  cleanup?(): Promise<void>;
}

export function describeKeyStoreContract(name: string, open: () => Promise<KeyStoreFixture>, describeFn: jest.Describe = describe): void {
  describeFn(`KeyStore contract: ${name}`, () => {
    let fixture: KeyStoreFixture;
    let store: KeyStore;

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterEach(async () => {
      await store.close();
      await fixture.cleanup?.();
    });

    it('creates a 256-bit key on first use and returns the same key after', async () => {
      const first = await store.activeKey('c-1');
      expect(first.key).toHaveLength(32);
      expect(first.keyId).toMatch(/^[0-9a-f-]{36}$/);
      const again = await store.activeKey('c-1');
      expect(again.keyId).toBe(first.keyId);
      expect(again.key.equals(first.key)).toBe(true);
    });

    it('gives each customer a key of its own', async () => {
      const a = await store.activeKey('c-1');
      const b = await store.activeKey('c-2');
      expect(a.keyId).not.toBe(b.keyId);
      expect(a.key.equals(b.key)).toBe(false);
    });

    it('finds live keys by id and leaves unknown ids out', async () => {
      const a = await store.activeKey('c-1');
      const b = await store.activeKey('c-2');
      const found = await store.findKeys([a.keyId, b.keyId, a.keyId, '00000000-0000-4000-8000-000000000000']);
      expect([...found.keys()].sort()).toEqual([a.keyId, b.keyId].sort());
      expect(found.get(a.keyId)!.equals(a.key)).toBe(true);
      expect(await store.findKeys([])).toEqual(new Map());
    });

    it('finds many keys at once as it finds a few (an adapter may ask for them differently)', async () => {
      const keys = [];
      for (let i = 0; i < 50; i++) keys.push(await store.activeKey(`many-${i}`));
      const found = await store.findKeys([...keys.map((k) => k.keyId), '00000000-0000-4000-8000-000000000000']);
      expect(found.size).toBe(50);
      expect(keys.every((k) => found.get(k.keyId)!.equals(k.key))).toBe(true);
    });

    it('destroys every key of one customer and no other, then issues a fresh key', async () => {
      const a = await store.activeKey('c-1');
      const b = await store.activeKey('c-2');
      expect(await store.destroyKeys('c-1')).toBe(1);
      expect([...(await store.findKeys([a.keyId, b.keyId])).keys()]).toEqual([b.keyId]);
      expect(await store.destroyKeys('c-1')).toBe(0);
      const fresh = await store.activeKey('c-1');
      expect(fresh.keyId).not.toBe(a.keyId);
      expect(fresh.key.equals(a.key)).toBe(false);
    });

    it('keys are made for a revision: after an erasure only a key made after it seals, and the older one still opens', async () => {
      const before = await store.activeKey('c-1', { revision: 0, since: -1 });
      expect((await store.activeKey('c-1', { revision: 3, since: -1 })).keyId).toBe(before.keyId);
      // An erasure at revision 4: the next events land at 5 and must not use the key it is to destroy.
      const after = await store.activeKey('c-1', { revision: 5, since: 5 });
      expect(after.keyId).not.toBe(before.keyId);
      expect((await store.activeKey('c-1', { revision: 9, since: 5 })).keyId).toBe(after.keyId);
      expect([...(await store.findKeys([before.keyId, after.keyId])).keys()].sort()).toEqual([before.keyId, after.keyId].sort());
    });

    it('destroys only the keys made up to an erasure, and says whether any is left', async () => {
      const before = await store.activeKey('c-1', { revision: 0, since: -1 });
      const after = await store.activeKey('c-1', { revision: 5, since: 5 });
      const other = await store.activeKey('c-2', { revision: 0, since: -1 });
      expect(await store.holdsKeysThrough('c-1', 4)).toBe(true);
      expect(await store.holdsKeysThrough('c-2', 4)).toBe(true);
      expect(await store.destroyKeys('c-1', 4)).toBe(1);
      expect(await store.holdsKeysThrough('c-1', 4)).toBe(false);
      expect(await store.holdsKeysThrough('c-1', 5)).toBe(true);
      expect([...(await store.findKeys([before.keyId, after.keyId, other.keyId])).keys()].sort()).toEqual([after.keyId, other.keyId].sort());
      expect(await store.destroyKeys('c-1', 4)).toBe(0);
      // A later erasure takes the rest.
      expect(await store.destroyKeys('c-1', 7)).toBe(1);
      expect(await store.holdsKeysThrough('c-1', Number.MAX_SAFE_INTEGER)).toBe(false);
    });

    it('keeps the erasure sweep checkpoint, which never moves back', async () => {
      expect(await store.sweptThrough()).toBeUndefined();
      await store.markSweptThrough(-1);
      expect(await store.sweptThrough()).toBe(-1);
      await store.markSweptThrough(41);
      await store.markSweptThrough(7);
      expect(await store.sweptThrough()).toBe(41);
    });

    it('concurrent first uses leave every key they handed out findable', async () => {
      const keys = await Promise.all(Array.from({ length: 10 }, () => store.activeKey('c-race')));
      const found = await store.findKeys(keys.map((k) => k.keyId));
      for (const k of keys) expect(found.get(k.keyId)?.equals(k.key)).toBe(true);
    });

    it('treats operator-looking ids as plain values', async () => {
      await store.activeKey('c-1');
      expect(await store.findKeys(['{"$gt":""}', '$where'])).toEqual(new Map());
      expect(await store.destroyKeys('{"$ne":"x"}')).toBe(0);
      expect(await store.findKeys([(await store.activeKey('c-1')).keyId])).toHaveProperty('size', 1);
    });
  });
}
