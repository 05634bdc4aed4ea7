// Embedded key store: a SQLite file of its own, beside the log, so the log can
// be copied or backed up without the keys. secure_delete and a truncating WAL
// checkpoint after each destruction make sure no copy of a destroyed key stays
// in the file's free pages or its write-ahead log.
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { KEY_BYTES, type CustomerKey, type KeyStore, type KeyUse } from '@rapport/event-store';
import { preparePrivateDatabaseFile } from './private-file';
import { SqliteGroupCommit } from './sqlite-group-commit';
import { asStorageFull } from './storage-full';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS personal_data_keys (
  key_id        TEXT PRIMARY KEY,
  customer_id   TEXT NOT NULL,
  key           BLOB NOT NULL,
  created_at    TEXT NOT NULL,
  from_revision INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS erasure_sweep (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  position INTEGER NOT NULL
) STRICT;
`;
// Keys of a file from before keys were made for a revision count as made before any erasure.
const ADD_FROM_REVISION = 'ALTER TABLE personal_data_keys ADD COLUMN from_revision INTEGER NOT NULL DEFAULT -1';
const INDEXES = `
DROP INDEX IF EXISTS personal_data_keys_customer;
CREATE INDEX IF NOT EXISTS personal_data_keys_customer_revision ON personal_data_keys(customer_id, from_revision);
`;

export class SqliteKeyStore implements KeyStore {
  private closed = false;
  /** New customers of one event-loop turn get their keys in one transaction and fsync. */
  private readonly commits: SqliteGroupCommit;
  private readonly latest: Database.Statement<[string, number], { key_id: string; key: Buffer }>;
  private readonly byKeyIds: Database.Statement<[string], { key_id: string; key: Buffer }>;
  private readonly insert: Database.Statement<[string, string, Buffer, string, number]>;

  private constructor(private readonly db: Database.Database) {
    this.commits = new SqliteGroupCommit(db);
    this.latest = db.prepare(
      'SELECT key_id, key FROM personal_data_keys WHERE customer_id = ? AND from_revision >= ? ORDER BY from_revision DESC, created_at DESC, key_id LIMIT 1',
    );
    this.insert = db.prepare('INSERT INTO personal_data_keys (key_id, customer_id, key, created_at, from_revision) VALUES (?, ?, ?, ?, ?)');
    this.byKeyIds = db.prepare('SELECT key_id, key FROM personal_data_keys WHERE key_id IN (SELECT value FROM json_each(?))');
  }

  static open(file: string): SqliteKeyStore {
    if (file !== ':memory:') preparePrivateDatabaseFile(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('secure_delete = ON');
    db.exec(SCHEMA);
    const columns = db.prepare('PRAGMA table_info(personal_data_keys)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'from_revision')) db.exec(ADD_FROM_REVISION);
    db.exec(INDEXES);
    return new SqliteKeyStore(db);
  }

  async activeKey(customerId: string, use: KeyUse = { revision: 0, since: -1 }): Promise<CustomerKey> {
    const known = this.latest.get(customerId, use.since);
    if (known) return { keyId: known.key_id, key: known.key };
    // Looked up again inside the write lock: two writers asking at once for a new customer agree on one key.
    return this.commits.run((): CustomerKey => {
      const row = this.latest.get(customerId, use.since);
      if (row) return { keyId: row.key_id, key: row.key };
      const created = { keyId: randomUUID(), key: randomBytes(KEY_BYTES) };
      this.insert.run(created.keyId, customerId, created.key, new Date().toISOString(), Math.max(use.revision, use.since));
      return created;
      // A look-up, then one INSERT.
    }, { atomic: true });
  }

  async findKeys(keyIds: readonly string[]): Promise<Map<string, Buffer>> {
    // One statement for the whole batch of ids (a page of events names hundreds of customers' keys).
    if (keyIds.length === 0) return new Map();
    return new Map(this.byKeyIds.all(JSON.stringify([...new Set(keyIds)])).map((row) => [row.key_id, row.key]));
  }

  async destroyKeys(customerId: string, throughRevision = Number.MAX_SAFE_INTEGER): Promise<number> {
    let changes: number;
    try {
      ({ changes } = this.db.prepare('DELETE FROM personal_data_keys WHERE customer_id = ? AND from_revision <= ?').run(customerId, throughRevision));
    } catch (error) {
      // Even a deletion needs room in the WAL.
      throw asStorageFull(error, this.db.name);
    }
    // Moves the deletion into the main file (zeroed there by secure_delete) and empties the WAL.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return changes;
  }

  async holdsKeysThrough(customerId: string, throughRevision: number): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM personal_data_keys WHERE customer_id = ? AND from_revision <= ? LIMIT 1').get(customerId, throughRevision) !== undefined;
  }

  async sweptThrough(): Promise<number | undefined> {
    return (this.db.prepare('SELECT position FROM erasure_sweep WHERE id = 1').get() as { position: number } | undefined)?.position;
  }

  async markSweptThrough(position: number): Promise<void> {
    this.db
      .prepare('INSERT INTO erasure_sweep (id, position) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET position = max(position, excluded.position)')
      .run(position);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.commits.close();
    this.closed = true;
    this.db.close();
  }
}
