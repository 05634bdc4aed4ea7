import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeSnapshotStoreContract } from '@rapport/event-store/testing';
import { SqliteSnapshotStore } from './sqlite-snapshot-store.adapter';

describeSnapshotStoreContract(
  'SQLite file',
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-snapshots-'));
    const file = path.join(dir, 'snapshots.sqlite');
    return { store: SqliteSnapshotStore.open(file), reopen: async () => SqliteSnapshotStore.open(file), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  { durable: true },
);
describeSnapshotStoreContract('SQLite :memory:', async () => ({ store: SqliteSnapshotStore.open(':memory:') }), { durable: false });
