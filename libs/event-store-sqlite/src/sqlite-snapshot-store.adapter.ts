// Embedded snapshots: a SQLite file of their own beside the log. They are a
// cache the log can always rebuild, so a commit need not reach the disk before
// it returns (synchronous NORMAL: a crash may lose the last snapshots, never
// corrupt one), and the log's own file and fsyncs stay as they were.
import Database from 'better-sqlite3';
import { assertSnapshot, type SnapshotStore, type StreamSnapshot } from '@rapport/event-store';
import { openPrivateDatabase } from './private-database';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_snapshots (
  stream_id  TEXT    NOT NULL,
  schema     TEXT    NOT NULL,
  revision   INTEGER NOT NULL CHECK (revision >= 0),
  event_hash TEXT    NOT NULL,
  state      TEXT    NOT NULL,
  PRIMARY KEY (stream_id, schema)
) STRICT, WITHOUT ROWID;
`;

interface SnapshotRow {
  stream_id: string;
  revision: number;
  event_hash: string;
  state: string;
}

export class SqliteSnapshotStore implements SnapshotStore {
  private readonly statements: {
    latest: Database.Statement<[string, string], SnapshotRow>;
    latestOf: Database.Statement<[string, string], SnapshotRow>;
    save: Database.Statement<[string, string, number, string, string]>;
  };

  private constructor(private readonly db: Database.Database) {
    this.statements = {
      latest: db.prepare<[string, string], SnapshotRow>('SELECT stream_id, revision, event_hash, state FROM stream_snapshots WHERE stream_id = ? AND schema = ?'),
      latestOf: db.prepare<[string, string], SnapshotRow>(
        'SELECT stream_id, revision, event_hash, state FROM stream_snapshots WHERE stream_id IN (SELECT value FROM json_each(?)) AND schema = ?',
      ),
      // Only a higher revision replaces the one kept.
      save: db.prepare<[string, string, number, string, string]>(
        `INSERT INTO stream_snapshots (stream_id, schema, revision, event_hash, state) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (stream_id, schema) DO UPDATE SET revision = excluded.revision, event_hash = excluded.event_hash, state = excluded.state
         WHERE excluded.revision > stream_snapshots.revision`,
      ),
    };
  }

  static open(file: string): SqliteSnapshotStore {
    return openPrivateDatabase(file, ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000'], (db) => {
      db.exec(SCHEMA);
      return new SqliteSnapshotStore(db);
    });
  }

  async latest(streamId: string, schema: string): Promise<StreamSnapshot | undefined> {
    const row = this.statements.latest.get(String(streamId), String(schema));
    return row && toSnapshot(row);
  }

  async latestOf(streamIds: readonly string[], schema: string): Promise<Map<string, StreamSnapshot>> {
    if (streamIds.length === 0) return new Map();
    const rows = this.statements.latestOf.all(JSON.stringify(streamIds.map(String)), String(schema));
    return new Map(rows.map((row) => [row.stream_id, toSnapshot(row)]));
  }

  async save(streamId: string, schema: string, snapshot: StreamSnapshot): Promise<void> {
    assertSnapshot(snapshot);
    this.statements.save.run(String(streamId), String(schema), snapshot.revision, snapshot.eventHash, JSON.stringify(snapshot.state));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toSnapshot(row: SnapshotRow): StreamSnapshot {
  return { revision: row.revision, eventHash: row.event_hash, state: JSON.parse(row.state) as unknown };
}
