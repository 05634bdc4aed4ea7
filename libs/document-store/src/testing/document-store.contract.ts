// The document-store contract: every adapter (SQLite file and :memory:,
// MongoDB/FerretDB) runs this suite unchanged. The factory gives fresh, empty
// storage for each test; the suite opens stores over it with its own
// collections. Operator injection is covered at the port, mirroring
// apps/api/src/operator-injection.e2e.spec.ts: values that look like operators
// are matched literally, and objects where plain values belong are refused.
import { defineCollection } from '../collection';
import {
  DuplicateKeyError,
  InvalidCursorError,
  InvalidDocumentError,
  InvalidQueryError,
  UnknownCollectionError,
  insert,
  put,
  remove,
  update,
  type AnyCollection,
  type CollectionSpec,
  type Condition,
  type DocumentStore,
  type Query,
  type StoredDocument,
  type Write,
} from '../document-store.port';

export interface DocumentStoreStorage {
  /** Opens a store over this storage, serving `collections`. The reopen tests call it again after closing the first store. */
  open(collections: readonly AnyCollection[]): Promise<DocumentStore>;
  cleanup?(): Promise<void>;
}

export interface DocumentStoreContractOptions {
  /**
   * Whether a second open() sees what the first wrote (a file, a server; not
   * SQLite's :memory:). Default true; false leaves out the reopen tests.
   */
  readonly reopenable?: boolean;
  /** Timeout of the tests that write over a thousand documents (FerretDB on SQLite writes ~100/s). Default 120 s. */
  readonly bulkTimeoutMs?: number;
}

export interface Person extends StoredDocument {
  readonly name?: string | null;
  readonly email?: string;
  readonly stage?: unknown;
  readonly team?: unknown;
  readonly score?: unknown;
  readonly note?: string;
  readonly attributes?: Record<string, unknown>;
}

export const people = defineCollection<Person>({
  name: 'people',
  fields: { stage: 'string', team: 'string', score: 'number' },
  indexes: [{ fields: ['stage'] }, { fields: ['team', 'score'] }],
  search: ['_id', 'name', 'email'],
});

export interface Entry extends StoredDocument {
  readonly owner: string;
  readonly at: number;
  readonly seq: number;
  readonly text: string;
  readonly redacted?: true;
}

export const entries = defineCollection<Entry>({
  name: 'entries',
  fields: { owner: 'string', at: 'number', seq: 'number' },
  indexes: [{ fields: ['owner', 'at', 'seq'] }],
});

export interface Handle extends StoredDocument {
  readonly handle?: string;
}

export const handles = defineCollection<Handle>({
  name: 'handles',
  fields: { handle: 'string' },
  indexes: [{ fields: ['handle'], unique: true }],
});

const COLLECTIONS = [people, entries, handles] as const;
const CHECKPOINT = 'contract';

const person = (id: string, revision: number, fields: Omit<Person, '_id' | 'revision'> = {}): Person => ({ _id: id, revision, ...fields });
const entry = (owner: string, seq: number, revision = seq, at = 1000 + seq): Entry => ({
  _id: `${owner}/${String(seq).padStart(5, '0')}`,
  revision,
  owner,
  at,
  seq,
  text: `entry ${seq} of ${owner}`,
});
/** What the store hands back: the document as JSON reads it. */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
const encode = (body: unknown) => Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');

