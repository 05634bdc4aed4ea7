// The embedded event log: one SQLite file, one table. better-sqlite3 is
// synchronous, so each append runs start to finish without yielding; across
// processes the IMMEDIATE transaction takes the write lock before the stream's
// head is read, so optimistic concurrency holds there too.
import Database from 'better-sqlite3';
import type { CustomerEventType, EventMetadata } from '@rapport/domain';
import {
  assertCustomerId,
  assertExpectedRevision,
  computeEventHash,
  DuplicateEventIdError,
  integer,
  nonNegativeInteger,
  normaliseNewEvent,
  positiveInteger,
  readStreamsWithin,
  WrongExpectedRevisionError,
  ZERO_HASH,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type FollowOptions,
  type NewEvent,
  type NormalisedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamTail,
} from '@rapport/event-store';
import { preparePrivateDatabaseFile } from './private-file';
import { isUniqueViolation } from './sqlite-error';
import { SqliteGroupCommit } from './sqlite-group-commit';
import { WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from './wal-settings';

export interface SqliteEventStoreOptions {
  /** Source of recordedAt; one reading per append, inside its transaction. Default: the system clock. */
  readonly clock?: () => Date;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** How often follow() looks for appends made by other connections. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** Batch size of follow() when the caller gives none. Default 500. */
  readonly defaultBatchSize?: number;
  /** WAL pages after which a commit checkpoints (SQLite's wal_autocheckpoint). Default WAL_AUTOCHECKPOINT_PAGES. */
  readonly walAutocheckpointPages?: number;
}

interface EventRow {
  position: number;
  customer_id: string;
  revision: number;
  event_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  /** 1 for every event recorded as version 1, including those from before the column existed. */
  schema_version: number;
  data: string;
  metadata: string;
  hash: string;
}

interface StreamHead {
  revision: number;
  hash: string;
}

/** The table layout (PRAGMA user_version); 2 added events.schema_version, the payload version of each event. */
const TABLE_SCHEMA_VERSION = 2;

/** SQL that (re)creates the triggers refusing UPDATE and DELETE on events. */
export const APPEND_ONLY_TRIGGERS_SQL = `
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`;

/** SQL that drops the append-only triggers; for tamper tests only. */
export const DROP_APPEND_ONLY_TRIGGERS_SQL = `
DROP TRIGGER IF EXISTS events_no_update;
DROP TRIGGER IF EXISTS events_no_delete;
`;

// The payload schema version of each event. A log made before it existed gets
// it by ALTER TABLE, which reads as 1 for the rows already there: their version.
const SCHEMA_VERSION_COLUMN = 'schema_version INTEGER NOT NULL DEFAULT 1 CHECK (schema_version >= 1)';

// STRICT enforces column types. The triggers make the log append-only for
// every ordinary connection; only deliberate tampering (dropping them) can
// change history, and the hash chain exposes that.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT    NOT NULL,
  revision    INTEGER NOT NULL CHECK (revision >= 0),
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  occurred_at TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  ${SCHEMA_VERSION_COLUMN},
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  UNIQUE (customer_id, revision)
) STRICT;
${APPEND_ONLY_TRIGGERS_SQL}
`;

const UNBOUNDED = -1; // SQLite's LIMIT -1: no limit.

export class SqliteEventStore implements EventStore {
  private closed = false;
  /** Wakers of follow() loops waiting for the next append or for close(). */
  private readonly waiters = new Set<() => void>();
  /** Told of each append that recorded events (onAppend). */
  private readonly appendListeners = new Set<() => void>();
  private readonly clock: () => Date;
  private readonly pollIntervalMs: number;
  private readonly defaultBatchSize: number;
  /** Appends of one event-loop turn share a transaction and its fsync. */
  private readonly commits: SqliteGroupCommit;

  private readonly statements: {
    head: Database.Statement<[string], StreamHead>;
    eventIdExists: Database.Statement<[string], { found: number }>;
    insert: Database.Statement<[Omit<EventRow, 'position'>]>;
    forward: Database.Statement<[string, number, number], EventRow>;
    backward: Database.Statement<[string, number, number], EventRow>;
    all: Database.Statement<[number, number], EventRow>;
    byEventId: Database.Statement<[string], EventRow>;
    headPosition: Database.Statement<[], { position: number | null }>;
  };

  private constructor(
    private readonly db: Database.Database,
    options: SqliteEventStoreOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.pollIntervalMs = positiveInteger(options.pollIntervalMs ?? 250, 'pollIntervalMs');
    this.defaultBatchSize = positiveInteger(options.defaultBatchSize ?? 500, 'defaultBatchSize');
    this.commits = new SqliteGroupCommit(db);
    const columns = 'position, customer_id, revision, event_id, type, occurred_at, recorded_at, schema_version, data, metadata, hash';
    this.statements = {
      head: db.prepare<[string], StreamHead>('SELECT revision, hash FROM events WHERE customer_id = ? ORDER BY revision DESC LIMIT 1'),
      eventIdExists: db.prepare<[string], { found: number }>('SELECT 1 AS found FROM events WHERE event_id = ?'),
      insert: db.prepare<[Omit<EventRow, 'position'>]>(
        `INSERT INTO events (customer_id, revision, event_id, type, occurred_at, recorded_at, schema_version, data, metadata, hash)
         VALUES (@customer_id, @revision, @event_id, @type, @occurred_at, @recorded_at, @schema_version, @data, @metadata, @hash)`,
      ),
      forward: db.prepare<[string, number, number], EventRow>(`SELECT ${columns} FROM events WHERE customer_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`),
      backward: db.prepare<[string, number, number], EventRow>(`SELECT ${columns} FROM events WHERE customer_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`),
      all: db.prepare<[number, number], EventRow>(`SELECT ${columns} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`),
      byEventId: db.prepare<[string], EventRow>(`SELECT ${columns} FROM events WHERE event_id = ?`),
      headPosition: db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
    };
  }

  /**
   * Opens (creating when missing, with its directories) the log at `path`;
   * ':memory:' gives a private in-memory log for tests.
   */
  static open(path: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const inMemory = path === ':memory:' || path === '';
    if (!inMemory) preparePrivateDatabaseFile(path);
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a commit is on disk before append() resolves, even across power loss.
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${nonNegativeInteger(options.busyTimeoutMs ?? 5000, 'busyTimeoutMs')}`);
      db.pragma(`wal_autocheckpoint = ${positiveInteger(options.walAutocheckpointPages ?? WAL_AUTOCHECKPOINT_PAGES, 'walAutocheckpointPages')}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      migrate(db);
      return new SqliteEventStore(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * The underlying connection, for diagnostics and tamper tests. Writes through
   * it bypass the hash chain; UPDATE and DELETE first need
   * DROP_APPEND_ONLY_TRIGGERS_SQL (see testing/sqlite-tamperer.ts).
   */
  rawDatabase(): Database.Database {
    return this.db;
  }

  async append(customerId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    assertCustomerId(customerId);
    assertExpectedRevision(expected);
    // Normalise before the transaction: the hash must cover exactly what reads return.
    const prepared = events.map((event) => normalise(event));
    // recordedAt is read inside the shared transaction, so it never goes backwards in log order.
    const result = await this.commits.run(() => this.appendInTransaction(customerId, prepared, expected, this.clock().toISOString()), {
      // One event is one INSERT after the checks: it fails whole without a savepoint of its own.
      atomic: prepared.length <= 1,
    });
    if (result.events.length > 0) {
      this.wakeFollowers();
      for (const listener of this.appendListeners) listener();
    }
    return result;
  }

  /**
   * Calls `listener` after each append through this connection that recorded
   * events (once committed): a follower on another connection, in another
   * thread, can be woken at once instead of at its next poll. Returns the unsubscribe.
   */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Another connection to this file has appended: follow() loops read now rather than at their next poll. */
  notifyAppended(): void {
    this.wakeFollowers();
  }

  private appendInTransaction(
    customerId: string,
    events: readonly NormalisedEvent[],
    expected: ExpectedRevision,
    recordedAt: string,
  ): AppendResult {
    const seen = new Set<string>();
    for (const event of events) {
      if (seen.has(event.eventId)) throw new DuplicateEventIdError(event.eventId);
      seen.add(event.eventId);
    }
    const head = this.statements.head.get(customerId);
    const actual = head?.revision ?? -1;
    const holds = expected === 'any' || (expected === 'no_stream' ? head === undefined : expected === actual);
    if (!holds) {
      // A retried append whose first attempt landed is reported as the duplicate it is, not as a revision conflict.
      const recorded = events.find((event) => this.statements.eventIdExists.get(event.eventId));
      throw recorded ? new DuplicateEventIdError(recorded.eventId) : new WrongExpectedRevisionError(customerId, expected, actual);
    }

    let previousHash = head?.hash ?? ZERO_HASH;
    const recorded: RecordedEvent[] = [];
    for (const [offset, event] of events.entries()) {
      const fields = { ...event, customerId, recordedAt, revision: actual + 1 + offset };
      const hash = computeEventHash(previousHash, fields);
      // A recorded eventId is refused by its unique index, not looked up first: the insert probes it anyway.
      const { lastInsertRowid } = this.insertNew({
        customer_id: customerId,
        revision: fields.revision,
        event_id: event.eventId,
        type: event.type,
        occurred_at: event.occurredAt,
        recorded_at: recordedAt,
        schema_version: event.schemaVersion ?? 1,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
        hash,
      });
      recorded.push({ ...fields, position: Number(lastInsertRowid), hash });
      previousHash = hash;
    }
    // An empty append only checks `expected`; the stream stays where it was.
    return { nextExpectedRevision: actual + recorded.length, events: recorded };
  }

  /** Inserts one event; a recorded eventId is a DuplicateEventIdError. */
  private insertNew(row: Omit<EventRow, 'position'>): Database.RunResult {
    try {
      return this.statements.insert.run(row);
    } catch (error) {
      if (isUniqueViolation(error, 'events.event_id')) throw new DuplicateEventIdError(row.event_id);
      throw error;
    }
  }

  async readStream(customerId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.maxCount === undefined ? UNBOUNDED : nonNegativeInteger(options.maxCount, 'maxCount');
    if (options.direction === 'backward') {
      const from = options.fromRevision === undefined ? Number.MAX_SAFE_INTEGER : nonNegativeInteger(options.fromRevision, 'fromRevision');
      return this.statements.backward.all(customerId, from, limit).map(toRecordedEvent);
    }
    const from = nonNegativeInteger(options.fromRevision ?? 0, 'fromRevision');
    return this.statements.forward.all(customerId, from, limit).map(toRecordedEvent);
  }

  /** One indexed read per stream, one after another (readStreamsWithin). */
  async readStreams(requests: readonly StreamTail[], maxEvents: number): Promise<Map<string, RecordedEvent[]>> {
    this.assertOpen();
    return readStreamsWithin(requests, maxEvents, async ({ customerId, fromRevision }, maxCount) => this.statements.forward.all(customerId, fromRevision, maxCount).map(toRecordedEvent));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.maxCount === undefined ? UNBOUNDED : nonNegativeInteger(options.maxCount, 'maxCount');
    return this.readAfter(options.after, limit);
  }

  /**
   * Yields batches after `after`, then waits: an append through this instance
   * wakes it at once, and a poll picks up appends by other connections. Ends
   * when the signal aborts or the store closes.
   */
  async *follow(options: FollowOptions = {}): AsyncGenerator<RecordedEvent[], void, undefined> {
    const batchSize = positiveInteger(options.batchSize ?? this.defaultBatchSize, 'batchSize');
    const { signal } = options;
    let after = options.after;
    while (!this.closed && !signal?.aborted) {
      const batch = this.readAfter(after, batchSize);
      if (batch.length > 0) {
        after = batch[batch.length - 1].position;
        yield batch;
        // Catching up on a long log is otherwise a chain of microtasks that starves timers and I/O.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await this.nextChange(signal);
    }
  }

  async findByEventId(eventId: string): Promise<RecordedEvent | undefined> {
    this.assertOpen();
    const row = this.statements.byEventId.get(eventId);
    return row && toRecordedEvent(row);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.statements.headPosition.get()?.position ?? -1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.commits.close();
    this.closed = true;
    this.appendListeners.clear();
    this.wakeFollowers();
    this.db.close();
  }

  private readAfter(after: number | undefined, limit: number): RecordedEvent[] {
    const from = after === undefined ? -1 : integer(after, 'after');
    return this.statements.all.all(from, limit).map(toRecordedEvent);
  }

  /** Resolves on the next append through this instance, the next poll tick, abort or close. */
  private nextChange(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.pollIntervalMs);
      signal?.addEventListener('abort', wake, { once: true });
      this.waiters.add(wake);
    });
  }

  private wakeFollowers(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > TABLE_SCHEMA_VERSION) {
    throw new Error(`event log schema version ${version} is newer than this build understands (${TABLE_SCHEMA_VERSION})`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    // A log from before schema 2: its table exists without the column (CREATE … IF NOT EXISTS left it as it was).
    const columns = db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'events\')').all();
    if (!columns.some((column) => column.name === 'schema_version')) db.exec(`ALTER TABLE events ADD COLUMN ${SCHEMA_VERSION_COLUMN}`);
    db.pragma(`user_version = ${TABLE_SCHEMA_VERSION}`);
  }).immediate();
}

/** The event as it will read back from JSON text (see normaliseNewEvent). */
function normalise(event: NewEvent): NormalisedEvent {
  if (typeof event.eventId !== 'string' || event.eventId.length === 0) throw new TypeError('eventId must be a non-empty string');
  return normaliseNewEvent(event);
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.type as CustomerEventType,
    customerId: row.customer_id,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    revision: row.revision,
    position: row.position,
    ...(row.schema_version !== 1 ? { schemaVersion: row.schema_version } : {}),
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as EventMetadata,
    hash: row.hash,
  };
}
