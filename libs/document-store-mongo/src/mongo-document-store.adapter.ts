// MongoDB document store (distributed mode). Runs on MongoDB and on FerretDB
// 1.24, so it keeps to what both support: find with $and/$or/$in/$gt/$ne/$regex,
// sort, limit, bulk writes and $max; no multi-document transactions, no
// aggregation.
//
// Rows: { _id, revision, doc: the document as JSON text, search, f_<field>: key }.
// The document is kept as text because documents may carry keys that MongoDB
// and FerretDB treat differently as field names (`.`, a leading `$`); the
// declared fields sit beside it as top-level keys (derived by
// @rapport/document-store, exactly as the SQLite adapter derives its columns).
//
// A commit, without transactions:
//   - the writes in the order listed, in bulk writes of at most `writeSlice`
//     statements, each bulk write one collection's run of consecutive writes
//     with distinct ids, one bulk write at a time per store. FerretDB 1.24
//     (SQLite backend) holds a pooled connection per update statement until its
//     command ends and deadlocks for good once about 100 are in flight on one
//     database (docs/distributed.md, "FerretDB");
//   - every put and delete guarded by revision (the filter matches only a stored
//     revision at or below the write's), so a stale write changes nothing;
//   - then the versions, each set to a fresh random token (FerretDB loses
//     concurrent $incs of one document, but the last of several $sets wins,
//     and it was set after its own writes), and the checkpoints last ($max).
// After a crash mid-commit: the bulk writes before the one in flight all
// landed, that one in part, none after it, and no checkpoint moved. The replay
// from the old checkpoint re-applies the batch; the guards make that harmless.
import {
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Document,
  type Filter,
  type MongoClientOptions,
  type UpdateFilter,
} from 'mongodb';
import { randomUUID } from 'node:crypto';
import { MONGO_CLIENT_TIMEOUTS, reportingUnreachable } from '@rapport/config';
import {
  CollectionRegistry,
  DuplicateKeyError,
  UnknownCollectionError,
  checkpointName,
  versionName,
  cursorAfter,
  fromJson,
  planQuery,
  planWrites,
  plainId,
  toRow,
  updatedRow,
  type AnyCollection,
  type CollectionSpec,
  type Comparison,
  type DocumentRow,
  type DocumentStore,
  type JsonDocument,
  type Page,
  type PlannedCondition,
  type PlannedWrite,
  type Query,
  type ResolvedCollection,
  type Scalar,
  type StoredDocument,
  type WriteBatch,
  type WritePlan,
} from '@rapport/document-store';

interface Row {
  _id: string;
  revision: number;
  doc: string;
  search: string | null;
  [key: `f_${string}`]: Scalar;
}
interface VersionRow {
  _id: string;
  /** A random token, replaced by every move. */
  version: string;
}

interface CheckpointRow {
  _id: string;
  position: number;
}
interface CollectionRow {
  _id: string;
  fingerprint: string;
}

const DUPLICATE_KEY = 11000;
const CHECKPOINTS = 'document_store_checkpoints';
const VERSIONS = 'document_store_versions';
const COLLECTIONS = 'document_store_collections';
/** Documents read per step of a scan, an update or a re-derivation; ids per $in of getMany. */
const SCAN_PAGE = 1000;
const UPDATE_PAGE = 256;
const IDS_PER_READ = 1000;

/**
 * Ids up to which a read by id asks `_id` equality per id rather than one
 * `$in`: FerretDB 1.24 answers equality from the `_id` index but `$in` by
 * reading the whole collection (measured at 20,000 documents: a single-id
 * `$in` 0.85–0.87 s, a findOne 24–56 ms). On MongoDB, where `$in` uses the
 * index, a lower limit saves round trips.
 */
export const DEFAULT_MONGO_POINT_LOOKUPS = 256;
/** Point look-ups in flight at once. */
const POINT_LOOKUPS_IN_FLIGHT = 16;

/** Safe on FerretDB 1.24 with a few writers per database; real MongoDB takes far more (e.g. 1000). */
export const DEFAULT_MONGO_DOCUMENT_WRITE_SLICE = 24;

