// Embedded document store: one SQLite file, a table per collection with the
// document as JSON text, the declared fields as columns beside it (derived in
// JS by @rapport/document-store, so both adapters agree on every key) and an
// index per declared index. A batch of writes and its checkpoints commit in one
// transaction. Replaced and erased documents are zeroed (secure_delete) and an
// erasing batch empties the write-ahead log, so personal data does not linger
// in the files.
import Database from 'better-sqlite3';
import { openPrivateDatabase, sqliteCode } from '@rapport/event-store-sqlite';
import {
  CollectionRegistry,
  DuplicateKeyError,
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
  type StoredDocument,
  type WriteBatch,
} from '@rapport/document-store';

const META = `
  CREATE TABLE IF NOT EXISTS document_store_collections (
    name        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS document_store_checkpoints (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS document_store_versions (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  ) STRICT;
`;

/** Documents read per step of a scan or an update. */
const SCAN_PAGE = 1000;
/** Statements kept prepared per store (see `prepared`). */
const MAX_PREPARED = 256;
const UPDATE_PAGE = 256;

type SqlValue = string | number | null;


/** A collection's table and the statements every batch reuses. */
class Table {
  readonly table: string;
  private readonly updateStatement: Database.Statement;
  private readonly insertStatement: Database.Statement;
  private readonly deleteStatement: Database.Statement;

  constructor(
    db: Database.Database,
    readonly collection: ResolvedCollection,
  ) {
    this.table = quoted(tableName(collection.name));
    const names = ['_id', 'revision', 'doc', 'search', ...[...collection.fields.keys()].map(column)];
    // An update of the stored row, else an insert where none is stored: an upsert would
    // also meet the row it replaces in a unique index, and SQLite may check that index first.
    this.updateStatement = db.prepare(
      `UPDATE ${this.table} SET ${names
        .slice(1)
        .map((name) => `${name} = ?`)
        .join(', ')} WHERE _id = ? AND revision <= ?`,
    );
    this.insertStatement = db.prepare(
      `INSERT INTO ${this.table} (${names.join(', ')}) SELECT ${names.map(() => '?').join(', ')}
       WHERE NOT EXISTS (SELECT 1 FROM ${this.table} WHERE _id = ?)`,
    );
    this.deleteStatement = db.prepare(`DELETE FROM ${this.table} WHERE _id = ? AND revision <= ?`);
  }

  /** Stores the row unless the stored one has a higher revision. */
  put(row: DocumentRow): void {
    const values = [row.revision, row.json, row.search, ...row.keys.values()];
    this.unique(row, () => {
      if (this.updateStatement.run(...values, row.id, row.revision).changes > 0) return;
      this.insertStatement.run(row.id, ...values, row.id);
    });
  }

  /** Stores the row unless one with its _id is stored. */
  insert(row: DocumentRow): void {
    this.unique(row, () => this.insertStatement.run(row.id, row.revision, row.json, row.search, ...row.keys.values(), row.id));
  }

  private unique(row: DocumentRow, write: () => void): void {
    try {
      write();
    } catch (error) {
      // By code alone, no instanceof: better-sqlite3's native side keeps the SqliteError class of the first
      // module instance that loaded it, whose Error may be another realm's (a test runner's fresh context).
      if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new DuplicateKeyError(`${this.collection.name}: ${row.id} shares a unique index's values with another document`);
      }
      throw error;
    }
  }

  delete(id: string, revision: number): void {
    this.deleteStatement.run(id, revision);
  }
}

