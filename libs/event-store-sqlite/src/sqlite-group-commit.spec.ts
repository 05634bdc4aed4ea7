import Database from 'better-sqlite3';
import { StorageFullError } from '@rapport/event-store';
import { SqliteGroupCommit } from './sqlite-group-commit';

describe('SqliteGroupCommit', () => {
  let db: Database.Database;
  let commits: number;
  let group: SqliteGroupCommit;

  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    commits = 0;
    // Count the shared transactions: each ends in one COMMIT.
    const transaction = db.transaction.bind(db);
    db.transaction = ((fn: (...args: never[]) => unknown) => {
      const wrapped = transaction(fn);
      return Object.assign((...args: never[]) => wrapped(...args), {
        ...wrapped,
        immediate: (...args: never[]) => {
          commits++;
          return wrapped.immediate(...args);
        },
      });
    }) as unknown as typeof db.transaction;
    group = new SqliteGroupCommit(db);
  });
  afterEach(() => db.close());

  const insert = (v: number) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;
  const count = () => (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;

  it('writes requested in one turn of the event loop share one transaction', async () => {
    await Promise.all([1, 2, 3, 4, 5].map((v) => group.run(insert(v))));
    expect(commits).toBe(1);
    expect(count()).toBe(5);
  });

  it('writes requested in later turns get later transactions', async () => {
    await group.run(insert(1));
    await group.run(insert(2));
    expect(commits).toBe(2);
  });

  it('a write that throws is rolled back alone and fails alone', async () => {
    const results = await Promise.allSettled([group.run(insert(1)), group.run(insert(1)), group.run(insert(2))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(commits).toBe(1);
    expect(count()).toBe(2);
  });

  it('an atomic write (one statement, no savepoint) that throws fails alone, and a write of two statements still rolls back whole', async () => {
    const twoInserts = (a: number, b: number) => () => insert(a)() + insert(b)();
    const results = await Promise.allSettled([
      group.run(insert(1), { atomic: true }),
      group.run(insert(1), { atomic: true }),
      group.run(twoInserts(2, 1)),
      group.run(insert(3), { atomic: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(commits).toBe(1);
    // 2 went with the rest of its write.
    expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual([1, 3]);
  });

  it('a write is visible only once its promise settles, and the promise settles after the commit', async () => {
    const pending = group.run(insert(7));
    expect(count()).toBe(0);
    expect(await pending).toBe(1);
    expect(db.inTransaction).toBe(false);
    expect(count()).toBe(1);
  });

  it('a full database fails every write of the shared transaction it rolled back, and leaves none recorded', async () => {
    db.exec('CREATE TABLE pad (b BLOB)');
    // SQLite rolls the whole transaction back when it runs out of pages mid-way, as on a full disk.
    db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 8}`);
    const fill = () => db.prepare('INSERT INTO pad (b) VALUES (zeroblob(1000000))').run().changes;
    const results = await Promise.allSettled([group.run(insert(1)), group.run(fill), group.run(insert(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StorageFullError);
    expect(count()).toBe(0);
    expect(db.inTransaction).toBe(false);
    // The connection stays usable: a write that fits commits.
    await expect(group.run(insert(3))).resolves.toBe(1);
    expect(count()).toBe(1);
  });

  it('close commits what is queued and refuses new work', async () => {
    const queued = group.run(insert(1));
    group.close();
    await expect(queued).resolves.toBe(1);
    await expect(group.run(insert(2))).rejects.toThrow(/closed/);
    expect(count()).toBe(1);
  });
});
