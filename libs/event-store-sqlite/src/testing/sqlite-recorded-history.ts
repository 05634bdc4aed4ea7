// Puts recorded events into a SQLite log exactly as another log recorded them
// (revisions, positions, recordedAt, schema version, hashes): how tests load a
// committed history, such as one written by an older build, without the
// adapter re-deciding or re-hashing anything.
import type { RecordedEvent } from '@rapport/event-store';
import type { SqliteEventStore } from '../sqlite-event-store.adapter';

export function writeRecordedHistory(store: SqliteEventStore, events: readonly RecordedEvent[]): void {
  const db = store.rawDatabase();
  const insert = db.prepare(
    `INSERT INTO events (position, customer_id, revision, event_id, type, occurred_at, recorded_at, schema_version, data, metadata, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const e of events) {
      insert.run(e.position, e.customerId, e.revision, e.eventId, e.type, e.occurredAt, e.recordedAt, e.schemaVersion ?? 1, JSON.stringify(e.data), JSON.stringify(e.metadata), e.hash);
    }
  }).immediate();
}