export class SqliteDocumentStore implements DocumentStore {
  private closed = false;
  private readonly tables = new Map<string, Table>();
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    private readonly registry: CollectionRegistry,
  ) {
    for (const collection of registry.all) this.tables.set(collection.name, new Table(db, collection));
  }

  /**
   * Opens (creating if needed) the file and the tables of `collections`. A
   * collection whose declaration changed since the file last saw it has its
   * table rebuilt from the stored documents (keys and indexes re-derived).
   */
  static open(file: string, collections: readonly AnyCollection[]): SqliteDocumentStore {
    const registry = new CollectionRegistry(collections);
    // secure_delete: replaced documents are zeroed, not left in free space; erased personal data must not linger in the file.
    return openPrivateDatabase(file, ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', 'secure_delete = ON'], (db) => {
      db.exec(META);
      db.transaction(() => {
        for (const collection of registry.all) declare(db, collection);
      }).immediate();
      return new SqliteDocumentStore(db, registry);
    });
  }

  /**
   * The statement for this SQL, prepared once: reads such as `getVersion` run
   * for every customer a question touches, and preparing costs more than
   * running them. Bounded, since `find` builds its SQL from the query's shape.
   */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement) return statement;
    statement = this.db.prepare(sql);
    if (this.statements.size >= MAX_PREPARED) this.statements.delete(this.statements.keys().next().value!);
    this.statements.set(sql, statement);
    return statement;
  }

  async get<D extends StoredDocument>(collection: CollectionSpec<D>, id: string): Promise<D | undefined> {
    const table = this.table(collection);
    const row = this.prepared(`SELECT doc FROM ${table.table} WHERE _id = ?`).get(plainId(id)) as { doc: string } | undefined;
    return row ? (fromJson(table.collection, row.doc) as unknown as D) : undefined;
  }

  async getMany<D extends StoredDocument>(collection: CollectionSpec<D>, ids: readonly string[]): Promise<Map<string, D>> {
    const table = this.table(collection);
    if (!Array.isArray(ids)) throw new TypeError('ids must be a list');
    const wanted = [...new Set(ids.map(plainId))];
    const rows = this.prepared(`SELECT doc FROM ${table.table} WHERE _id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(wanted)) as {
      doc: string;
    }[];
    const found = new Map<string, D>();
    for (const row of rows) {
      const document = fromJson(table.collection, row.doc);
      found.set(document._id, document as unknown as D);
    }
    return found;
  }

  async find<D extends StoredDocument>(collection: CollectionSpec<D>, query: Query<D>): Promise<Page<D>> {
    const table = this.table(collection);
    const plan = planQuery(table.collection, query);
    const where = new Where();
    for (const condition of plan.conditions) where.condition(condition);
    if (plan.text !== null) where.add('instr(search, ?) > 0', plan.text);
    if (plan.after.length > 0) where.keyset(plan.after);
    const order = [...plan.sort.map(column), '_id'].join(', ');
    const rows = this
      .prepared(`SELECT doc FROM ${table.table} ${where.sql()} ORDER BY ${order} LIMIT ?`)
      .all(...where.params, plan.limit + 1) as { doc: string }[];
    const items = rows.slice(0, plan.limit).map((row) => fromJson(table.collection, row.doc));
    const last = items[items.length - 1];
    const nextCursor = rows.length > plan.limit && last ? cursorAfter(table.collection, plan, last) : null;
    return { items: items as unknown as D[], nextCursor };
  }

  async *scan<D extends StoredDocument>(collection: CollectionSpec<D>): AsyncIterable<D> {
    const table = this.table(collection);
    // Keyset pages, so a long scan neither holds every document nor a read transaction open.
    const page = this.prepared(`SELECT _id, doc FROM ${table.table} WHERE _id > ? ORDER BY _id LIMIT ${SCAN_PAGE}`);
    let after = '';
    for (;;) {
      const rows = page.all(after) as { _id: string; doc: string }[];
      if (rows.length === 0) return;
      for (const row of rows) yield fromJson(table.collection, row.doc) as unknown as D;
      after = rows[rows.length - 1]!._id;
    }
  }

  async *scanFields<D extends StoredDocument, K extends Exclude<keyof D & string, '_id'>>(collection: CollectionSpec<D>, fields: readonly K[]): AsyncIterable<Pick<D, '_id' | K>> {
    const table = this.table(collection);
    // `doc -> path` is the field's JSON text, or NULL where the document has no such field: only these are parsed.
    const columns = fields.map((_, i) => `doc -> ? AS f${i}`).join(', ');
    const page = this.prepared(`SELECT _id${columns ? `, ${columns}` : ''} FROM ${table.table} WHERE _id > ? ORDER BY _id LIMIT ${SCAN_PAGE}`);
    const paths = fields.map((field) => `$.${JSON.stringify(field)}`);
    let after = '';
    for (;;) {
      const rows = page.raw().all(...paths, after) as (string | null)[][];
      if (rows.length === 0) return;
      for (const row of rows) {
        const document: Record<string, unknown> = { _id: row[0] };
        fields.forEach((field, i) => {
          const json = row[i + 1];
          if (json !== null && json !== undefined) document[field] = JSON.parse(json);
        });
        yield document as Pick<D, '_id' | K>;
      }
      after = rows[rows.length - 1]![0]!;
    }
  }

  async commit(batch: WriteBatch): Promise<void> {
    const plan = planWrites(this.registry, batch);
    const saveCheckpoint = this.prepared(
      `INSERT INTO document_store_checkpoints (name, position) VALUES (?, ?)
       ON CONFLICT(name) DO UPDATE SET position = max(position, excluded.position)`,
    );
    const moveVersion = this.prepared(
      `INSERT INTO document_store_versions (name, version) VALUES (?, 1)
       ON CONFLICT(name) DO UPDATE SET version = version + 1`,
    );
    this.db
      .transaction(() => {
        for (const write of plan.writes) this.apply(write);
        for (const name of plan.versions) moveVersion.run(name);
        for (const checkpoint of plan.checkpoints) saveCheckpoint.run(checkpoint.name, checkpoint.position);
      })
      .immediate();
    // The write-ahead log still holds the old page images until a checkpoint empties it.
    if (plan.erasesPersonalData) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  private apply(write: PlannedWrite): void {
    const table = this.tables.get(write.collection.name)!;
    switch (write.type) {
      case 'put':
        return table.put(write.row);
      case 'insert':
        return table.insert(write.row);
      case 'delete':
        return table.delete(write.id, write.revision);
      case 'update':
        return this.update(table, write.conditions, write.apply);
    }
  }

  /** Pages through the matching documents in _id order and puts what `apply` returns, inside the batch's transaction. */
  private update(table: Table, conditions: readonly PlannedCondition[], apply: (document: JsonDocument) => StoredDocument | undefined): void {
    const where = new Where();
    for (const condition of conditions) where.condition(condition);
    where.add('_id > ?', '');
    const page = this.prepared(`SELECT _id, doc FROM ${table.table} ${where.sql()} ORDER BY _id LIMIT ${UPDATE_PAGE}`);
    const params = where.params;
    for (;;) {
      const rows = page.all(...params) as { _id: string; doc: string }[];
      if (rows.length === 0) return;
      for (const { doc } of rows) {
        const row = updatedRow(table.collection, apply, fromJson(table.collection, doc));
        if (row) table.put(row);
      }
      params[params.length - 1] = rows[rows.length - 1]!._id;
    }
  }

  async getCheckpoint(name: string): Promise<number> {
    const row = this.prepared('SELECT position FROM document_store_checkpoints WHERE name = ?').get(checkpointName(name)) as
      | { position: number }
      | undefined;
    return row?.position ?? -1;
  }

  /** A counter moved inside the batch's transaction. */
  async getVersion(name: string): Promise<string> {
    const row = this.prepared('SELECT version FROM document_store_versions WHERE name = ?').get(versionName(name)) as
      | { version: number }
      | undefined;
    return row === undefined ? '' : String(row.version);
  }

  async reset(): Promise<void> {
    this.db
      .transaction(() => {
        const known = this.db.prepare('SELECT name FROM document_store_collections').all() as { name: string }[];
        for (const { name } of known) {
          if (this.tables.has(name)) {
            this.db.exec(`DELETE FROM ${quoted(tableName(name))}`);
          } else {
            // A collection no longer declared: its table goes too.
            this.db.exec(`DROP TABLE IF EXISTS ${quoted(tableName(name))}`);
            this.db.prepare('DELETE FROM document_store_collections WHERE name = ?').run(name);
          }
        }
        this.db.exec('DELETE FROM document_store_checkpoints');
        this.db.exec('UPDATE document_store_versions SET version = version + 1');
      })
      .immediate();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private table(spec: unknown): Table {
    return this.tables.get(this.registry.resolve(spec).name)!;
  }
}

/** Creates a collection's table and indexes, or rebuilds them when its declaration changed. Runs inside a transaction. */
function declare(db: Database.Database, collection: ResolvedCollection): void {
  const name = tableName(collection.name);
  const table = quoted(name);
  const stored = db.prepare('SELECT fingerprint FROM document_store_collections WHERE name = ?').get(collection.name) as
    | { fingerprint: string }
    | undefined;
  const exists = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  if (exists && stored?.fingerprint === collection.fingerprint) return;
  const previous = quoted(`${name}__previous`);
  if (exists) {
    const indexes = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(name) as {
      name: string;
    }[];
    for (const index of indexes) db.exec(`DROP INDEX ${quoted(index.name)}`);
    db.exec(`ALTER TABLE ${table} RENAME TO ${previous}`);
  }
  const columns = [...collection.fields.keys()].map((field) => `,\n       ${column(field)} ANY`);
  db.exec(
    `CREATE TABLE ${table} (
       _id      TEXT PRIMARY KEY,
       revision INTEGER NOT NULL,
       doc      TEXT NOT NULL,
       search   TEXT${columns.join('')}
     ) STRICT`,
  );
  for (const index of collection.indexes) {
    // Non-unique indexes end in _id, the order every query pages in.
    const fields = [...index.fields.map(column), ...(index.unique ? [] : ['_id'])];
    db.exec(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoted(`${name}__${index.name}`)} ON ${table} (${fields.join(', ')})`);
  }
  if (exists) {
    // Keys and search text re-derived from every stored document, in one transaction with the new schema.
    const target = new Table(db, collection);
    const page = db.prepare(`SELECT _id, doc FROM ${previous} WHERE _id > ? ORDER BY _id LIMIT ${SCAN_PAGE}`);
    let after = '';
    for (;;) {
      const rows = page.all(after) as { _id: string; doc: string }[];
      if (rows.length === 0) break;
      for (const row of rows) target.put(toRow(collection, fromJson(collection, row.doc)));
      after = rows[rows.length - 1]!._id;
    }
    db.exec(`DROP TABLE ${previous}`);
  }
  db.prepare(
    `INSERT INTO document_store_collections (name, fingerprint) VALUES (?, ?)
     ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint`,
  ).run(collection.name, collection.fingerprint);
}

