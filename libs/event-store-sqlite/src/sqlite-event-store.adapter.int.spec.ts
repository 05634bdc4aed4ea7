import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { computeEventHash, DuplicateEventIdError, StorageFullError, verifyChain, WrongExpectedRevisionError, ZERO_HASH, type NewEvent, type RecordedEvent } from '@rapport/event-store';
import { eventually } from '@rapport/config/testing';
import { describeEventStoreContract } from '@rapport/event-store/testing';
import { SqliteEventStore } from './sqlite-event-store.adapter';
import { WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from './wal-settings';
import { sqliteTamperer } from './testing';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rapport-event-store-'));
}

function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'qualified',
    occurredAt: '2024-06-01T12:00:00Z',
    data: { score: 70 },
    metadata: { source: 'sqlite-spec' },
    ...overrides,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


describeEventStoreContract('SQLite file', async () => {
  const dir = tempDir();
  // A nested path also checks that open() creates missing directories.
  const store = SqliteEventStore.open(join(dir, 'nested', 'log', 'events.db'));
  return { store, tamper: sqliteTamperer(store), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describeEventStoreContract('SQLite in memory', async () => {
  const store = SqliteEventStore.open(':memory:');
  return { store, tamper: sqliteTamperer(store) };
});

describe('SqliteEventStore', () => {
  let dir: string;
  let path: string;
  const opened: SqliteEventStore[] = [];
  const open = (options?: Parameters<typeof SqliteEventStore.open>[1]) => {
    const store = SqliteEventStore.open(path, options);
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
    path = join(dir, 'data', 'events.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the file and its directories, in WAL mode with durable commits', () => {
    const store = open({ busyTimeoutMs: 1234 });
    expect(existsSync(path)).toBe(true);
    const db = store.rawDatabase();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_PAGES);
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(WAL_SIZE_LIMIT_BYTES);
  });

  it('checkpoints the WAL once it passes walAutocheckpointPages, not at SQLite\'s 1,000', async () => {
    // About 1,500 pages a commit: past SQLite's default, short of the log's own threshold.
    const commit = (store: SqliteEventStore, customerId: string) =>
      store.append(customerId, Array.from({ length: 400 }, () => newEvent({ data: { note: 'x'.repeat(12_000) } })), 'no_stream');
    const walBytes = () => statSync(`${path}-wal`).size;
    const deferring = open();
    await commit(deferring, 'cust-1');
    const one = walBytes();
    await commit(deferring, 'cust-2');
    // Nothing was checkpointed: the second commit's pages follow the first's.
    expect(walBytes()).toBeGreaterThan(one * 1.8);
    await deferring.close();

    rmSync(dir, { recursive: true, force: true });
    const eager = open({ walAutocheckpointPages: 1_000 });
    await commit(eager, 'cust-1');
    expect(walBytes()).toBeGreaterThan(1_000 * 4096);
    await commit(eager, 'cust-2');
    // The first commit's pages were checkpointed, so the second rewrote the WAL from its start.
    expect(walBytes()).toBeLessThan(one * 1.2);
  });

  it('keeps the events across close and reopen, and continues the chain', async () => {
    const first = open();
    const before = (await first.append('cust-1', [newEvent(), newEvent()], 'no_stream')).events;
    await first.close();

    const second = open();
    expect(await second.readStream('cust-1')).toEqual(before);
    const { events } = await second.append('cust-1', [newEvent()], 1);
    expect(events[0].revision).toBe(2);
    expect(events[0].position).toBeGreaterThan(before[1].position);
    expect(verifyChain(await second.readStream('cust-1'))).toMatchObject({ ok: true, checked: 3 });
  });

  it('stamps recordedAt from the injected clock, once per append', async () => {
    const times = [new Date('2024-02-29T23:59:59.999Z'), new Date('2024-03-01T00:00:00.001Z')];
    const clock = jest.fn(() => times.shift()!);
    const store = open({ clock });
    const a = await store.append('cust-clock', [newEvent(), newEvent()], 'no_stream');
    const b = await store.append('cust-clock', [newEvent()], 1);
    expect(clock).toHaveBeenCalledTimes(2);
    expect(a.events.map((e) => e.recordedAt)).toEqual(['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z']);
    expect(b.events[0].recordedAt).toBe('2024-03-01T00:00:00.001Z');
  });

  it('lets a second instance on the same file see appends through follow (polling)', async () => {
    const writer = open();
    const reader = open({ pollIntervalMs: 20 });
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const loop = (async () => {
      for await (const batch of reader.follow({ signal: controller.signal })) received.push(...batch);
    })();

    const first = (await writer.append('cust-x', [newEvent()], 'no_stream')).events;
    await eventually(() => received.length === 1);
    const second = (await writer.append('cust-y', [newEvent(), newEvent()], 'no_stream')).events;
    await eventually(() => received.length === 3);
    controller.abort();
    await loop;
    expect(received).toEqual([...first, ...second]);
  });

  it('wakes a follower at once on an append through the same instance, without waiting for the poll', async () => {
    const store = open({ pollIntervalMs: 60_000 });
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const loop = (async () => {
      for await (const batch of store.follow({ signal: controller.signal })) received.push(...batch);
    })();
    await sleep(20); // let it reach the wait
    const started = Date.now();
    await store.append('cust-wake', [newEvent()], 'no_stream');
    await eventually(() => received.length === 1, 2_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    controller.abort();
    await loop;
  });

  it('tells onAppend listeners of each append that recorded, and notifyAppended wakes a follower on another connection without its poll', async () => {
    const file = join(tempDir(), 'events.sqlite');
    const writer = SqliteEventStore.open(file);
    const reader = SqliteEventStore.open(file, { pollIntervalMs: 60_000 });
    const told: number[] = [];
    const unsubscribe = writer.onAppend(() => told.push(told.length));
    const controller = new AbortController();
    const received: RecordedEvent[] = [];
    const loop = (async () => {
      for await (const batch of reader.follow({ signal: controller.signal })) received.push(...batch);
    })();
    await sleep(20); // let it reach the wait
    writer.onAppend(() => reader.notifyAppended());
    await writer.append('cust-other', [newEvent()], 'no_stream');
    // The reader polls once a minute: only the notification can have woken it.
    await eventually(() => received.length === 1, 10_000);
    await writer.append('cust-other', [], 0);
    await expect(writer.append('cust-other', [newEvent()], 5)).rejects.toThrow();
    unsubscribe();
    await writer.append('cust-other', [newEvent()], 0);
    await eventually(() => received.length === 2, 10_000);
    // The first append only: an empty append and a refused one record nothing, and the listener was then removed.
    expect(told).toEqual([0]);
    controller.abort();
    await loop;
    await Promise.all([writer.close(), reader.close()]);
  });

  it('ends active follow loops on close, and close is idempotent', async () => {
    const store = open({ pollIntervalMs: 60_000 });
    const loop = (async () => {
      let batches = 0;
      for await (const _batch of store.follow()) batches += 1;
      return batches;
    })();
    await sleep(20);
    await store.close();
    await store.close();
    expect(await loop).toBe(0);
    await expect(store.readAll()).rejects.toThrow(/closed/);
    await expect(store.append('cust-z', [newEvent()], 'any')).rejects.toThrow(/closed/);
  });

  it('serialises optimistic writers across two connections to one file', async () => {
    const a = open();
    const b = open();
    const events = Array.from({ length: 50 }, () => newEvent());
    await Promise.all(
      events.map(async (event, i) => {
        const store = i % 2 === 0 ? a : b;
        for (;;) {
          const [last] = await store.readStream('cust-shared', { direction: 'backward', maxCount: 1 });
          try {
            await store.append('cust-shared', [event], last === undefined ? 'no_stream' : last.revision);
            return;
          } catch (error) {
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
          }
        }
      }),
    );
    const stream = await a.readStream('cust-shared');
    expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Set(stream.map((e) => e.eventId)).size).toBe(50);
    expect(verifyChain(stream)).toMatchObject({ ok: true, checked: 50 });
  });

  it('refuses UPDATE and DELETE on the events table outside deliberate tampering', async () => {
    const store = open();
    await store.append('cust-ro', [newEvent()], 'no_stream');
    const db = store.rawDatabase();
    expect(() => db.prepare("UPDATE events SET data = '{}'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(await store.readStream('cust-ro')).toHaveLength(1);
  });

  it('reports a duplicate eventId before a revision conflict, so a retried append reads as a duplicate', async () => {
    const store = open();
    const event = newEvent();
    await store.append('cust-retry', [event], 'no_stream');
    await expect(store.append('cust-retry', [event], 'no_stream')).rejects.toBeInstanceOf(DuplicateEventIdError);
  });

  it('refuses invalid input without recording anything', async () => {
    const store = open();
    await expect(store.append('customer with spaces', [newEvent()], 'any')).rejects.toThrow(RangeError);
    await expect(store.append('x'.repeat(65), [newEvent()], 'any')).rejects.toThrow(RangeError);
    await expect(store.append('cust-ok', [newEvent()], -1)).rejects.toThrow(RangeError);
    await expect(store.append('cust-ok', [newEvent()], 1.5)).rejects.toThrow(RangeError);
    await expect(store.append('cust-ok', [newEvent({ eventId: '' })], 'any')).rejects.toThrow(TypeError);
    await expect(store.append('cust-ok', [newEvent({ data: { big: BigInt(1) } })], 'any')).rejects.toThrow(TypeError);
    await expect(store.readStream('cust-ok', { maxCount: -1 })).rejects.toThrow(RangeError);
    await expect(store.readAll({ after: Number.NaN })).rejects.toThrow(RangeError);
    expect(await store.headPosition()).toBe(-1);
  });

  it('stores undefined data as null and drops undefined members, keeping the chain verifiable', async () => {
    const store = open();
    const { events } = await store.append(
      'cust-undef',
      [newEvent({ data: undefined }), newEvent({ data: { a: 1, b: undefined }, metadata: { actor: undefined, source: 's' } })],
      'no_stream',
    );
    const stored = await store.readStream('cust-undef');
    expect(stored).toEqual(events);
    expect(stored[0].data).toBeNull();
    expect(Object.keys(stored[1].data as object)).toEqual(['a']);
    expect(Object.keys(stored[1].metadata)).toEqual(['source']);
    expect(verifyChain(stored)).toMatchObject({ ok: true, checked: 2 });
  });

  it('refuses an append on a full disk as StorageFullError, recording none of it, and appends again once there is room', async () => {
    const store = open();
    await store.append('cust-full', [newEvent()], 'no_stream');
    const db = store.rawDatabase();
    // The file may not grow: what SQLite answers on a full disk (SQLITE_FULL).
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const big = Array.from({ length: 20 }, () => newEvent({ data: { note: 'x'.repeat(4000) } }));
    await expect(store.append('cust-full', big, 0)).rejects.toBeInstanceOf(StorageFullError);
    expect(await store.readStream('cust-full')).toHaveLength(1);
    expect(await store.readAll()).toHaveLength(1);
    db.pragma('max_page_count = 1073741823');
    await store.append('cust-full', big, 0);
    expect(verifyChain(await store.readStream('cust-full'))).toMatchObject({ ok: true, checked: 21 });
  });

  it('opens a log made before payload schema versions: its events stay version 1 and verify, new ones carry theirs', async () => {
    // The table exactly as builds before versions created it (user_version 1), holding one event hashed then.
    mkdirSync(dirname(path), { recursive: true });
    const before = new Database(path);
    before.exec(`CREATE TABLE events (
      position INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL, revision INTEGER NOT NULL CHECK (revision >= 0),
      event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL,
      data TEXT NOT NULL, metadata TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (customer_id, revision)) STRICT;
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;`);
    before.pragma('user_version = 1');
    const old = {
      eventId: randomUUID(), type: 'purchased' as const, customerId: 'old', occurredAt: '2024-01-01T00:00:00Z', recordedAt: '2024-01-01T00:00:01.000Z',
      revision: 0, data: { orderId: 'o-1', amount: '49.99', currency: 'USD' }, metadata: { source: 'v1' },
    };
    before
      .prepare('INSERT INTO events (customer_id, revision, event_id, type, occurred_at, recorded_at, data, metadata, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(old.customerId, 0, old.eventId, old.type, old.occurredAt, old.recordedAt, JSON.stringify(old.data), JSON.stringify(old.metadata), computeEventHash(ZERO_HASH, old));
    before.close();

    const store = open();
    expect(store.rawDatabase().pragma('user_version', { simple: true })).toBe(2);
    const [recorded] = await store.readStream('old');
    expect(recorded).toEqual({ ...old, position: 1, hash: computeEventHash(ZERO_HASH, old) });
    expect(Object.hasOwn(recorded!, 'schemaVersion')).toBe(false);
    await store.append('old', [newEvent({ schemaVersion: 2 })], 0);
    await store.close();
    // Opening again migrates nothing twice; the append-only triggers still hold.
    const again = open();
    const stream = await again.readStream('old');
    expect(stream.map((event) => event.schemaVersion)).toEqual([undefined, 2]);
    expect(verifyChain(stream)).toMatchObject({ ok: true, checked: 2 });
    expect(() => again.rawDatabase().prepare('UPDATE events SET schema_version = 3').run()).toThrow(/append-only/);
  });

  it('refuses a file written by a newer schema version', async () => {
    const store = open();
    store.rawDatabase().pragma('user_version = 99');
    await store.close();
    expect(() => SqliteEventStore.open(path)).toThrow(/schema version 99/);
  });
});
