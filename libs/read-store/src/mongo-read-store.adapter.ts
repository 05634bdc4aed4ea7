// MongoDB read store (distributed mode). Runs on MongoDB and on FerretDB, so it
// keeps to what both support: no multi-document transactions, no aggregation
// stages beyond find/sort/limit. Idempotence comes from revision guards instead
// of transactions: documents are written first, only ever forward, then the
// checkpoint moves forward with $max, so a crash in between is repaired by the
// replay that follows.
import { MongoClient, MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db, type Filter } from 'mongodb';
import type { CustomerFacts, CustomerView, TimelineEntry } from '@rapport/projections';
import { decodeCursor, encodeCursor } from './cursor';
import {
  InvalidCursorError,
  type CustomerListQuery,
  type Page,
  type ProjectionBatch,
  type ReadStore,
  type TimelineQuery,
} from './read-store.port';

/**
 * Documents are kept as JSON text beside the few fields queries filter on:
 * user-supplied attribute keys may contain `.` or start with `$`, which
 * MongoDB and FerretDB treat differently as field names.
 */
interface CustomerRow {
  _id: string;
  revision: number;
  stage: string | null;
  search: string;
  doc: string;
}
interface TimelineRow {
  _id: string;
  customerId: string;
  revision: number;
  occurredAtMs: number;
  doc: string;
}
interface FactsRow {
  _id: string;
  revision: number;
  doc: string;
}
interface CheckpointRow {
  _id: string;
  position: number;
}

const DUPLICATE_KEY = 11000;