export interface MongoDocumentStoreOptions {
  /** Database name; default: the one in the URL. */
  readonly database?: string;
  /** Most statements one bulk write carries. Default DEFAULT_MONGO_DOCUMENT_WRITE_SLICE. */
  readonly writeSlice?: number;
  /** Most ids read by `_id` equality, side by side, before one `$in` is asked instead. Default DEFAULT_MONGO_POINT_LOOKUPS. */
  readonly pointLookups?: number;
  /** Passed to the driver (TLS, pool size, command monitoring, ...). */
  readonly clientOptions?: MongoClientOptions;
  /**
   * Collections of an earlier layout, dropped on connect where present (they
   * may hold data nothing reads any more, personal data included).
   */
  readonly dropCollections?: readonly string[];
}

/** Ids per query when a commit asks which of its puts are stored. */
const STORED_LOOKUP = 1_000;

type Step = { readonly type: 'put' | 'insert'; readonly row: DocumentRow } | { readonly type: 'delete'; readonly id: string; readonly revision: number };

export class MongoDocumentStore implements DocumentStore {
  /** Commits run one after another, so their bulk writes never add up in flight. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly registry: CollectionRegistry,
    readonly writeSlice: number,
    readonly pointLookups: number,
  ) {}

  /**
   * Connects, and creates the indexes of `collections`. A collection whose
   * declaration changed since the database last saw it has its keys re-derived
   * from the stored documents and its indexes replaced.
   * `url` names the database, e.g. mongodb://127.0.0.1:27017/rapport.
   */
  static async connect(url: string, collections: readonly AnyCollection[], options: MongoDocumentStoreOptions = {}): Promise<MongoDocumentStore> {
    const registry = new CollectionRegistry(collections);
    const slice = options.writeSlice ?? DEFAULT_MONGO_DOCUMENT_WRITE_SLICE;
    if (!Number.isInteger(slice) || slice < 1) throw new RangeError(`writeSlice must be a positive integer; got ${slice}`);
    const pointLookups = options.pointLookups ?? DEFAULT_MONGO_POINT_LOOKUPS;
    if (!Number.isInteger(pointLookups) || pointLookups < 0) throw new RangeError(`pointLookups must be a whole number; got ${pointLookups}`);
    const client = new MongoClient(url, { ...MONGO_CLIENT_TIMEOUTS, ...options.clientOptions });
    await client.connect();
    const store = new MongoDocumentStore(client, client.db(options.database), registry, slice, pointLookups);
    try {
      await store.drop(options.dropCollections ?? []);
      for (const collection of registry.all) await store.declare(collection);
    } catch (error) {
      await client.close();
      throw error;
    }
    return reportingUnreachable('MongoDB', store);
  }

