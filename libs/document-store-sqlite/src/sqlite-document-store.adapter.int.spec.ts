// The contract on a SQLite file (reopened by the reopen tests), and the file's
// hygiene: private mode, and no copy of erased personal data left in the
// database or its write-ahead log.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { put, update } from '@rapport/document-store';
import { describeDocumentStoreContract, people } from '@rapport/document-store/testing';
import { SqliteDocumentStore } from './sqlite-document-store.adapter';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-docs-'));

describeDocumentStoreContract('SQLite file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'data', 'read-models.sqlite');
  return {
    open: async (collections) => SqliteDocumentStore.open(file, collections),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteDocumentStore: the file', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const MARKER = 'Ada-Lovelace-personal-7f3a9c';
  const bytesOf = (file: string) => [file, `${file}-wal`].map((f) => (fs.existsSync(f) ? fs.readFileSync(f).toString('latin1') : '')).join('');

  /** Writes a document with personal data, then redacts it; returns whether the files still hold the data. */
  async function redact(file: string, erasesPersonalData: boolean): Promise<boolean> {
    const store = SqliteDocumentStore.open(file, [people]);
    try {
      await store.commit({ writes: [put(people, { _id: 'ada', revision: 1, name: MARKER, email: `${MARKER}@example.com` })], checkpoints: [] });
      expect(bytesOf(file)).toContain(MARKER);
      await store.commit({
        writes: [update(people, [{ field: '_id', eq: 'ada' }], (p) => ({ ...p, name: null, email: undefined }))],
        checkpoints: [{ name: 'c', position: 2 }],
        erasesPersonalData,
      });
      expect(await store.get(people, 'ada')).toEqual({ _id: 'ada', revision: 1, name: null });
      // Read while the store is open: closing would checkpoint the log anyway.
      return bytesOf(file).includes(MARKER);
    } finally {
      await store.close();
    }
  }

  it('leaves no copy of erased personal data in the database or its write-ahead log', async () => {
    expect(await redact(path.join(dir, 'erasing.sqlite'), true)).toBe(false);
    // The same without the flag: the old page still sits in the log, so the check above can see one.
    expect(await redact(path.join(dir, 'plain.sqlite'), false)).toBe(true);
  });

  it('creates its file readable by its owner only', async () => {
    const file = path.join(dir, 'nested', 'read-models.sqlite');
    const store = SqliteDocumentStore.open(file, [people]);
    await store.commit({ writes: [put(people, { _id: 'x', revision: 0 })], checkpoints: [] });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    await store.close();
  });
});