export class MongoReadStore implements ReadStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly customers: Collection<CustomerRow>,
    private readonly timeline: Collection<TimelineRow>,
    private readonly facts: Collection<FactsRow>,
    private readonly checkpoints: Collection<CheckpointRow>,
  ) {}

  /** Connects and creates the indexes. `url` names the database, e.g. mongodb://127.0.0.1:27017/rapport. */
  static async connect(url: string, options: { database?: string } = {}): Promise<MongoReadStore> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    const db: Db = client.db(options.database);
    const store = new MongoReadStore(
      client,
      db.collection<CustomerRow>('customers'),
      db.collection<TimelineRow>('timeline'),
      db.collection<FactsRow>('customer_facts'),
      db.collection<CheckpointRow>('checkpoints'),
    );
    await Promise.all([
      store.customers.createIndex({ stage: 1, _id: 1 }),
      store.timeline.createIndex({ customerId: 1, occurredAtMs: 1, revision: 1 }),
    ]);
    return store;
  }

  async getCustomer(customerId: string): Promise<CustomerView | undefined> {
    const row = await this.customers.findOne({ _id: String(customerId) });
    return row ? (JSON.parse(row.doc) as CustomerView) : undefined;
  }

  async getCustomers(customerIds: readonly string[]): Promise<Map<string, CustomerView>> {
    return docsById<CustomerView>(await this.customers.find({ _id: { $in: plainIds(customerIds) } }).toArray());
  }

  async getFacts(customerIds: readonly string[]): Promise<Map<string, CustomerFacts>> {
    return docsById<CustomerFacts>(await this.facts.find({ _id: { $in: plainIds(customerIds) } }).toArray());
  }

  async *scanFacts(): AsyncIterable<CustomerFacts> {
    let after = '';
    for (;;) {
      const rows = await this.facts.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(1000).toArray();
      if (rows.length === 0) return;
      for (const row of rows) yield JSON.parse(row.doc) as CustomerFacts;
      after = rows[rows.length - 1]!._id;
    }
  }

  async listCustomers(query: CustomerListQuery): Promise<Page<CustomerView>> {
    // Every value is coerced to a string and the text search is an escaped
    // regular expression, so no request can smuggle in an operator.
    const filter: Filter<CustomerRow> = {};
    if (query.stage !== undefined) filter.stage = String(query.stage);
    const ids: Filter<CustomerRow>[] = [];
    if (query.customerIds !== undefined) ids.push({ _id: { $in: plainIds(query.customerIds) } });
    if (query.q !== undefined && query.q !== '') filter.search = { $regex: escapeRegex(String(query.q).toLowerCase()) };
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      if (typeof after.id !== 'string') throw new InvalidCursorError();
      ids.push({ _id: { $gt: after.id } });
    }
    if (ids.length > 0) filter.$and = ids;
    const rows = await this.customers.find(filter).sort({ _id: 1 }).limit(query.limit + 1).toArray();
    const items = rows.slice(0, query.limit).map((r) => JSON.parse(r.doc) as CustomerView);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ id: last.customerId }) : null };
  }

  async getTimeline(customerId: string, query: TimelineQuery): Promise<Page<TimelineEntry>> {
    const filter: Filter<TimelineRow> = { customerId: String(customerId) };
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      if (typeof c.t !== 'number' || typeof c.r !== 'number') throw new InvalidCursorError();
      filter.$or = [{ occurredAtMs: { $gt: c.t } }, { occurredAtMs: c.t, revision: { $gt: c.r } }];
    }
    const rows = await this.timeline.find(filter).sort({ occurredAtMs: 1, revision: 1 }).limit(query.limit + 1).toArray();
    const items = rows.slice(0, query.limit).map((r) => JSON.parse(r.doc) as TimelineEntry);
    const last = items[items.length - 1];
    const more = rows.length > query.limit && last;
    return { items, nextCursor: more ? encodeCursor({ t: last.occurredAtMs, r: last.revision }) : null };
  }

  async commit(batch: ProjectionBatch): Promise<void> {
    await Promise.all([
      forwardOnly(
        this.customers,
        batch.customers.map((view) => ({
          _id: view.customerId,
          revision: view.revision,
          stage: view.stage,
          search: [view.customerId, view.name ?? '', view.email ?? ''].join('\n').toLowerCase(),
          doc: JSON.stringify(view),
        })),
      ),
      forwardOnly(
        this.facts,
        batch.facts.map((facts) => ({ _id: facts.customerId, revision: facts.revision, doc: JSON.stringify(facts) })),
      ),
      batch.timeline.length === 0
        ? Promise.resolve()
        : this.timeline.bulkWrite(
            batch.timeline.map((entry) => ({
              replaceOne: {
                filter: { _id: `${entry.customerId}\u0000${entry.revision}` },
                replacement: {
                  _id: `${entry.customerId}\u0000${entry.revision}`,
                  customerId: entry.customerId,
                  revision: entry.revision,
                  occurredAtMs: entry.occurredAtMs,
                  doc: JSON.stringify(entry),
                },
                upsert: true,
              },
            })),
            { ordered: false },
          ),
    ]);
    // Only after the documents: a checkpoint never runs ahead of what it covers.
    await Promise.all(
      [batch.checkpoint, ...(batch.alsoAdvance ?? [])].map((checkpoint) =>
        this.checkpoints.updateOne({ _id: checkpoint.name }, { $max: { position: checkpoint.position } }, { upsert: true }),
      ),
    );
  }

  async getCheckpoint(name: string): Promise<number> {
    const row = await this.checkpoints.findOne({ _id: String(name) });
    return row?.position ?? -1;
  }

  async reset(): Promise<void> {
    await Promise.all([
      this.customers.deleteMany({}),
      this.timeline.deleteMany({}),
      this.facts.deleteMany({}),
      this.checkpoints.deleteMany({}),
    ]);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Upserts each row only if it is newer than what is stored. An older row's
 * filter matches nothing, so the upsert tries to insert an existing _id and
 * fails with a duplicate key: that failure is the guard working, not an error.
 */
async function forwardOnly<T extends { _id: string; revision: number }>(collection: Collection<T>, rows: readonly T[]): Promise<void> {
  if (rows.length === 0) return;
  const operations = rows.map(
    (row) =>
      ({
        replaceOne: { filter: { _id: row._id, revision: { $lte: row.revision } }, replacement: row, upsert: true },
      }) as unknown as AnyBulkWriteOperation<T>,
  );
  try {
    await collection.bulkWrite(operations, { ordered: false });
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY)) return;
    }
    throw error;
  }
}

function docsById<T>(rows: readonly { _id: string; doc: string }[]): Map<string, T> {
  return new Map(rows.map((row) => [row._id, JSON.parse(row.doc) as T]));
}

function plainIds(ids: readonly string[]): string[] {
  return [...new Set(ids.map(String))];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
