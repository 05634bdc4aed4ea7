// Embedded key store: a SQLite file of its own, beside the log, so the log can
// be copied or backed up without the keys. secure_delete and a truncating WAL
// checkpoint after each destruction make sure no copy of a destroyed key stays
// in the file's free pages or its write-ahead log.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteGroupCommit } from '../sqlite-group-commit';
import { KEY_BYTES, type CustomerKey, type KeyStore } from './key-store.port';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS personal_data_keys (
  key_id      TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  key         BLOB NOT NULL,
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS personal_data_keys_customer ON personal_data_keys(customer_id);
`;

export class SqliteKeyStore implements KeyStore {
  private closed = false;
  /** New customers of one event-loop turn get their keys in one transaction and fsync. */
  private readonly commits: SqliteGroupCommit;
  private readonly latest: Database.Statement<[string], { key_id: string; key: Buffer }>;

  private constructor(private readonly db: Database.Database) {
    this.commits = new SqliteGroupCommit(db);
    this.latest = db.prepare('SELECT key_id, key FROM personal_data_keys WHERE customer_id = ? ORDER BY created_at DESC, key_id LIMIT 1');
  }

  static open(file: string): SqliteKeyStore {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('secure_delete = ON');
    db.exec(SCHEMA);
    return new SqliteKeyStore(db);
  }

  async activeKey(customerId: string): Promise<CustomerKey> {
    const known = this.latest.get(customerId);
    if (known) return { keyId: known.key_id, key: known.key };
    // Looked up again inside the write lock: two writers asking at once for a new customer agree on one key.
    return this.commits.run((): CustomerKey => {
      const row = this.latest.get(customerId);
      if (row) return { keyId: row.key_id, key: row.key };
      const created = { keyId: randomUUID(), key: randomBytes(KEY_BYTES) };
      this.db
        .prepare('INSERT INTO personal_data_keys (key_id, customer_id, key, created_at) VALUES (?, ?, ?, ?)')
        .run(created.keyId, customerId, created.key, new Date().toISOString());
      return created;
    });
  }

  async findKeys(keyIds: readonly string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const unique = [...new Set(keyIds)];
    const select = this.db.prepare('SELECT key_id, key FROM personal_data_keys WHERE key_id = ?');
    for (const keyId of unique) {
      const row = select.get(keyId) as { key_id: string; key: Buffer } | undefined;
      if (row) found.set(row.key_id, row.key);
    }
    return found;
  }

  async destroyKeys(customerId: string): Promise<number> {
    const { changes } = this.db.prepare('DELETE FROM personal_data_keys WHERE customer_id = ?').run(customerId);
    // Moves the deletion into the main file (zeroed there by secure_delete) and empties the WAL.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return changes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.commits.close();
    this.closed = true;
    this.db.close();
  }
}
