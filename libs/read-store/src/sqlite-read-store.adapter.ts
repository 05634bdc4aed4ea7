// Embedded read store: documents as JSON in a SQLite file of their own, so a
// rebuild can drop it without touching the log. Checkpoints live in the same
// file and commit in the same transaction as the documents they cover.
import Database from 'better-sqlite3';
import { preparePrivateDatabaseFile } from '@rapport/event-store';
import type { CustomerFacts, CustomerView, TimelineEntry } from '@rapport/projections';
import {
  InvalidCursorError,
  type CustomerListQuery,
  type Page,
  type ProjectionBatch,
  type ReadStore,
  type TimelineQuery,
} from './read-store.port';
import { decodeCursor, encodeCursor } from './cursor';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY,
    revision    INTEGER NOT NULL,
    stage       TEXT,
    search      TEXT NOT NULL,
    doc         TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS customers_stage ON customers(stage, customer_id);
  CREATE TABLE IF NOT EXISTS timeline (
    customer_id    TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (customer_id, revision)
  );
  CREATE INDEX IF NOT EXISTS timeline_order ON timeline(customer_id, occurred_at_ms, revision);
  CREATE TABLE IF NOT EXISTS customer_facts (
    customer_id TEXT PRIMARY KEY,
    revision    INTEGER NOT NULL,
    doc         TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS checkpoints (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
  );
`;

export class SqliteReadStore implements ReadStore {
  private closed = false;

  private constructor(private readonly db: Database.Database) {}

  static open(file: string): SqliteReadStore {
    if (file !== ':memory:') preparePrivateDatabaseFile(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // Replaced documents are zeroed, not left in free space: erased personal data must not linger in the file.
    db.pragma('secure_delete = ON');
    db.exec(SCHEMA);
    return new SqliteReadStore(db);
  }

  async getCustomer(customerId: string): Promise<CustomerView | undefined> {
    const row = this.db.prepare('SELECT doc FROM customers WHERE customer_id = ?').get(customerId) as DocRow | undefined;
    return row ? (JSON.parse(row.doc) as CustomerView) : undefined;
  }

  async getCustomers(customerIds: readonly string[]): Promise<Map<string, CustomerView>> {
    return this.docsById<CustomerView>('customers', customerIds);
  }

  async getFacts(customerIds: readonly string[]): Promise<Map<string, CustomerFacts>> {
    return this.docsById<CustomerFacts>('customer_facts', customerIds);
  }

  async *scanFacts(): AsyncIterable<CustomerFacts> {
    // Keyset pages, so a long scan neither holds every document nor a read transaction open.
    let after = '';
    const page = this.db.prepare('SELECT customer_id, doc FROM customer_facts WHERE customer_id > ? ORDER BY customer_id LIMIT 1000');
    for (;;) {
      const rows = page.all(after) as { customer_id: string; doc: string }[];
      if (rows.length === 0) return;
      for (const row of rows) yield JSON.parse(row.doc) as CustomerFacts;
      after = rows[rows.length - 1]!.customer_id;
    }
  }

  private docsById<T>(table: 'customers' | 'customer_facts', ids: readonly string[]): Map<string, T> {
    const found = new Map<string, T>();
    const select = this.db.prepare(`SELECT doc FROM ${table} WHERE customer_id = ?`);
    for (const id of new Set(ids)) {
      const row = select.get(id) as DocRow | undefined;
      if (row) found.set(id, JSON.parse(row.doc) as T);
    }
    return found;
  }

  async listCustomers(query: CustomerListQuery): Promise<Page<CustomerView>> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.stage !== undefined) {
      where.push('stage = ?');
      params.push(query.stage);
    }
    if (query.customerIds !== undefined) {
      where.push('customer_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(query.customerIds));
    }
    if (query.q !== undefined && query.q !== '') {
      // instr, not LIKE: the search text is a plain value, never a pattern.
      where.push('instr(search, ?) > 0');
      params.push(query.q.toLowerCase());
    }
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      if (typeof after.id !== 'string') throw new InvalidCursorError();
      where.push('customer_id > ?');
      params.push(after.id);
    }
    const sql = `SELECT doc FROM customers ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY customer_id LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, query.limit + 1) as DocRow[];
    const items = rows.slice(0, query.limit).map((r) => JSON.parse(r.doc) as CustomerView);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ id: last.customerId }) : null };
  }

  async getTimeline(customerId: string, query: TimelineQuery): Promise<Page<TimelineEntry>> {
    const params: (string | number)[] = [customerId];
    let after = '';
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      if (typeof c.t !== 'number' || typeof c.r !== 'number') throw new InvalidCursorError();
      after = 'AND (occurred_at_ms > ? OR (occurred_at_ms = ? AND revision > ?))';
      params.push(c.t, c.t, c.r);
    }
    const rows = this.db
      .prepare(
        `SELECT doc FROM timeline WHERE customer_id = ? ${after}
         ORDER BY occurred_at_ms, revision LIMIT ?`,
      )
      .all(...params, query.limit + 1) as DocRow[];
    const items = rows.slice(0, query.limit).map((r) => JSON.parse(r.doc) as TimelineEntry);
    const last = items[items.length - 1];
    const more = rows.length > query.limit && last;
    return { items, nextCursor: more ? encodeCursor({ t: last.occurredAtMs, r: last.revision }) : null };
  }

  async commit(batch: ProjectionBatch): Promise<void> {
    this.commitTx(batch);
    // The write-ahead log still holds the old page images until a checkpoint empties it.
    if (batch.erasedCustomers?.length) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  private readonly commitTx = (batch: ProjectionBatch): void => {
    const upsertCustomer = this.db.prepare(
      `INSERT INTO customers (customer_id, revision, stage, search, doc) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(customer_id) DO UPDATE SET revision = excluded.revision, stage = excluded.stage,
         search = excluded.search, doc = excluded.doc
       WHERE excluded.revision >= customers.revision`,
    );
    const upsertEntry = this.db.prepare(
      `INSERT INTO timeline (customer_id, revision, occurred_at_ms, doc) VALUES (?, ?, ?, ?)
       ON CONFLICT(customer_id, revision) DO UPDATE SET occurred_at_ms = excluded.occurred_at_ms, doc = excluded.doc`,
    );
    const upsertFacts = this.db.prepare(
      `INSERT INTO customer_facts (customer_id, revision, doc) VALUES (?, ?, ?)
       ON CONFLICT(customer_id) DO UPDATE SET revision = excluded.revision, doc = excluded.doc
       WHERE excluded.revision >= customer_facts.revision`,
    );
    const saveCheckpoint = this.db.prepare(
      `INSERT INTO checkpoints (name, position) VALUES (?, ?)
       ON CONFLICT(name) DO UPDATE SET position = max(position, excluded.position)`,
    );
    this.db.transaction(() => {
      for (const view of batch.customers) {
        upsertCustomer.run(view.customerId, view.revision, view.stage, searchText(view), JSON.stringify(view));
      }
      for (const facts of batch.facts) upsertFacts.run(facts.customerId, facts.revision, JSON.stringify(facts));
      for (const entry of batch.timeline) {
        upsertEntry.run(entry.customerId, entry.revision, entry.occurredAtMs, JSON.stringify(entry));
      }
      for (const checkpoint of [batch.checkpoint, ...(batch.alsoAdvance ?? [])]) saveCheckpoint.run(checkpoint.name, checkpoint.position);
    })();
  };

  async getCheckpoint(name: string): Promise<number> {
    const row = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?').get(name) as
      | { position: number }
      | undefined;
    return row?.position ?? -1;
  }

  async reset(): Promise<void> {
    this.db.exec('DELETE FROM customers; DELETE FROM timeline; DELETE FROM customer_facts; DELETE FROM checkpoints;');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

interface DocRow {
  doc: string;
}

function searchText(view: CustomerView): string {
  return [view.customerId, view.name ?? '', view.email ?? ''].join('\n').toLowerCase();
}
