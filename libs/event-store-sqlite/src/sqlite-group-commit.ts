// Group commit for a SQLite connection: writes requested in the same turn of
// the event loop share one IMMEDIATE transaction, hence one fsync, instead of
// one each. Each write runs in a savepoint of its own, so one that throws
// (a revision conflict, a duplicate) is rolled back alone and fails alone; its
// promise settles only after the shared commit, so a resolved write is durable
// exactly as if it had committed by itself. A write that is one statement
// needs no savepoint: SQLite undoes a failed statement by itself.
//
// A full disk (SQLITE_FULL, or an I/O error on a full filesystem) surfaces as
// StorageFullError. When it strikes mid-transaction SQLite may roll the whole
// shared transaction back; the writes still queued would then run and commit
// one by one outside it, so the group is abandoned instead and every write in
// it fails: nothing is answered as failed yet recorded, or the reverse.
import type Database from 'better-sqlite3';
import { asStorageFull } from './storage-full';

interface Pending {
  readonly work: () => unknown;
  readonly atomic: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export class SqliteGroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly inSavepoint: (work: () => unknown) => unknown;
  private readonly commitAll: (queue: readonly Pending[]) => Settled[];

  /** The database file, to tell a full disk from other I/O errors. */
  private readonly file: string;

  constructor(db: Database.Database) {
    this.file = db.name;
    // A transaction function called inside another runs as a savepoint (better-sqlite3).
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    const all = db.transaction((queue: readonly Pending[]) =>
      queue.map((item): Settled => {
        try {
          return { ok: true, value: item.atomic ? item.work() : this.inSavepoint(item.work) };
        } catch (error) {
          // The shared transaction is gone: whatever ran in it was rolled back with it.
          if (!db.inTransaction) throw error;
          return { ok: false, error: asStorageFull(error, this.file) };
        }
      }),
    );
    this.commitAll = (queue) => all.immediate(queue);
  }

  /**
   * Runs `work` inside the next shared transaction; settles once that transaction has committed.
   * `atomic`: the work writes with one statement at most, after any check that may throw, so a
   * failure leaves nothing of it to roll back and it runs without a savepoint of its own.
   */
  run<T>(work: () => T, options: { readonly atomic?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the SQLite connection is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, atomic: options.atomic === true, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current I/O callbacks: every request that arrived with them joins this commit.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits whatever is queued now (before the connection closes), then refuses new work. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    let settled: Settled[];
    try {
      settled = this.commitAll(queue);
    } catch (error) {
      // The transaction itself failed (SQLITE_BUSY, disk full): nothing of it was committed.
      const failure = asStorageFull(error, this.file);
      for (const item of queue) item.reject(failure);
      return;
    }
    settled.forEach((outcome, i) => (outcome.ok ? queue[i]!.resolve(outcome.value) : queue[i]!.reject(outcome.error)));
  }
}
