// MongoDB read store (distributed mode). Runs on MongoDB and on FerretDB, so it
// keeps to what both support: no multi-document transactions, no aggregation
// stages beyond find/sort/limit. Idempotence comes from revision guards instead
// of transactions: documents are written first, only ever forward, then the
// checkpoint moves forward with $max, so a crash in between is repaired by the
// replay that follows.
//
// A commit is written in order and in slices:
//   - timeline entries first, then customer documents with their facts, then
//     the checkpoints. The projection runner skips an event whose customer and
//     facts documents are already at its revision, so a timeline entry written
//     after them would be lost for good if the process died in between;
//   - each step in bulk writes of at most `writeSlice` statements, one commit at
//     a time per store. FerretDB 1.24 (SQLite backend) holds a pooled connection
//     per update statement until its command ends and deadlocks for good once
//     about 100 are in flight on one database (docs/distributed.md, "FerretDB").
import { MongoClient, MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db, type Filter, type MongoClientOptions } from 'mongodb';
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
import { MONGO_CLIENT_TIMEOUTS } from '@rapport/config';

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

/** Safe on FerretDB 1.24 with a few writers per database; real MongoDB takes far more (e.g. 1000). */
export const DEFAULT_MONGO_WRITE_SLICE = 24;

export interface MongoReadStoreOptions {
  /** Database name; default: the one in the URL. */
  readonly database?: string;
  /** Most update statements one bulk write carries (at least 2). Default DEFAULT_MONGO_WRITE_SLICE. */
  readonly writeSlice?: number;
  /** Passed to the driver (TLS, pool size, command monitoring, ...). */
  readonly clientOptions?: MongoClientOptions;
}

export class MongoReadStore implements ReadStore {
  /** Commits run one after another, so their slices never add up in flight. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: MongoClient,
    private readonly customers: Collection<CustomerRow>,
    private readonly timeline: Collection<TimelineRow>,
    private readonly facts: Collection<FactsRow>,
    private readonly checkpoints: Collection<CheckpointRow>,
    readonly writeSlice: number,
  ) {}

  /** Connects and creates the indexes. `url` names the database, e.g. mongodb://127.0.0.1:27017/rapport. */
  static async connect(url: string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const slice = options.writeSlice ?? DEFAULT_MONGO_WRITE_SLICE;
    if (!Number.isInteger(slice) || slice < 2) throw new RangeError(`writeSlice must be an integer of at least 2; got ${slice}`);
    const client = new MongoClient(url, { ...MONGO_CLIENT_TIMEOUTS, ...options.clientOptions });
    await client.connect();
    const db: Db = client.db(options.database);
    const store = new MongoReadStore(
      client,
      db.collection<CustomerRow>('customers'),
      db.collection<TimelineRow>('timeline'),
      db.collection<FactsRow>('customer_facts'),
      db.collection<CheckpointRow>('checkpoints'),
      slice,
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

  commit(batch: ProjectionBatch): Promise<void> {
    const run = () => this.write(batch);
    const done = this.writing.then(run, run);
    this.writing = done.catch(() => undefined);
    return done;
  }

  private async write(batch: ProjectionBatch): Promise<void> {
    for (const entries of slices(batch.timeline, this.writeSlice)) {
      await this.timeline.bulkWrite(
        entries.map((entry) => ({
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
      );
    }
    // Customers and facts side by side, half a slice each: together never more than a slice.
    const half = Math.floor(this.writeSlice / 2);
    const customers = slices(batch.customers, half);
    const facts = slices(batch.facts, half);
    for (let i = 0; i < Math.max(customers.length, facts.length); i++) {
      await Promise.all([
        forwardOnly(
          this.customers,
          (customers[i] ?? []).map((view) => ({
            _id: view.customerId,
            revision: view.revision,
            stage: view.stage,
            search: [view.customerId, view.name ?? '', view.email ?? ''].join('\n').toLowerCase(),
            doc: JSON.stringify(view),
          })),
        ),
        forwardOnly(
          this.facts,
          (facts[i] ?? []).map((f) => ({ _id: f.customerId, revision: f.revision, doc: JSON.stringify(f) })),
        ),
      ]);
    }
    // Only after the documents: a checkpoint never runs ahead of what it covers.
    for (const checkpoint of [batch.checkpoint, ...(batch.alsoAdvance ?? [])]) {
      await this.checkpoints.updateOne({ _id: checkpoint.name }, { $max: { position: checkpoint.position } }, { upsert: true });
    }
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
  const operation = (row: T) =>
    ({
      replaceOne: { filter: { _id: row._id, revision: { $lte: row.revision } }, replacement: row, upsert: true },
    }) as unknown as AnyBulkWriteOperation<T>;
  try {
    await collection.bulkWrite(rows.map(operation), { ordered: false });
  } catch (error) {
    if (!onlyStaleRows(error)) throw error;
    // FerretDB 1.24 stops an unordered bulk write at its first error (and reports the
    // wrong index), so the rows after a stale one may not be written: write them one by
    // one. Rewriting a row that did land is harmless (same revision).
    if (rows.length === 1) return;
    for (const row of rows) {
      try {
        await collection.bulkWrite([operation(row)], { ordered: true });
      } catch (single) {
        if (!onlyStaleRows(single)) throw single;
      }
    }
  }
}

function onlyStaleRows(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
