import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeKeyStoreContract } from '../testing/key-store.contract';
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