/** A WHERE clause built from checked field names and bound values only. */
class Where {
  private readonly clauses: string[] = [];
  readonly params: SqlValue[] = [];

  add(clause: string, ...params: SqlValue[]): void {
    this.clauses.push(clause);
    this.params.push(...params);
  }

  condition({ field, values }: PlannedCondition): void {
    const name = field === '_id' ? '_id' : column(field);
    const present = values.filter((value): value is string | number => value !== null);
    const alternatives: string[] = [];
    if (present.length === 1) alternatives.push(`${name} = ?`);
    if (present.length > 1) alternatives.push(`${name} IN (SELECT value FROM json_each(?))`);
    if (values.includes(null)) alternatives.push(`${name} IS NULL`);
    if (alternatives.length === 0) {
      this.add('0');
      return;
    }
    const params: SqlValue[] = present.length === 1 ? [present[0]!] : present.length > 1 ? [JSON.stringify(present)] : [];
    this.add(alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(' OR ')})`, ...params);
  }

  keyset(after: readonly (readonly Comparison[])[]): void {
    const params: SqlValue[] = [];
    const disjuncts = after.map((conjunction) =>
      conjunction
        .map(({ field, op, value }) => {
          const name = field === '_id' ? '_id' : column(field);
          if (value === null) return op === 'gt' ? `${name} IS NOT NULL` : `${name} IS NULL`;
          params.push(value);
          return `${name} ${op === 'gt' ? '>' : '='} ?`;
        })
        .join(' AND '),
    );
    this.add(`(${disjuncts.map((d) => `(${d})`).join(' OR ')})`, ...params);
  }

  sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** Collection names are checked ([a-z][a-z0-9_]*), so they can be quoted into SQL as they are. */
function tableName(collection: string): string {
  return `docs_${collection}`;
}

function quoted(name: string): string {
  return `"${name}"`;
}

function column(field: string): string {
  return `"f_${field}"`;
}
