// Tampering with the SQLite log's rows directly. The table refuses UPDATE and
// DELETE through triggers, so each change drops them, edits, and puts them back,
// all in one transaction: what an attacker with the file could do.
import {
  APPEND_ONLY_TRIGGERS_SQL,
  DROP_APPEND_ONLY_TRIGGERS_SQL,
  type SqliteEventStore,
} from '../sqlite-event-store.adapter';
import type { Tamperer } from '@rapport/event-store/testing';

export function sqliteTamperer(store: SqliteEventStore): Tamperer {
  const db = store.rawDatabase();

  const bypassingTriggers = (change: () => void): void => {
    db.transaction(() => {
      db.exec(DROP_APPEND_ONLY_TRIGGERS_SQL);
      change();
      db.exec(APPEND_ONLY_TRIGGERS_SQL);
    }).immediate();
  };

  const expectOneRow = (changes: number, customerId: string, revision: number): void => {
    if (changes !== 1) throw new Error(`tamper: no event at ${customerId}@${revision}`);
  };

  return {
    async updateData(customerId, revision, data) {
      bypassingTriggers(() => {
        const { changes } = db
          .prepare('UPDATE events SET data = ? WHERE customer_id = ? AND revision = ?')
          .run(JSON.stringify(data), customerId, revision);
        expectOneRow(changes, customerId, revision);
      });
    },

    async deleteEvent(customerId, revision) {
      bypassingTriggers(() => {
        const { changes } = db.prepare('DELETE FROM events WHERE customer_id = ? AND revision = ?').run(customerId, revision);
        expectOneRow(changes, customerId, revision);
      });
    },

    async swap(customerId, revisionA, revisionB) {
      bypassingTriggers(() => {
        // UNIQUE(customer_id, revision) is checked row by row, so park A on a free revision first.
        const { parked } = db
          .prepare<[string], { parked: number }>('SELECT MAX(revision) + 1 AS parked FROM events WHERE customer_id = ?')
          .get(customerId) ?? { parked: 0 };
        const move = db.prepare('UPDATE events SET revision = ? WHERE customer_id = ? AND revision = ?');
        expectOneRow(move.run(parked, customerId, revisionA).changes, customerId, revisionA);
        expectOneRow(move.run(revisionA, customerId, revisionB).changes, customerId, revisionB);
        move.run(revisionB, customerId, parked);
      });
    },

    async setSchemaVersion(customerId, revision, version) {
      bypassingTriggers(() => {
        const { changes } = db
          .prepare('UPDATE events SET schema_version = ? WHERE customer_id = ? AND revision = ?')
          .run(version ?? 1, customerId, revision);
        expectOneRow(changes, customerId, revision);
      });
    },

    async setHash(customerId, revision, hash) {
      bypassingTriggers(() => {
        const { changes } = db.prepare('UPDATE events SET hash = ? WHERE customer_id = ? AND revision = ?').run(hash, customerId, revision);
        expectOneRow(changes, customerId, revision);
      });
    },
  };
}
