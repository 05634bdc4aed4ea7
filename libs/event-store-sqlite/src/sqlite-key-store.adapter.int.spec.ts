import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { describeKeyStoreContract } from '@rapport/event-store/testing';
import { SqliteKeyStore } from './sqlite-key-store.adapter';

describeKeyStoreContract('SQLite file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-keys-'));
  return { store: SqliteKeyStore.open(path.join(dir, 'keys.sqlite')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
describeKeyStoreContract('SQLite :memory:', async () => ({ store: SqliteKeyStore.open(':memory:') }));

describe('SqliteKeyStore: a destroyed key leaves no copy in its files', () => {
  it('the key bytes are in the files before destruction and nowhere in them after', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-keys-'));
    const store = SqliteKeyStore.open(path.join(dir, 'keys.sqlite'));
    try {
      const keys = await Promise.all(Array.from({ length: 20 }, (_, i) => store.activeKey(`c-${i}`)));
      const target = keys[7]!;
      const filesContain = (bytes: Buffer) => readdirSync(dir).some((f) => readFileSync(path.join(dir, f)).includes(bytes));
      expect(filesContain(target.key)).toBe(true);
      await store.destroyKeys('c-7');
      expect(filesContain(target.key)).toBe(false);
      // the others are untouched
      expect(filesContain(keys[8]!.key)).toBe(true);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteKeyStore: a key file from before keys were made for a revision', () => {
  it('opens, and its keys serve until the first erasure, which destroys them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-keys-'));
    const file = path.join(dir, 'keys.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE personal_data_keys (key_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, key BLOB NOT NULL, created_at TEXT NOT NULL) STRICT;
      CREATE INDEX personal_data_keys_customer ON personal_data_keys(customer_id);
    `);
    const legacy = { keyId: '00000000-0000-4000-8000-000000000001', key: Buffer.alloc(32, 7) };
    old.prepare('INSERT INTO personal_data_keys VALUES (?, ?, ?, ?)').run(legacy.keyId, 'c-old', legacy.key, '2026-01-01T00:00:00.000Z');
    old.close();

    const store = SqliteKeyStore.open(file);
    try {
      expect((await store.findKeys([legacy.keyId])).get(legacy.keyId)?.equals(legacy.key)).toBe(true);
      expect((await store.activeKey('c-old', { revision: 4, since: -1 })).keyId).toBe(legacy.keyId);
      expect(await store.holdsKeysThrough('c-old', 1)).toBe(true);
      const fresh = await store.activeKey('c-old', { revision: 6, since: 6 });
      expect(fresh.keyId).not.toBe(legacy.keyId);
      expect(await store.destroyKeys('c-old', 5)).toBe(1);
      expect([...(await store.findKeys([legacy.keyId, fresh.keyId])).keys()]).toEqual([fresh.keyId]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
