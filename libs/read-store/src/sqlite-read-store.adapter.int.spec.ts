import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeReadStoreContract } from './testing';
import { SqliteReadStore } from './sqlite-read-store.adapter';

describeReadStoreContract('embedded SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-read-'));
  return {
    store: SqliteReadStore.open(path.join(dir, 'read-models.sqlite')),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