/** `describeFn` lets a suite on infrastructure skip where that infrastructure is absent (see describeWithInfra). */
export function describeDocumentStoreContract(
  name: string,
  factory: () => Promise<DocumentStoreStorage>,
  options: DocumentStoreContractOptions = {},
  describeFn: jest.Describe = describe,
): void {
  const bulkTimeoutMs = options.bulkTimeoutMs ?? 120_000;

  describeFn(`DocumentStore contract: ${name}`, () => {
    let storage: DocumentStoreStorage;
    let store: DocumentStore;

    beforeEach(async () => {
      storage = await factory();
      store = await storage.open(COLLECTIONS);
    });
    afterEach(async () => {
      await store.close();
      await storage.cleanup?.();
    });

    const commit = (writes: readonly Write[], position?: number, erasesPersonalData?: boolean) =>
      store.commit({
        writes,
        checkpoints: position === undefined ? [] : [{ name: CHECKPOINT, position }],
        ...(erasesPersonalData ? { erasesPersonalData } : {}),
      });

    async function pageAll<D extends StoredDocument>(collection: CollectionSpec<D>, query: Omit<Query<D>, 'limit' | 'cursor'>, limit: number): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.find(collection, { ...query, limit, ...(cursor !== undefined ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        ids.push(...page.items.map((d) => d._id));
        cursor = page.nextCursor ?? undefined;
        if (++pages > 1000) throw new Error('paging does not end');
      } while (cursor !== undefined);
      return ids;
    }

    async function scanIds<D extends StoredDocument>(collection: CollectionSpec<D>): Promise<string[]> {
      const ids: string[] = [];
      for await (const document of store.scan(collection)) ids.push(document._id);
      return ids;
    }

    describe('reads and writes', () => {
      it('starts empty, with no checkpoint', async () => {
        expect(await store.get(people, 'nobody')).toBeUndefined();
        expect((await store.getMany(people, ['nobody'])).size).toBe(0);
        expect(await store.find(people, { limit: 10 })).toEqual({ items: [], nextCursor: null });
        expect(await scanIds(people)).toEqual([]);
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(-1);
      });

      it('commits documents with their checkpoint and reads them back exactly as JSON', async () => {
        const ada = person('ada', 3, {
          name: 'Ada Lövelace',
          email: 'ada@example.com',
          stage: 'customer',
          score: 12.5,
          note: undefined,
          attributes: { 'a.b': 1, $where: 'sleep(1)', nested: { $gt: '', list: [1, 'two', null, { 'ü': 'ñ' }] }, empty: {} },
        });
        await commit([put(people, ada), put(entries, entry('ada', 0))], 7);
        expect(await store.get(people, 'ada')).toEqual(asJson(ada));
        expect(Object.keys((await store.get(people, 'ada'))!)).not.toContain('note');
        expect(await store.get(entries, 'ada/00000')).toEqual(entry('ada', 0));
        const many = await store.getMany(people, ['ada', 'nobody', 'ada']);
        expect([...many.keys()]).toEqual(['ada']);
        expect(many.get('ada')).toEqual(asJson(ada));
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(7);
      });

      it('keeps collections apart: the same _id in two collections is two documents', async () => {
        await commit([put(people, person('same', 1, { name: 'a person' })), put(entries, { ...entry('o', 1), _id: 'same' })]);
        expect((await store.get(people, 'same'))?.name).toBe('a person');
        expect((await store.get(entries, 'same'))?.owner).toBe('o');
        expect(await scanIds(handles)).toEqual([]);
      });

      it('never lets a lower revision replace a higher one; an equal one replaces it', async () => {
        await commit([put(people, person('c', 5, { score: 50 }))], 10);
        await commit([put(people, person('c', 4, { score: 40 }))], 11);
        expect(await store.get(people, 'c')).toEqual(person('c', 5, { score: 50 }));
        await commit([put(people, person('c', 5, { score: 55 }))], 12);
        expect(await store.get(people, 'c')).toEqual(person('c', 5, { score: 55 }));
        await commit([put(people, person('c', 6, { score: 60 }))], 13);
        expect(await store.get(people, 'c')).toEqual(person('c', 6, { score: 60 }));
      });

      it('takes a put’s belief about whether its _id is stored as a hint: right or wrong, the guard decides', async () => {
        await commit([put(people, person('h-stored', 5, { note: 'first' })), put(people, person('h-high', 9, { note: 'first' }))], 1);
        await commit(
          [
            put(people, person('h-stored', 6, { note: 'believed absent' }), false),
            put(people, person('h-new', 1, { note: 'believed stored' }), true),
            put(people, person('h-high', 8, { note: 'stale, believed absent' }), false),
            put(people, person('h-fresh', 1, { note: 'believed absent' }), false),
          ],
          2,
        );
        const found = await store.getMany(people, ['h-stored', 'h-new', 'h-high', 'h-fresh']);
        expect([...found.values()].map((p) => [p._id, p.revision, p.note]).sort()).toEqual([
          ['h-fresh', 1, 'believed absent'],
          ['h-high', 9, 'first'],
          ['h-new', 1, 'believed stored'],
          ['h-stored', 6, 'believed absent'],
        ]);
      });

      it('writes the newer documents of a batch even when others in it are stale', async () => {
        const ids = Array.from({ length: 30 }, (_, i) => `s-${String(i).padStart(2, '0')}`);
        await commit(ids.map((id) => put(people, person(id, 3, { note: 'first' }))), 1);
        // Every third one comes in stale, spread over more than one bulk write.
        await commit(
          ids.map((id, i) => put(people, person(id, i % 3 === 0 ? 2 : 4, { note: 'second' }))),
          2,
        );
        const found = await store.getMany(people, ids);
        expect(ids.map((id) => [id, found.get(id)?.revision, found.get(id)?.note])).toEqual(
          ids.map((id, i) => (i % 3 === 0 ? [id, 3, 'first'] : [id, 4, 'second'])),
        );
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(2);
      });

      it('applies the writes of a batch in the order listed', async () => {
        await commit([
          put(people, person('x', 1, { note: 'first' })),
          put(people, person('x', 2, { note: 'second' })),
          put(people, person('y', 2, { note: 'kept' })),
          put(people, person('y', 1, { note: 'stale' })),
          put(people, person('z', 1)),
          remove(people, 'z', 1),
          put(people, person('w', 3, { note: 'kept' })),
          remove(people, 'w', 2),
          put(entries, entry('x', 1)),
          put(people, person('x', 3, { note: 'third' })),
        ]);
        const found = await store.getMany(people, ['x', 'y', 'z', 'w']);
        expect([...found.values()].map((p) => [p._id, p.revision, p.note]).sort()).toEqual([
          ['w', 3, 'kept'],
          ['x', 3, 'third'],
          ['y', 2, 'kept'],
        ]);
      });

      it('changes nothing when the same batch is committed twice', async () => {
        const writes = [
          put(people, person('twice', 1, { stage: 'customer' })),
          put(entries, entry('twice', 0)),
          put(entries, entry('twice', 1)),
          update(entries, [{ field: 'owner', eq: 'twice' }], (e) => ({ ...e, text: e.text.toUpperCase() })),
          remove(people, 'gone', 9),
        ];
        await commit(writes, 3);
        const before = [await store.get(people, 'twice'), await pageAll(entries, {}, 10), await store.get(entries, 'twice/00000')];
        await commit(writes, 3);
        expect([await store.get(people, 'twice'), await pageAll(entries, {}, 10), await store.get(entries, 'twice/00000')]).toEqual(before);
        expect((await store.get(entries, 'twice/00001'))?.text).toBe('ENTRY 1 OF TWICE');
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(3);
      });

      it('moves checkpoints with the batch, forward only, several at once', async () => {
        await store.commit({ writes: [], checkpoints: [{ name: CHECKPOINT, position: 5 }, { name: 'purchases', position: 4 }] });
        await store.commit({ writes: [], checkpoints: [{ name: CHECKPOINT, position: 6 }, { name: 'purchases', position: 2 }] });
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(6);
        expect(await store.getCheckpoint('purchases')).toBe(4);
        expect(await store.getCheckpoint('other')).toBe(-1);
        await store.commit({ writes: [], checkpoints: [{ name: 'purchases', position: 0 }] });
        expect(await store.getCheckpoint('purchases')).toBe(4);
      });

      it('inserts a document only where none with its _id is stored, whatever the revisions', async () => {
        await commit([insert(entries, entry('i', 0, 3))]);
        // Neither an older nor a newer revision replaces it: an insert is written once.
        await commit([insert(entries, { ...entry('i', 0, 1), text: 'older' }), insert(entries, { ...entry('i', 0, 9), text: 'newer' })]);
        expect(await store.get(entries, 'i/00000')).toEqual(entry('i', 0, 3));
        // A put still replaces it by the usual guard, and an update reaches it.
        await commit([put(entries, { ...entry('i', 0, 4), text: 'put' }), insert(entries, { ...entry('i', 0, 5), text: 'ignored' })]);
        expect((await store.get(entries, 'i/00000'))?.text).toBe('put');
        await commit([insert(entries, entry('i', 1)), update(entries, [{ field: 'owner', eq: 'i' }], (e) => ({ ...e, text: e.text.toUpperCase() }))]);
        expect((await store.find(entries, { where: [{ field: 'owner', eq: 'i' }], limit: 10 })).items.map((e) => e.text)).toEqual(['PUT', 'ENTRY 1 OF I']);
        // The unique keys still hold for an insert.
        await commit([put(handles, { _id: 'h1', revision: 0, handle: 'taken' })]);
        await expect(commit([insert(handles, { _id: 'h2', revision: 0, handle: 'taken' })])).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await store.get(handles, 'h2')).toBeUndefined();
      });

      it('gives a version a value it never had with every committed batch that names it, and on reset', async () => {
        const seen = new Map<string, Set<string>>([
          ['purchases', new Set([''])],
          ['facts', new Set([''])],
        ]);
        const moved = async (name: string) => {
          const value = await store.getVersion(name);
          expect(seen.get(name)!.has(value)).toBe(false);
          seen.get(name)!.add(value);
        };
        expect([await store.getVersion('purchases'), await store.getVersion('facts')]).toEqual(['', '']);
        await store.commit({ writes: [], checkpoints: [], versions: ['purchases', 'facts', 'purchases'] });
        await moved('purchases');
        await moved('facts');
        const facts = await store.getVersion('facts');
        await store.commit({ writes: [], checkpoints: [{ name: CHECKPOINT, position: 1 }], versions: ['purchases'] });
        await moved('purchases');
        // Unnamed versions stay as they were; reading does not move them.
        expect([await store.getVersion('facts'), await store.getVersion('facts'), await store.getVersion('other')]).toEqual([facts, facts, '']);
        // After concurrent commits the value is one none of them saw before.
        await Promise.all([1, 2, 3, 4].map(() => store.commit({ writes: [], checkpoints: [], versions: ['facts'] })));
        await moved('facts');
        // A refused batch moves nothing.
        const before = await store.getVersion('facts');
        await expect(store.commit({ writes: [put(people, { _id: '', revision: 0 } as never)], checkpoints: [], versions: ['facts'] })).rejects.toThrow();
        await expect(store.commit({ writes: [], checkpoints: [], versions: [''] })).rejects.toBeInstanceOf(TypeError);
        expect(await store.getVersion('facts')).toBe(before);
        // The documents a cache was computed from are gone: every version moves.
        await store.reset();
        await moved('purchases');
        await moved('facts');
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(-1);
      });

      it('deletes a document unless the stored revision is higher, and keeps no revision after it', async () => {
        await commit([put(people, person('d', 5))]);
        await commit([remove(people, 'd', 4)]);
        expect((await store.get(people, 'd'))?.revision).toBe(5);
        await commit([remove(people, 'd', 5), remove(people, 'never-there', 1)]);
        expect(await store.get(people, 'd')).toBeUndefined();
        // No tombstone: an older document written after the delete is stored (see DeleteWrite).
        await commit([put(people, person('d', 3))]);
        expect((await store.get(people, 'd'))?.revision).toBe(3);
      });

      it('passes the documents matching a filter through a function, after the batch’s earlier writes', async () => {
        await commit([...[0, 1, 2].map((seq) => put(entries, entry('a', seq))), ...[0, 1].map((seq) => put(entries, entry('b', seq)))]);
        const redact = (e: Entry): Entry | undefined => (e.seq < 5 ? { ...e, text: '', redacted: true } : undefined);
        await commit([put(entries, entry('a', 3)), put(entries, entry('a', 7)), update(entries, [{ field: 'owner', eq: 'a' }], redact)], 4, true);
        const a = await store.find(entries, { where: [{ field: 'owner', eq: 'a' }], sort: ['at', 'seq'], limit: 10 });
        expect(a.items.map((e) => [e.seq, e.revision, e.text, e.redacted])).toEqual([
          [0, 0, '', true],
          [1, 1, '', true],
          [2, 2, '', true],
          [3, 3, '', true],
          [7, 7, 'entry 7 of a', undefined],
        ]);
        expect((await store.find(entries, { where: [{ field: 'owner', eq: 'b' }], limit: 10 })).items).toEqual([entry('b', 0), entry('b', 1)]);
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(4);
      });

      it('refuses an update that changes _id, and a refused commit moves no checkpoint', async () => {
        await commit([put(entries, entry('a', 0))], 1);
        await expect(commit([update(entries, [{ field: 'owner', eq: 'a' }], (e) => ({ ...e, _id: 'elsewhere' }))], 2)).rejects.toBeInstanceOf(
          InvalidDocumentError,
        );
        expect(await store.get(entries, 'elsewhere')).toBeUndefined();
        expect(await store.get(entries, 'a/00000')).toEqual(entry('a', 0));
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(1);
      });

      it(
        'scans a whole collection in _id order, a page at a time, and updates more documents than one page holds',
        async () => {
          const N = 1205;
          const all = Array.from({ length: N }, (_, i) => entry('bulk', N - 1 - i));
          await commit(all.map((e) => put(entries, e)), 1);
          const scanned = await scanIds(entries);
          expect(scanned).toHaveLength(N);
          expect(scanned).toEqual(all.map((e) => e._id).sort());
          await commit([update(entries, [{ field: 'owner', eq: 'bulk' }], (e) => ({ ...e, text: 'redacted' }))], 2);
          let redacted = 0;
          for await (const e of store.scan(entries)) if (e.text === 'redacted') redacted++;
          expect(redacted).toBe(N);
        },
        bulkTimeoutMs,
      );

      it('scans documents cut to the fields asked for: _id and those of them each has, in _id order', async () => {
        await commit(
          [
            put(people, person('b', 0, { name: 'Bea', email: 'bea@example.com', attributes: { tier: 'gold', tags: ['a', 'b'] }, score: 0 })),
            put(people, person('a', 0, { name: null, note: 'only a note' })),
          ],
          1,
        );
        const cut: unknown[] = [];
        for await (const document of store.scanFields(people, ['name', 'attributes', 'score'])) cut.push(document);
        expect(cut).toEqual([
          { _id: 'a', name: null },
          { _id: 'b', name: 'Bea', attributes: { tier: 'gold', tags: ['a', 'b'] }, score: 0 },
        ]);
        const ids: unknown[] = [];
        for await (const document of store.scanFields(people, [])) ids.push(document);
        expect(ids).toEqual([{ _id: 'a' }, { _id: 'b' }]);
      });

      it('commits an erasing batch like any other', async () => {
        await commit([put(people, person('erased', 1, { name: 'Ada', email: 'ada@example.com' }))], 1);
        await commit([put(people, person('erased', 2, { name: null }))], 2, true);
        expect(await store.get(people, 'erased')).toEqual(person('erased', 2, { name: null }));
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(2);
      });

      it('drops every document and checkpoint on reset, and keeps working after it', async () => {
        await commit([put(people, person('gone', 0, { stage: 'customer' })), put(entries, entry('gone', 0)), put(handles, { _id: 'h', revision: 0, handle: 'gone' })], 4);
        await store.commit({ writes: [], checkpoints: [{ name: 'other', position: 9 }] });
        await store.reset();
        expect(await store.get(people, 'gone')).toBeUndefined();
        expect(await scanIds(entries)).toEqual([]);
        expect(await scanIds(handles)).toEqual([]);
        expect(await store.find(people, { where: [{ field: 'stage', eq: 'customer' }], limit: 5 })).toEqual({ items: [], nextCursor: null });
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(-1);
        expect(await store.getCheckpoint('other')).toBe(-1);
        await commit([put(people, person('gone', 0)), put(handles, { _id: 'h2', revision: 0, handle: 'gone' })], 1);
        expect((await store.get(people, 'gone'))?.revision).toBe(0);
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(1);
      });
    });

    describe('queries', () => {
      const seven = Array.from({ length: 7 }, (_, i) => `p-${i}`);
      const seed = () =>
        commit(
          seven.map((id, i) =>
            put(people, person(id, 0, { stage: i % 2 ? 'customer' : 'prospect', name: i === 3 ? 'Grace HOPPER' : `n${i}`, email: `${id}@Example.com` })),
          ),
          1,
        );

      it('pages in _id order by default, with an opaque cursor, and ends with a null cursor', async () => {
        await seed();
        expect(await pageAll(people, {}, 3)).toEqual(seven);
        expect(await pageAll(people, {}, 1)).toEqual(seven);
        const exact = await store.find(people, { limit: 7 });
        expect(exact.items.map((p) => p._id)).toEqual(seven);
        expect(exact.nextCursor).toBeNull();
        const first = await store.find(people, { limit: 2 });
        expect(first.items.map((p) => p._id)).toEqual(['p-0', 'p-1']);
        expect(typeof first.nextCursor).toBe('string');
      });

      it('filters by equality and by lists of values, on _id and on declared fields', async () => {
        await seed();
        await commit([put(people, person('odd', 0, { stage: 42 })), put(people, person('none', 0))]);
        expect(await pageAll(people, { where: [{ field: 'stage', eq: 'customer' }] }, 2)).toEqual(['p-1', 'p-3', 'p-5']);
        expect(await pageAll(people, { where: [{ field: '_id', in: ['p-5', 'p-2', 'p-9'] }] }, 1)).toEqual(['p-2', 'p-5']);
        expect(await pageAll(people, { where: [{ field: '_id', eq: 'p-4' }] }, 5)).toEqual(['p-4']);
        expect(
          await pageAll(people, { where: [{ field: '_id', in: ['p-5', 'p-2'] }, { field: 'stage', eq: 'customer' }] }, 5),
        ).toEqual(['p-5']);
        expect(await pageAll(people, { where: [{ field: '_id', in: [] }] }, 5)).toEqual([]);
        expect(await pageAll(people, { where: [{ field: 'stage', in: [] }] }, 5)).toEqual([]);
        expect(await pageAll(people, { where: [{ field: 'stage', in: ['customer', 'nobody'] }, { field: '_id', in: ['p-0', 'p-1'] }] }, 5)).toEqual([
          'p-1',
        ]);
        // A field missing, or of another type than declared, is null to queries.
        expect(await pageAll(people, { where: [{ field: 'stage', eq: null }] }, 5)).toEqual(['none', 'odd']);
        expect(await pageAll(people, { where: [{ field: 'stage', in: [null, 'customer'] }] }, 2)).toEqual(['none', 'odd', 'p-1', 'p-3', 'p-5']);
        expect(await pageAll(people, { where: [{ field: 'stage', eq: 42 }] }, 5)).toEqual([]);
        expect(await pageAll(people, { where: [{ field: 'stage', eq: 'customer' }, { field: 'stage', eq: 'prospect' }] }, 5)).toEqual([]);
      });

      it('sorts by one or two declared fields, nulls first, ties by _id, across every page boundary', async () => {
        const rows: Person[] = [
          person('a', 0, { team: 'red', score: 3 }),
          person('b', 0, { team: 'blue', score: 1 }),
          person('c', 0, { team: 'red', score: 1 }),
          person('d', 0, { team: 'blue' }),
          person('e', 0, { score: 2 }),
          person('f', 0, { team: 'red', score: 1 }),
          person('g', 0, { team: 'blue', score: 1.5 }),
          person('h', 0, { team: 7, score: 'x' }),
          person('i', 0, { team: 'red', score: -4 }),
          person('j', 0, {}),
        ];
        await commit(rows.map((p) => put(people, p)));
        const key = (v: unknown, type: 'string' | 'number') => (typeof v === type && (type === 'string' || Number.isFinite(v)) ? (v as string | number) : null);
        const compare = (x: string | number | null, y: string | number | null) => (x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1);
        const expected = (fields: ('team' | 'score')[]) =>
          [...rows]
            .sort((p, q) => {
              for (const field of fields) {
                const type = field === 'team' ? 'string' : 'number';
                const c = compare(key(p[field], type), key(q[field], type));
                if (c !== 0) return c;
              }
              return p._id < q._id ? -1 : 1;
            })
            .map((p) => p._id);
        for (const limit of [1, 2, 3, 10]) {
          expect(await pageAll(people, { sort: ['score'] }, limit)).toEqual(expected(['score']));
          expect(await pageAll(people, { sort: ['team', 'score'] }, limit)).toEqual(expected(['team', 'score']));
          expect(await pageAll(people, { sort: ['score', 'team'] }, limit)).toEqual(expected(['score', 'team']));
        }
        expect(await pageAll(people, { where: [{ field: 'team', eq: 'red' }], sort: ['score'] }, 1)).toEqual(['i', 'c', 'f', 'a']);
      });

      it('matches text case-insensitively, as a substring of any search field', async () => {
        await seed();
        await commit([put(people, person('umlaut', 0, { name: 'Über Straße', note: 'hopper' }))]);
        expect(await pageAll(people, { text: 'hopper' }, 2)).toEqual(['p-3']);
        expect(await pageAll(people, { text: 'P-6' }, 2)).toEqual(['p-6']);
        expect(await pageAll(people, { text: 'p-2@example' }, 2)).toEqual(['p-2']);
        expect(await pageAll(people, { text: 'üBER' }, 2)).toEqual(['umlaut']);
        expect(await pageAll(people, { text: 'STRASSE' }, 2)).toEqual([]);
        expect(await pageAll(people, { text: 'EXAMPLE.COM', where: [{ field: 'stage', eq: 'customer' }] }, 1)).toEqual(['p-1', 'p-3', 'p-5']);
        expect(await pageAll(people, { text: '' }, 3)).toEqual(['p-0', 'p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6', 'umlaut']);
        expect(await pageAll(people, { text: 'nobody' }, 3)).toEqual([]);
      });
    });

    describe('operator injection', () => {
      const plain = ['$where', '{"$gt":""}', 'a.b', "x' OR '1'='1", '$ne', '[$ne]', 'a%b_c', '.*', '^', 'back\\slash'];

      it.each([
        ['%', ['a%b_c']],
        ['_', ['a%b_c']],
        ['.*', ['.*']],
        ['.', ['.*', 'a.b']],
        ['$', ['$ne', '$where', '[$ne]', '{"$gt":""}']],
        ['^', ['^']],
        ['$where', ['$where']],
        ['{"$gt":""}', ['{"$gt":""}']],
        ['[$ne]', ['[$ne]']],
        ["' OR '1'='1", ["x' OR '1'='1"]],
        ['\\', ['back\\slash']],
        ['(', []],
      ])('matches text %j literally, never as a pattern', async (text, expected) => {
        await commit(plain.map((id) => put(people, person(id, 0, { name: 'plain' }))));
        expect((await pageAll(people, { text }, 3)).sort()).toEqual([...expected].sort());
      });

      it('stores operator-looking ids and values as plain data, and matches them literally', async () => {
        await commit(plain.map((id, i) => put(people, person(id, 0, { stage: i % 2 ? '$ne' : '{"$gt":""}', team: id }))));
        for (const id of plain) expect(await store.get(people, id)).toEqual(person(id, 0, { stage: plain.indexOf(id) % 2 ? '$ne' : '{"$gt":""}', team: id }));
        expect([...(await store.getMany(people, plain)).keys()].sort()).toEqual([...plain].sort());
        expect(await pageAll(people, { where: [{ field: '_id', eq: '$where' }] }, 5)).toEqual(['$where']);
        expect(await pageAll(people, { where: [{ field: '_id', in: ['a.b', '{"$gt":""}', '$exists'] }] }, 5)).toEqual(['a.b', '{"$gt":""}']);
        expect((await pageAll(people, { where: [{ field: 'stage', eq: '$ne' }] }, 5)).length).toBe(5);
        expect(await pageAll(people, { where: [{ field: 'team', eq: '.*' }] }, 5)).toEqual(['.*']);
        expect(await pageAll(people, { where: [{ field: 'team', eq: "x' OR '1'='1" }] }, 5)).toEqual(["x' OR '1'='1"]);
      });

      it.each<[string, unknown]>([
        ['an operator object', { $gt: '' }],
        ['another operator object', { $ne: null }],
        ['a number', 5],
        ['null', null],
        ['a list', ['ada']],
      ])('refuses %s as an id', async (_, id) => {
        await commit([put(people, person('ada', 0))]);
        await expect(store.get(people, id as string)).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(store.getMany(people, ['ada', id as string])).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(commit([remove(people, id as string, 5)])).rejects.toBeInstanceOf(InvalidQueryError);
        expect(await store.get(people, 'ada')).toEqual(person('ada', 0));
      });

      it.each<[string, unknown]>([
        ['an operator object as a value', { where: [{ field: 'stage', eq: { $ne: null } }], limit: 5 }],
        ['a regex object as a value', { where: [{ field: 'stage', eq: { $regex: '.*' } }], limit: 5 }],
        ['a list as a value', { where: [{ field: 'stage', eq: ['customer'] }], limit: 5 }],
        ['NaN as a value', { where: [{ field: 'score', eq: Number.NaN }], limit: 5 }],
        ['a number as an _id', { where: [{ field: '_id', eq: 5 }], limit: 5 }],
        ['null as an _id', { where: [{ field: '_id', in: [null] }], limit: 5 }],
        ['an operator object in a list', { where: [{ field: '_id', in: ['a', { $gt: '' }] }], limit: 5 }],
        ['a string as a list', { where: [{ field: '_id', in: 'abc' }], limit: 5 }],
        ['an operator object as a list', { where: [{ field: 'stage', in: { $exists: true } }], limit: 5 }],
        ['a condition with an operator beside it', { where: [{ field: 'stage', eq: 'x', $where: 'true' }], limit: 5 }],
        ['a condition with eq and in', { where: [{ field: 'stage', eq: 'x', in: ['y'] }], limit: 5 }],
        ['an operator as a field', { where: [{ field: '$where', eq: 'x' }], limit: 5 }],
        ['an undeclared field', { where: [{ field: 'name', eq: 'x' }], limit: 5 }],
        ['a SQL fragment as a field', { where: [{ field: 'stage = stage OR 1', eq: 'x' }], limit: 5 }],
        ['an operator object as where', { where: { stage: 'x' }, limit: 5 }],
        ['an operator object as text', { text: { $regex: '.*' }, limit: 5 }],
        ['an operator object as limit', { limit: { $gt: 0 } }],
        ['a zero limit', { limit: 0 }],
        ['a fractional limit', { limit: 1.5 }],
        ['an undeclared sort field', { sort: ['name'], limit: 5 }],
        ['three sort fields', { sort: ['stage', 'team', 'score'], limit: 5 }],
        ['an operator object as sort', { sort: { stage: -1 }, limit: 5 }],
        ['an unknown query member', { $where: 'true', limit: 5 }],
      ])('refuses %s in a query', async (_, query) => {
        await expect(store.find(people, query as Query<Person>)).rejects.toBeInstanceOf(InvalidQueryError);
        // The same conditions (or an operator as a field, where the query has none) in an update.
        const where = ((query as { where?: unknown }).where ?? [{ field: '$where', eq: 'x' }]) as Condition<Person>[];
        await expect(commit([update(people, where, (p) => p)])).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('refuses text on a collection that declares no search fields', async () => {
        await expect(store.find(entries, { text: 'x', limit: 5 })).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('refuses a cursor it did not issue, or issued for another query', async () => {
        await commit(['a', 'b', 'c'].map((id, i) => put(people, person(id, 0, { score: i }))));
        const issued = (await store.find(people, { sort: ['score'], limit: 1 })).nextCursor!;
        const byId = (await store.find(people, { limit: 1 })).nextCursor!;
        const forged = (change: (body: Record<string, unknown>) => unknown) => encode(change(decode(issued)));
        const refused = [
          'not-a-cursor',
          'bm9wZQ',
          encode(['a']),
          encode({ id: { $gt: '' } }),
          encode({ $where: 'true' }),
          forged((b) => ({ ...b, i: { $gt: '' } })),
          forged((b) => ({ ...b, i: { $ne: null } })),
          forged((b) => ({ ...b, v: [{ $gt: 0 }] })),
          forged((b) => ({ ...b, v: ['a string for a number field'] })),
          forged((b) => ({ ...b, v: [] })),
          forged((b) => ({ ...b, s: ['team'] })),
          forged((b) => ({ ...b, c: 'entries' })),
          forged((b) => ({ ...b, extra: 1 })),
        ];
        for (const cursor of refused) {
          await expect(store.find(people, { sort: ['score'], limit: 1, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
        }
        // A cursor of one query is refused by another (other sort, other collection).
        await expect(store.find(people, { limit: 1, cursor: issued })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.find(entries, { limit: 1, cursor: byId })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.find(people, { sort: ['score'], limit: 1, cursor: { $gt: '' } as unknown as string })).rejects.toBeInstanceOf(InvalidCursorError);
        expect((await store.find(people, { sort: ['score'], limit: 5, cursor: issued })).items.map((p) => p._id)).toEqual(['b', 'c']);
      });
    });

    describe('documents the store refuses', () => {
      it.each<[string, unknown]>([
        ['no _id', { revision: 0 }],
        ['an empty _id', { _id: '', revision: 0 }],
        ['a number as _id', { _id: 5, revision: 0 }],
        ['an operator object as _id', { _id: { $gt: '' }, revision: 0 }],
        ['no revision', { _id: 'x' }],
        ['a negative revision', { _id: 'x', revision: -1 }],
        ['a fractional revision', { _id: 'x', revision: 1.5 }],
        ['a string as revision', { _id: 'x', revision: '3' }],
        ['an operator object as revision', { _id: 'x', revision: { $gt: 0 } }],
        ['a list', [{ _id: 'x', revision: 0 }]],
        ['a class instance', Object.assign(new Date(0), { _id: 'x', revision: 0 })],
        ['a BigInt', { _id: 'x', revision: 0, big: BigInt(1) }],
        ['null', null],
      ])('refuses a document with %s, and writes nothing of its batch', async (_, document) => {
        await expect(commit([put(people, person('ok', 0)), put(people, document as Person)], 1)).rejects.toBeInstanceOf(InvalidDocumentError);
        expect(await store.get(people, 'ok')).toBeUndefined();
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(-1);
      });

      it('keeps unique indexes: a second document with the same key is refused', async () => {
        await commit([put(handles, { _id: 'h1', revision: 1, handle: 'ada' })], 1);
        await expect(commit([put(handles, { _id: 'h2', revision: 1, handle: 'ada' })], 2)).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await store.get(handles, 'h2')).toBeUndefined();
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(1);
        // The same document again, a stale copy, and a key moved in order, are fine.
        await commit([put(handles, { _id: 'h1', revision: 2, handle: 'ada' }), put(handles, { _id: 'h1', revision: 1, handle: 'ada' })], 3);
        await commit([remove(handles, 'h1', 2), put(handles, { _id: 'h2', revision: 1, handle: 'ada' })], 4);
        expect([...(await store.getMany(handles, ['h1', 'h2'])).keys()]).toEqual(['h2']);
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(4);
      });

      it('refuses a document without the fields of a unique index', async () => {
        await expect(commit([put(handles, { _id: 'h', revision: 0 })])).rejects.toBeInstanceOf(InvalidDocumentError);
        await expect(commit([put(handles, { _id: 'h', revision: 0, handle: 5 as unknown as string })])).rejects.toBeInstanceOf(InvalidDocumentError);
        expect(await store.get(handles, 'h')).toBeUndefined();
      });

      it('refuses collections it was not opened with', async () => {
        const other = defineCollection<Person>({ name: 'other' });
        const reshaped = defineCollection<Person>({ name: 'people', fields: { name: 'string' } });
        await expect(store.get(other, 'x')).rejects.toBeInstanceOf(UnknownCollectionError);
        await expect(store.find(reshaped, { limit: 1 })).rejects.toBeInstanceOf(UnknownCollectionError);
        await expect(commit([put(other, person('x', 0))], 1)).rejects.toBeInstanceOf(UnknownCollectionError);
        expect(await store.getCheckpoint(CHECKPOINT)).toBe(-1);
        // An equal declaration written again elsewhere is the same collection.
        const again = defineCollection<Person>({ ...people, indexes: [...people.indexes!] });
        await commit([put(again, person('x', 0))]);
        expect((await store.get(people, 'x'))?._id).toBe('x');
      });
    });

    if (options.reopenable !== false) {
      describe('across a reopen', () => {
        const reopen = async (collections: readonly AnyCollection[]) => {
          await store.close();
          store = await storage.open(collections);
        };

        it('keeps documents and checkpoints', async () => {
          await commit([put(people, person('kept', 2, { stage: 'customer' })), put(handles, { _id: 'h', revision: 0, handle: 'kept' })], 5);
          await reopen(COLLECTIONS);
          expect(await store.get(people, 'kept')).toEqual(person('kept', 2, { stage: 'customer' }));
          expect(await pageAll(people, { where: [{ field: 'stage', eq: 'customer' }] }, 5)).toEqual(['kept']);
          expect(await store.getCheckpoint(CHECKPOINT)).toBe(5);
          await expect(commit([put(handles, { _id: 'h2', revision: 0, handle: 'kept' })])).rejects.toBeInstanceOf(DuplicateKeyError);
        });

        it('re-derives keys and indexes when a collection’s declaration changes', async () => {
          await commit(['m', 'k', 'z'].map((id, i) => put(people, person(id, 0, { stage: 'customer', name: `N${i}`, team: `t${2 - i}`, attributes: { tier: 3 - i } }))));
          const changed = defineCollection<Person>({
            name: 'people',
            fields: { team: 'string', name: 'string' },
            indexes: [{ fields: ['team'], unique: true }],
            search: ['name'],
          });
          await reopen([changed, entries, handles]);
          expect(await pageAll(changed, { sort: ['team'] }, 1)).toEqual(['z', 'k', 'm']);
          expect(await pageAll(changed, { where: [{ field: 'name', eq: 'N1' }] }, 5)).toEqual(['k']);
          expect(await pageAll(changed, { text: 'n2' }, 5)).toEqual(['z']);
          expect(await pageAll(changed, { text: 'm' }, 5)).toEqual([]);
          await expect(commit([put(changed, person('new', 0, { team: 't0' }))])).rejects.toBeInstanceOf(DuplicateKeyError);
          await reopen(COLLECTIONS);
          expect(await pageAll(people, { where: [{ field: 'stage', eq: 'customer' }] }, 2)).toEqual(['k', 'm', 'z']);
          await commit([put(people, person('new', 0, { team: 't0' }))]);
          expect(await pageAll(people, { where: [{ field: 'team', eq: 't0' }] }, 5)).toEqual(['new', 'z']);
        });

        it('opens several stores declaring the same changed collections at once (roles starting together)', async () => {
          await store.close();
          const changed = defineCollection<Person>({ name: 'people', fields: { team: 'string' }, indexes: [{ fields: ['team'] }] });
          const opened = await Promise.allSettled([0, 1, 2, 3].map(() => storage.open([changed, entries, handles])));
          const failures = opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
          for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
          store = await storage.open(COLLECTIONS);
          expect(failures).toEqual([]);
        });

        it('drops, on reset, collections no longer declared', async () => {
          await commit([put(entries, entry('old', 0)), put(people, person('p', 0))], 3);
          await reopen([people]);
          await store.reset();
          await reopen(COLLECTIONS);
          expect(await scanIds(entries)).toEqual([]);
          expect(await scanIds(people)).toEqual([]);
          expect(await store.getCheckpoint(CHECKPOINT)).toBe(-1);
        });
      });
    }
  });
}