  private async drop(names: readonly string[]): Promise<void> {
    const declared = new Set(this.registry.all.map((collection) => collection.name));
    const clash = names.find((name) => declared.has(name));
    if (clash !== undefined) throw new UnknownCollectionError(`${clash} is declared; it cannot also be dropped`);
    if (names.length === 0) return;
    const present = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const name of names) if (present.has(name)) await this.db.collection(name).drop().catch(ignoreMissingCollection);
  }

  async get<D extends StoredDocument>(collection: CollectionSpec<D>, id: string): Promise<D | undefined> {
    const resolved = this.registry.resolve(collection);
    const row = await this.rows(resolved).findOne({ _id: plainId(id) }, { projection: { doc: 1 } });
    return row ? (fromJson(resolved, row.doc) as unknown as D) : undefined;
  }

  async getMany<D extends StoredDocument>(collection: CollectionSpec<D>, ids: readonly string[]): Promise<Map<string, D>> {
    const resolved = this.registry.resolve(collection);
    if (!Array.isArray(ids)) throw new TypeError('ids must be a list');
    const wanted = [...new Set(ids.map(plainId))];
    const found = new Map<string, D>();
    for (const row of await this.rowsById(resolved, wanted, { doc: 1 }, IDS_PER_READ)) found.set(row._id, fromJson(resolved, row.doc) as unknown as D);
    return found;
  }

  /** The rows of `ids` (distinct) that exist: by `_id` equality side by side up to pointLookups ids, else by `$in` a page at a time. */
  private async rowsById(collection: ResolvedCollection, ids: readonly string[], projection: Record<string, 1>, page: number): Promise<Row[]> {
    const rows: Row[] = [];
    const pointwise = ids.length <= this.pointLookups;
    const step = pointwise ? POINT_LOOKUPS_IN_FLIGHT : page;
    for (let i = 0; i < ids.length; i += step) {
      const slice = ids.slice(i, i + step);
      if (pointwise) {
        for (const row of await Promise.all(slice.map((id) => this.rows(collection).findOne({ _id: id }, { projection })))) if (row) rows.push(row);
      } else {
        rows.push(...(await this.rows(collection).find({ _id: { $in: slice } }, { projection }).toArray()));
      }
    }
    return rows;
  }

  async find<D extends StoredDocument>(collection: CollectionSpec<D>, query: Query<D>): Promise<Page<D>> {
    const resolved = this.registry.resolve(collection);
    const plan = planQuery(resolved, query);
    const filters: Filter<Row>[] = plan.conditions.map(conditionFilter);
    // The text is matched as an escaped regular expression: a literal substring, never a pattern.
    if (plan.text !== null) filters.push({ search: { $regex: escapeRegex(plan.text) } });
    if (plan.after.length > 0) filters.push({ $or: plan.after.map((conjunction) => ({ $and: conjunction.map(comparisonFilter) })) });
    const sort: Record<string, 1> = {};
    for (const field of plan.sort) sort[fieldKey(field)] = 1;
    sort._id = 1;
    const rows = await this.rows(resolved)
      .find(filters.length > 0 ? { $and: filters } : {}, { projection: { doc: 1 } })
      .sort(sort)
      .limit(plan.limit + 1)
      .toArray();
    const items = rows.slice(0, plan.limit).map((row) => fromJson(resolved, row.doc));
    const last = items[items.length - 1];
    const nextCursor = rows.length > plan.limit && last ? cursorAfter(resolved, plan, last) : null;
    return { items: items as unknown as D[], nextCursor };
  }

  async *scan<D extends StoredDocument>(collection: CollectionSpec<D>): AsyncIterable<D> {
    const resolved = this.registry.resolve(collection);
    let after = '';
    for (;;) {
      const rows = await this.rows(resolved)
        .find({ _id: { $gt: after } }, { projection: { doc: 1 } })
        .sort({ _id: 1 })
        .limit(SCAN_PAGE)
        .toArray();
      if (rows.length === 0) return;
      for (const row of rows) yield fromJson(resolved, row.doc) as unknown as D;
      after = rows[rows.length - 1]!._id;
    }
  }

  /** Documents are stored as JSON text here, so each is read whole and cut to `fields` after parsing. */
  async *scanFields<D extends StoredDocument, K extends Exclude<keyof D & string, '_id'>>(collection: CollectionSpec<D>, fields: readonly K[]): AsyncIterable<Pick<D, '_id' | K>> {
    for await (const document of this.scan(collection)) {
      const cut: Record<string, unknown> = { _id: document._id };
      for (const field of fields) if (Object.prototype.hasOwnProperty.call(document, field)) cut[field] = document[field];
      yield cut as Pick<D, '_id' | K>;
    }
  }

  commit(batch: WriteBatch): Promise<void> {
    // Checked whole before the first write: a bad batch is refused, not half-written.
    let plan: WritePlan;
    try {
      plan = planWrites(this.registry, batch);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = async () => {
      await this.applyWrites(plan.writes);
      // Only after the documents: a version or checkpoint never runs ahead of what it covers.
      for (const name of plan.versions) await this.upsert(VERSIONS, name, { $set: { version: randomUUID() } });
      for (const checkpoint of plan.checkpoints) await this.advance(checkpoint.name, checkpoint.position);
    };
    const done = this.writing.then(run, run);
    this.writing = done.catch(() => undefined);
    return done;
  }

  async getCheckpoint(name: string): Promise<number> {
    const row = await this.db.collection<CheckpointRow>(CHECKPOINTS).findOne({ _id: checkpointName(name) });
    return row?.position ?? -1;
  }

  async getVersion(name: string): Promise<string> {
    const row = await this.db.collection<VersionRow>(VERSIONS).findOne({ _id: versionName(name) });
    return row?.version ?? '';
  }

  async reset(): Promise<void> {
    const declared = new Set(this.registry.all.map((collection) => collection.name));
    const known = await this.db.collection<CollectionRow>(COLLECTIONS).find({}).toArray();
    for (const { _id: name } of known) {
      if (declared.has(name)) continue;
      // A collection no longer declared: it goes too.
      await this.db.collection(name).drop().catch(ignoreMissingCollection);
      await this.db.collection<CollectionRow>(COLLECTIONS).deleteOne({ _id: name });
    }
    for (const collection of this.registry.all) await this.rows(collection).deleteMany({});
    await this.db.collection<CheckpointRow>(CHECKPOINTS).deleteMany({});
    await this.db.collection<VersionRow>(VERSIONS).updateMany({}, { $set: { version: randomUUID() } });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private rows(collection: ResolvedCollection): Collection<Row> {
    return this.db.collection<Row>(collection.name);
  }

  /** The writes in order: runs of puts and deletes as bulk writes, updates page by page. */
  private async applyWrites(writes: readonly PlannedWrite[]): Promise<void> {
    const stored = await this.storedIds(writes);
    let run: { collection: ResolvedCollection; steps: Step[]; ids: Set<string> } | undefined;
    const flush = async () => {
      if (run) await this.bulk(run.collection, run.steps, stored.get(run.collection.name) ?? new Set());
      run = undefined;
    };
    for (const write of writes) {
      if (write.type === 'update') {
        await flush();
        await this.update(write.collection, write.conditions, write.apply);
        continue;
      }
      const step: Step = write.type === 'delete' ? { type: 'delete', id: write.id, revision: write.revision } : { type: write.type, row: write.row };
      const id = write.type === 'delete' ? write.id : write.row.id;
      // A bulk write applies its statements in no set order: one id twice starts a new one.
      if (!run || run.collection !== write.collection || run.steps.length >= this.writeSlice || run.ids.has(id)) {
        await flush();
        run = { collection: write.collection, steps: [], ids: new Set() };
      }
      run.steps.push(step);
      run.ids.add(id);
    }
    await flush();
  }

  private async update(
    collection: ResolvedCollection,
    conditions: readonly PlannedCondition[],
    apply: (document: JsonDocument) => StoredDocument | undefined,
  ): Promise<void> {
    const filters = conditions.map(conditionFilter);
    let after = '';
    for (;;) {
      const rows = await this.rows(collection)
        .find({ $and: [...filters, { _id: { $gt: after } }] }, { projection: { doc: 1 } })
        .sort({ _id: 1 })
        .limit(UPDATE_PAGE)
        .toArray();
      if (rows.length === 0) return;
      const steps: Step[] = [];
      for (const row of rows) {
        const updated = updatedRow(collection, apply, fromJson(collection, row.doc));
        if (updated) steps.push({ type: 'put', row: updated });
      }
      // Each was just read: stored, so each goes as a guarded replacement.
      const stored = new Set(rows.map((row) => row._id));
      for (let i = 0; i < steps.length; i += this.writeSlice) await this.bulk(collection, steps.slice(i, i + this.writeSlice), stored);
      after = rows[rows.length - 1]!._id;
    }
  }

  /** One bulk write of distinct ids. Stale rows are the guard working; anything else fails the commit. */
  private async bulk(collection: ResolvedCollection, steps: readonly Step[], stored: ReadonlySet<string>): Promise<void> {
    if (steps.length === 0) return;
    try {
      await this.rows(collection).bulkWrite(
        // A put of an id not stored when the commit began goes as an insert: FerretDB 1.24 (SQLite)
        // takes time growing with the collection for an upsert that inserts (about 200 ms at 10,000
        // rows) and about 1 ms for an insert. Stored meanwhile (by another writer, or by an earlier
        // write of this commit), it is a duplicate key, and the slice is written one by one below,
        // each put guarded.
        steps.map((step) => (step.type === 'put' && !stored.has(step.row.id) ? operation({ type: 'insert', row: step.row }) : operation(step))),
        { ordered: false },
      );
    } catch (error) {
      if (!onlyDuplicateKeys(error)) throw error;
      // A put whose filter matches nothing (stored revision higher) tries to insert an
      // existing _id: a duplicate key. So does a put that breaks a unique index. FerretDB
      // 1.24 also stops an unordered bulk write at its first error (and reports the wrong
      // index), so the statements after it may not have run: run them one by one, in order,
      // and tell the two apart. Re-running one that did land is harmless (same revision).
      for (const step of steps) await this.single(collection, step);
    }
  }

  /**
   * Which of the commit's put ids are stored, by collection, once per commit
   * (not per slice): by point look-ups up to pointLookups ids, else one `$in`
   * per thousand ids (which FerretDB answers in time growing with the
   * collection).
   */
  private async storedIds(writes: readonly PlannedWrite[]): Promise<Map<string, Set<string>>> {
    const wanted = new Map<string, { collection: ResolvedCollection; ids: string[] }>();
    const stored = new Map<string, Set<string>>();
    for (const write of writes) {
      if (write.type !== 'put') continue;
      // The writer says whether it is stored: no look-up (FerretDB answers one in time growing with the collection).
      if (write.stored !== undefined) {
        if (write.stored) stored.set(write.collection.name, (stored.get(write.collection.name) ?? new Set()).add(write.row.id));
        continue;
      }
      const entry = wanted.get(write.collection.name) ?? { collection: write.collection, ids: [] };
      entry.ids.push(write.row.id);
      wanted.set(write.collection.name, entry);
    }
    for (const [name, { collection, ids }] of wanted) {
      const found = stored.get(name) ?? new Set<string>();
      for (const row of await this.rowsById(collection, [...new Set(ids)], { _id: 1 }, STORED_LOOKUP)) found.add(row._id);
      stored.set(name, found);
    }
    return stored;
  }

  private async single(collection: ResolvedCollection, step: Step): Promise<void> {
    if (step.type === 'delete') {
      await this.rows(collection).deleteOne({ _id: step.id, revision: { $lte: step.revision } });
      return;
    }
    if (step.type === 'insert') {
      try {
        await this.rows(collection).insertOne(row(step.row));
        return;
      } catch (error) {
        if (!(error instanceof MongoServerError) || error.code !== DUPLICATE_KEY) throw error;
      }
      // Stored already (a redelivery): the insert's job is done. Else another document holds a unique key.
      if (await this.rows(collection).findOne({ _id: step.row.id }, { projection: { _id: 1 } })) return;
      throw new DuplicateKeyError(`${collection.name}: ${step.row.id} shares a unique index's values with another document`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.rows(collection).replaceOne({ _id: step.row.id, revision: { $lte: step.row.revision } }, row(step.row), { upsert: true });
        return;
      } catch (error) {
        if (!(error instanceof MongoServerError) || error.code !== DUPLICATE_KEY) throw error;
      }
      const stored = await this.rows(collection).findOne({ _id: step.row.id }, { projection: { revision: 1 } });
      if (stored && stored.revision > step.row.revision) return; // stale: the guard held
      // The stored revision is lower (or nothing is stored): another document holds a unique
      // key. One retry covers a concurrent insert of this _id between the write and the read.
      if (attempt >= 1) throw new DuplicateKeyError(`${collection.name}: ${step.row.id} shares a unique index's values with another document`);
    }
  }

  private advance(name: string, position: number): Promise<void> {
    return this.upsert(CHECKPOINTS, name, { $max: { position } });
  }

  private async upsert(collection: string, name: string, change: UpdateFilter<Document>): Promise<void> {
    const rows = this.db.collection<{ _id: string }>(collection);
    try {
      await rows.updateOne({ _id: name }, change, { upsert: true });
    } catch (error) {
      // Two first writes of one row raced to insert it: the second is now an update.
      if (!(error instanceof MongoServerError) || error.code !== DUPLICATE_KEY) throw error;
      await rows.updateOne({ _id: name }, change, { upsert: true });
    }
  }

  /** Creates the collection's indexes; when its declaration changed, re-derives every row's keys first. */
  private async declare(collection: ResolvedCollection): Promise<void> {
    const meta = this.db.collection<CollectionRow>(COLLECTIONS);
    const rows = this.rows(collection);
    const wanted = new Set(collection.indexes.map((index) => index.name));
    const stored = await meta.findOne({ _id: collection.name });
    if (stored?.fingerprint !== collection.fingerprint) {
      const existing = await rows.listIndexes().toArray().catch(ignoreMissingCollection);
      for (const index of existing ?? []) {
        const name = String(index.name);
        // Another store declaring the same change may have dropped it first.
        if (/^[iu]x_/.test(name) && !wanted.has(name)) await rows.dropIndex(name).catch(ignoreMissingIndex);
      }
      await this.rederive(collection);
    }
    for (const index of collection.indexes) {
      const keys: Record<string, 1> = {};
      for (const field of index.fields) keys[fieldKey(field)] = 1;
      // Non-unique indexes end in _id, the order every query pages in.
      if (!index.unique) keys._id = 1;
      await rows.createIndex(keys, { name: index.name, unique: index.unique });
    }
    if (stored?.fingerprint !== collection.fingerprint) {
      // Roles starting together declare the same collection at once (the launcher starts four).
      await this.upsert(COLLECTIONS, collection.name, { $set: { fingerprint: collection.fingerprint } });
    }
  }

  /** Rewrites every row from its document; a row changed meanwhile is left to the write that changed it. */
  private async rederive(collection: ResolvedCollection): Promise<void> {
    const rows = this.rows(collection);
    let after = '';
    for (;;) {
      const page = await rows.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(SCAN_PAGE).toArray();
      if (page.length === 0) return;
      const replacements = page.map((stored) => {
        if (typeof stored.doc !== 'string') {
          throw new TypeError(`collection ${collection.name} holds rows this store did not write (${stored._id}); drop it or declare another name`);
        }
        return {
          replaceOne: { filter: { _id: stored._id, revision: stored.revision, doc: stored.doc }, replacement: row(toRow(collection, fromJson(collection, stored.doc))) },
        } as AnyBulkWriteOperation<Row>;
      });
      for (let i = 0; i < replacements.length; i += this.writeSlice) {
        await rows.bulkWrite(replacements.slice(i, i + this.writeSlice), { ordered: false });
      }
      after = page[page.length - 1]!._id;
    }
  }
}

function row(derived: DocumentRow): Row {
  const stored: Row = { _id: derived.id, revision: derived.revision, doc: derived.json, search: derived.search };
  for (const [field, key] of derived.keys) stored[fieldKey(field)] = key;
  return stored;
}

function operation(step: Step): AnyBulkWriteOperation<Row> {
  if (step.type === 'delete') return { deleteOne: { filter: { _id: step.id, revision: { $lte: step.revision } } } };
  // A plain insert, the fastest write FerretDB has; one already stored is a duplicate key, and the
  // slice is then written one by one (bulk), where a stored _id is the insert already done.
  if (step.type === 'insert') return { insertOne: { document: row(step.row) } };
  return {
    replaceOne: { filter: { _id: step.row.id, revision: { $lte: step.row.revision } }, replacement: row(step.row), upsert: true },
  } as AnyBulkWriteOperation<Row>;
}

function fieldKey(field: string): `f_${string}` {
  return `f_${field}`;
}

/** Values are checked plain strings, numbers or null (query-plan.ts): none can be read as an operator. */
function conditionFilter({ field, values }: PlannedCondition): Filter<Row> {
  const key = field === '_id' ? '_id' : fieldKey(field);
  return (values.length === 1 ? { [key]: values[0] } : { [key]: { $in: values } }) as Filter<Row>;
}

function comparisonFilter({ field, op, value }: Comparison): Filter<Row> {
  const key = field === '_id' ? '_id' : fieldKey(field);
  if (op === 'eq') return { [key]: value } as Filter<Row>;
  // Nulls sort first: after a null comes every non-null key.
  return { [key]: value === null ? { $ne: null } : { $gt: value } } as Filter<Row>;
}

function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
}

function ignoreMissingCollection(error: unknown): undefined {
  // NamespaceNotFound: nothing to drop or list.
  if (error instanceof MongoServerError && error.code === 26) return undefined;
  throw error;
}

function ignoreMissingIndex(error: unknown): undefined {
  // IndexNotFound: already dropped.
  if (error instanceof MongoServerError && error.code === 27) return undefined;
  throw error;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
